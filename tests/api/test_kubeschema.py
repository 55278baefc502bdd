"""Core types checked against Kubernetes' published schema: newer fields accepted and kept, unknown ones
refused with their path and a hint, and anything goes inside a schemaless field."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from sparkfleet.api.base import FieldIssue, hinted_issues
from sparkfleet.api.kubeschema import (
    KUBERNETES_SCHEMA_VERSION,
    check_schema,
    definition_properties,
    is_kubernetes_kind,
    schema_warnings,
    schemaless,
)
from sparkfleet.api.pod import Container, Pod, PodSpec, Volume, validate_pod


def pod(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "main", "image": "busybox"}], **spec},
    }


def issues(doc: dict[str, Any]) -> list[FieldIssue]:
    try:
        Pod.model_validate(doc)
    except ValidationError as exc:
        return hinted_issues(exc, Pod)
    return []


def test_the_pinned_version_has_the_fields_of_kubernetes_1_35() -> None:
    assert KUBERNETES_SCHEMA_VERSION == "v1.35.0"
    assert "fileKeyRef" in definition_properties("io.k8s.api.core.v1.EnvVarSource")
    assert "restartPolicyRules" in definition_properties("io.k8s.api.core.v1.Container")


@pytest.mark.parametrize(
    "spec",
    [
        {"volumes": [{"name": "v", "image": {"reference": "registry.example.com/data:1"}}]},
        {"volumes": [{"name": "v", "azureFile": {"secretName": "s", "shareName": "share"}}]},
        {"volumes": [{"name": "v", "gcePersistentDisk": {"pdName": "disk"}}]},
        {"securityContext": {"seLinuxChangePolicy": "MountOption"}},
        {"os": {"name": "linux"}},
        {"schedulingGates": [{"name": "example.com/gate"}]},
        {"hostUsers": False},
        {"setHostnameAsFQDN": True},
        {"resources": {"limits": {"cpu": "2", "memory": "4Gi"}}},
        {"ephemeralContainers": [{"name": "debug", "image": "busybox", "targetContainerName": "main"}]},
        {
            "containers": [
                {
                    "name": "main",
                    "env": [
                        {
                            "name": "A",
                            "valueFrom": {"fileKeyRef": {"volumeName": "v", "path": "p", "key": "A"}},
                        }
                    ],
                    "restartPolicyRules": [
                        {"action": "Restart", "exitCodes": {"operator": "In", "values": [42]}}
                    ],
                    "livenessProbe": {"grpc": {"port": 9000}},
                }
            ]
        },
    ],
    ids=lambda spec: next(iter(spec)),
)
def test_fields_of_the_published_schema_are_accepted_and_kept(spec: dict[str, Any]) -> None:
    doc = pod(**spec)
    parsed = Pod.model_validate(doc)
    written = parsed.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    assert written["spec"] == doc["spec"], "kept as written, as the pod will get it"
    assert validate_pod(parsed) == []


def test_an_unknown_field_is_named_with_its_path_and_the_field_meant() -> None:
    doc = pod(volumes=[{"name": "v", "azureFile": {"secretName": "s", "shareNam": "x"}}])
    assert [str(i) for i in issues(doc)] == [
        "spec.volumes[0].azureFile.shareName: required field is missing",
        'spec.volumes[0].azureFile.shareNam: unknown field (did you mean "shareName"?)',
    ]


def test_a_container_setting_in_the_pod_security_context_says_where_it_belongs() -> None:
    (issue,) = issues(pod(securityContext={"readOnlyRootFilesystem": True}))
    assert str(issue) == (
        "spec.securityContext.readOnlyRootFilesystem: unknown field; readOnlyRootFilesystem belongs in "
        "a container's securityContext"
    )
    spec = {"name": "main", "securityContext": {"fsGroup": 100}}
    (issue,) = issues(pod(containers=[spec]))
    assert issue.message == "unknown field; fsGroup belongs in the pod's securityContext"


def test_schema_problems_and_model_problems_are_reported_together() -> None:
    doc = pod(volumes=[{"name": 5, "hostPath": {"path": "/x", "typo": "y"}}])
    assert [i.path for i in issues(doc)] == ["spec.volumes[0].name", "spec.volumes[0].hostPath.typo"]


@pytest.mark.parametrize(
    ("spec", "path", "fragment"),
    [
        ({"os": "linux"}, "spec.os", "must be a mapping, got 'linux'"),
        ({"hostUsers": "no"}, "spec.hostUsers", "must be true or false"),
        ({"schedulingGates": {"name": "g"}}, "spec.schedulingGates", "must be a list"),
        ({"resources": {"limits": {"cpu": "lots"}}}, "spec.resources.limits.cpu", "is not a quantity"),
        ({"hostname": 7}, "spec.hostname", 'quote it in the YAML ("7")'),
    ],
)
def test_a_value_of_the_wrong_type_is_named(spec: dict[str, Any], path: str, fragment: str) -> None:
    assert any(i.path == path and fragment in i.message for i in issues(pod(**spec))), issues(pod(**spec))


def test_a_volume_still_has_one_source_typed_or_not() -> None:
    doc = pod(volumes=[{"name": "v", "emptyDir": {}, "image": {"reference": "r"}}])
    assert [i.message for i in issues(doc)] == [
        "a volume has exactly one source; found emptyDir, image: keep one"
    ]
    assert Volume.model_validate({"name": "v", "image": {"reference": "r"}}).source_kind() == "image"


def test_within_schemaless_anything_is_kept_and_the_warnings_say_what_kubernetes_would_refuse() -> None:
    with schemaless():
        spec = PodSpec.model_validate({"securityContext": {"allowPrivilegeEscalation": False}, "x": 1})
    assert spec.to_dict()["x"] == 1
    assert [
        str(w) for w in schema_warnings("io.k8s.api.core.v1.PodSpec", spec.to_dict(), "template.spec")
    ] == [
        "template.spec.securityContext.allowPrivilegeEscalation: unknown field; allowPrivilegeEscalation "
        "belongs in a container's securityContext",
        "template.spec.x: unknown field; remove it",
    ]


def test_the_schema_check_is_pure_data_in_data_out() -> None:
    assert check_schema("io.k8s.api.core.v1.Toleration", {"operator": "Exists"}) == []
    assert check_schema("io.k8s.api.core.v1.Toleration", {"efect": "NoSchedule"}) == [
        (("efect",), 'unknown field (did you mean "effect"?)')
    ]
    assert Container.model_validate({"name": "c", "stdin": True}).stdin is True


@pytest.mark.parametrize(
    ("api_version", "kind", "real"),
    [
        ("v1", "Secret", True),
        ("rbac.authorization.k8s.io/v1", "Role", True),
        ("policy/v1", "PodDisruptionBudget", True),
        ("v1", "Pdo", False),
        ("karpenter.sh/v1", "NodePool", False),
    ],
)
def test_kubernetes_knows_its_own_kinds(api_version: str, kind: str, real: bool) -> None:
    assert is_kubernetes_kind(api_version, kind) is real
