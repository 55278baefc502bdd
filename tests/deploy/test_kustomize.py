"""deploy/: the kustomize base and the EKS overlay, rendered by the real kubectl, every object valid
against the pinned Kubernetes schema (kubernetes-validate), the controller's settings valid for sparkfleet,
the committed CRDs equal to `sparkfleet crds`, and the wiring (RBAC, Lease, probes, selectors) whole."""

from __future__ import annotations

import subprocess
from functools import cache
from typing import Any

import kubernetes_validate
import pytest
import yaml

from sparkfleet.api.cloudsettings import CloudProvider
from sparkfleet.api.kubeschema import KUBERNETES_SCHEMA_VERSION
from sparkfleet.api.registry import find_kind
from sparkfleet.api.settings import parse_settings
from sparkfleet.server.crds import custom_kinds
from support.cli import ROOT, sf_ok
from support.kubectl import kubectl_binary

Obj = dict[str, Any]
DEPLOY = ROOT / "deploy"
TARGETS = {"base": DEPLOY / "base", "eks": DEPLOY / "overlays" / "eks"}
NAMESPACE = "sparkfleet"


@cache
def rendered(target: str) -> tuple[Obj, ...]:
    done = subprocess.run(
        [kubectl_binary(), "kustomize", str(TARGETS[target])],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return tuple(d for d in yaml.safe_load_all(done.stdout) if d)


def one(target: str, kind: str, name: str | None = None) -> Obj:
    found = [o for o in rendered(target) if o["kind"] == kind and name in (None, o["metadata"]["name"])]
    assert len(found) == 1, (kind, name, len(found))
    return found[0]


@pytest.fixture(params=sorted(TARGETS))
def target(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


def test_every_rendered_object_is_valid_for_the_pinned_kubernetes(target: str) -> None:
    version = KUBERNETES_SCHEMA_VERSION.removeprefix("v")
    kinds = set()
    for obj in rendered(target):
        kubernetes_validate.validate(obj, version, strict=True)
        kinds.add(obj["kind"])
    assert kinds == {
        "Namespace",
        "CustomResourceDefinition",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Role",
        "RoleBinding",
        "ConfigMap",
        "Deployment",
        "Service",
        "PodDisruptionBudget",
    }


def test_a_misspelt_field_is_caught_by_the_same_validation() -> None:
    deployment = yaml.safe_load(yaml.safe_dump(one("base", "Deployment")))
    deployment["spec"]["replica"] = 2
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_SCHEMA_VERSION.removeprefix("v"), strict=True)


def test_the_committed_crds_are_what_sparkfleet_crds_prints() -> None:
    assert (DEPLOY / "base" / "crds.yaml").read_text() == sf_ok("crds"), (
        "regenerate them: sparkfleet crds > deploy/base/crds.yaml"
    )


def test_the_crds_are_every_custom_kind_and_everything_is_namespaced_into_sparkfleet(target: str) -> None:
    crds = [o["spec"]["names"]["kind"] for o in rendered(target) if o["kind"] == "CustomResourceDefinition"]
    assert sorted(crds) == sorted(info.kind for info in custom_kinds())
    cluster_scoped = {"Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"}
    for obj in rendered(target):
        expected = None if obj["kind"] in cluster_scoped else NAMESPACE
        assert obj["metadata"].get("namespace") == expected, obj["metadata"]["name"]


def test_the_settings_are_valid_sparkfleet_settings_for_each_cloud() -> None:
    clouds = {}
    for target in TARGETS:
        text = one(target, "ConfigMap", "sparkfleet-settings")["data"]["settings.yaml"]
        clouds[target] = parse_settings(text, f"{target} settings.yaml").cloud
    assert clouds["base"].provider is CloudProvider.SIM
    assert clouds["eks"].provider is CloudProvider.AWS and clouds["eks"].clusterName


def test_the_eks_service_account_names_the_controllers_iam_role() -> None:
    annotations = one("eks", "ServiceAccount")["metadata"]["annotations"]
    assert annotations["eks.amazonaws.com/role-arn"].startswith("arn:aws:iam::")
    assert "annotations" not in one("base", "ServiceAccount")["metadata"]


def test_two_replicas_elect_a_leader_on_a_lease_their_role_allows(target: str) -> None:
    deployment = one(target, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert deployment["spec"]["replicas"] == 2
    container = pod["containers"][0]
    args = container["args"]
    assert args[0] == "controller" and "--leader-elect" in args
    lease = next(a.split("=", 1)[1] for a in args if a.startswith("--leader-election-lease="))
    role = one(target, "Role")
    named = [r for r in role["rules"] if r.get("resourceNames") == [lease]]
    assert named and set(named[0]["verbs"]) == {"get", "update"}
    binding = one(target, "RoleBinding")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": pod["serviceAccountName"], "namespace": NAMESPACE}
    ]
    assert one(target, "ServiceAccount")["metadata"]["name"] == pod["serviceAccountName"]


def test_the_probes_service_and_budget_reach_the_controller_pods(target: str) -> None:
    deployment = one(target, "Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    ports = {p["name"] for p in container["ports"]}
    assert {
        container["livenessProbe"]["httpGet"]["path"],
        container["readinessProbe"]["httpGet"]["path"],
    } == {
        "/healthz",
        "/readyz",
    }
    service = one(target, "Service")
    assert service["spec"]["selector"].items() <= labels.items()
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= ports
    budget = one(target, "PodDisruptionBudget")
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert budget["spec"]["maxUnavailable"] == 1


def test_the_cluster_role_names_only_served_resources_and_never_secrets() -> None:
    role = one("base", "ClusterRole")
    for rule in role["rules"]:
        for resource in rule["resources"]:
            plural, _, sub = resource.partition("/")
            info = find_kind(plural)
            assert info is not None and info.group in rule["apiGroups"], resource
            assert sub in ("", "status", "binding"), resource
            assert "*" not in rule["verbs"]
    assert all("secrets" not in r["resources"] for r in role["rules"])
    binding = one("base", "ClusterRoleBinding")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]


def test_every_kind_a_controller_watches_can_be_listed_and_watched() -> None:
    allowed: dict[str, set[str]] = {}
    for rule in one("base", "ClusterRole")["rules"]:
        for resource in rule["resources"]:
            allowed.setdefault(resource, set()).update(rule["verbs"])
    watched = [
        "SparkApplication",
        "ScheduledSparkApplication",
        "Pod",
        "Node",
        "ConfigMap",
        "NodeClaim",
        "NodePool",
        "EC2NodeClass",
        "NodeOverlay",
        "PriorityClass",
    ]
    for kind in watched:
        info = find_kind(kind)
        assert info is not None
        assert {"list", "watch"} <= allowed[info.plural], kind


def test_the_dockerfile_runs_the_controller_as_the_deployments_user() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    user = one("base", "Deployment")["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
    assert f"USER {user}:" in text
    assert 'ENTRYPOINT ["sparkfleet"]' in text
    assert (DEPLOY / "iam-policy.json").is_file()
