"""The real kubectl against the served API: `explain` reads the OpenAPI schemas, `apply` validates strictly.

kubectl sends a bearer token only over TLS, so these tests serve the API without authentication over
plain HTTP. Without kubectl on the PATH they fail, unless SPARKFLEET_ALLOW_NO_KUBECTL=1 lets them skip.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import create_app, start_server, streams_of
from support.kubectl import Kubectl, kubectl_binary

EXAMPLE = Path(__file__).parent.parent.parent / "examples" / "pyspark-pi-job.yaml"


@pytest.fixture
def kubectl(cluster: EmbeddedCluster, tmp_path: Path) -> Iterator[Kubectl]:
    binary = kubectl_binary()
    app = create_app(cluster, None)
    with start_server(app, None) as handle:
        config = tmp_path / "kubeconfig"
        config.write_text(yaml.safe_dump(handle.kubeconfig()))
        yield Kubectl(binary, config, tmp_path / "kube-cache")
        streams_of(app).close_all()


def test_explain_shows_the_spark_application_driver_fields(kubectl: Kubectl) -> None:
    out = kubectl.ok("explain", "sparkapplication.spec.driver")
    assert "KIND:       SparkApplication" in out
    for field in ("coreRequest", "memoryOverhead", "serviceAccount", "volumeMounts"):
        assert f"  {field}\t<" in out


def test_explain_shows_the_pod_spec_from_the_kubernetes_schema(kubectl: Kubectl) -> None:
    out = kubectl.ok("explain", "pods.spec")
    assert "containers\t<[]Container> -required-" in out
    assert "List of containers belonging to the pod." in out


def test_explain_follows_a_node_pool_into_its_template(kubectl: Kubectl) -> None:
    out = kubectl.ok("explain", "nodepools.spec.template")
    assert "KIND:       NodePool" in out
    assert "  spec\t<Object> -required-" in out


def test_apply_validates_on_the_server_and_refuses_unknown_fields(
    kubectl: Kubectl, cluster: EmbeddedCluster, tmp_path: Path
) -> None:
    assert "pyspark-pi-karpenter created" in kubectl.ok("apply", "-f", str(EXAMPLE))
    assert "pyspark-pi-karpenter unchanged" in kubectl.ok("apply", "-f", str(EXAMPLE))
    assert cluster.get("SparkApplication", "spark-team-a", "pyspark-pi-karpenter")["spec"]["type"] == "Python"
    app = yaml.safe_load(EXAMPLE.read_text())
    app["metadata"]["name"] = "misspelt"
    app["spec"]["driver"]["coreRequets"] = "500m"
    manifest = tmp_path / "misspelt.yaml"
    manifest.write_text(yaml.safe_dump(app))
    refused = kubectl.run("apply", "-f", str(manifest))
    assert refused.returncode != 0
    assert 'unknown field "spec.driver.coreRequets"' in refused.stderr
    assert [a["metadata"]["name"] for a in cluster.list("SparkApplication").items] == ["pyspark-pi-karpenter"]


def test_a_network_policy_is_applied_server_side_and_read_back(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "policy.yaml"
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "spark-app-policy", "namespace": "default"},
        "spec": {"podSelector": {"matchLabels": {"spark-role": "executor"}}},
    }
    manifest.write_text(yaml.safe_dump(policy))
    assert "serverside-applied" in kubectl.ok("apply", "--server-side", "-f", str(manifest))
    names = kubectl.ok("get", "netpol", "-n", "default", "-o", "jsonpath={.items[*].metadata.name}")
    assert names == "spark-app-policy"


def test_secrets_and_service_accounts_are_created_applied_and_listed_as_kubernetes_does(
    kubectl: Kubectl, cluster: EmbeddedCluster, tmp_path: Path
) -> None:
    assert "secret/db created" in kubectl.ok(
        "create", "secret", "generic", "db", "--from-literal=password=hunter2"
    )
    stored = cluster.get("Secret", "default", "db")
    assert stored["type"] == "Opaque", "defaulted by the server: kubectl sends no type"
    assert base64.b64decode(stored["data"]["password"]) == b"hunter2"
    manifest = tmp_path / "creds.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: default}\n"
        f"data: {{user: {base64.b64encode(b'spark').decode()}, old: b2xk}}\n"
        "stringData: {password: s3cr3t, old: new}\n"
        "---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: spark, namespace: default}\n"
        "secrets: [{name: creds}]\n"
    )
    applied = kubectl.ok("apply", "-f", str(manifest))
    assert "secret/creds created" in applied and "serviceaccount/spark created" in applied
    creds = cluster.get("Secret", "default", "creds")
    assert "stringData" not in creds
    decoded = {k: base64.b64decode(v).decode() for k, v in creds["data"].items()}
    assert decoded == {"user": "spark", "password": "s3cr3t", "old": "new"}, "stringData wins over data"
    table = [line.split() for line in kubectl.ok("get", "secrets").splitlines()]
    assert table[0] == ["NAME", "TYPE", "DATA", "AGE"]
    assert [row[:3] for row in table[1:]] == [["creds", "Opaque", "3"], ["db", "Opaque", "1"]]
    accounts = [line.split() for line in kubectl.ok("get", "sa").splitlines()]
    assert accounts[0] == ["NAME", "SECRETS", "AGE"] and accounts[1][:2] == ["spark", "1"]
    shown = yaml.safe_load(kubectl.ok("get", "secret", "creds", "-o", "yaml"))
    assert shown["data"] == creds["data"], "get -o yaml shows the object as stored, as Kubernetes does"
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: tls, namespace: default}\n"
        "type: kubernetes.io/tls\nstringData: {tls.crt: cert-text-91}\n"
    )
    refused = kubectl.run("apply", "-f", str(bad))
    assert refused.returncode != 0
    assert 'data["tls.key"]: required for a Secret of type kubernetes.io/tls' in refused.stderr
    assert "cert-text-91" not in refused.stderr
