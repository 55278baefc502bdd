"""Checking manifests as users write them: the upstream-style corpus gets the verdicts upstream gives, kinds
of other tools are skipped, cluster-scoped objects lose their namespace with a warning, and
`yunikorn-configs` is read from `data` or gzip-compressed `binaryData`."""

from __future__ import annotations

import base64
import gzip
import re
from pathlib import Path
from typing import Any

import pytest

from sparkfleet.api.base import loc_to_path
from sparkfleet.api.manifests import Checked, check_document, check_text, parse_objects
from sparkfleet.api.yunikorn import SchedulerConfig
from support.crdpaths import crd_schema, field_cases, with_field

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
VALID = sorted((CORPUS / "valid").glob("*.yaml"))
INVALID = sorted((CORPUS / "invalid").glob("*.yaml"))


def _expected(path: Path, marker: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(rf"^# {marker}: (.*)$", path.read_text(), re.MULTILINE)]


def _problems(checked: list[Checked]) -> list[str]:
    return [f"{c.kind}/{c.name}: {i}" for c in checked for i in c.issues]


def test_the_corpus_has_both_verdicts() -> None:
    assert len(VALID) >= 8 and len(INVALID) >= 8
    assert all(_expected(p, "expect") for p in INVALID), "every invalid file names what must be reported"


@pytest.mark.parametrize("path", VALID, ids=[p.name for p in VALID])
def test_what_upstream_accepts_is_accepted(path: Path) -> None:
    result = check_text(path.read_text())
    assert _problems(result.objects) == []
    assert any(c.obj is not None for c in result.objects) or all(c.skipped for c in result.objects)
    for warning in _expected(path, "warn"):
        assert any(warning in w for w in result.warnings), (warning, result.warnings)


@pytest.mark.parametrize("path", INVALID, ids=[p.name for p in INVALID])
def test_what_upstream_refuses_is_refused_naming_the_field(path: Path) -> None:
    problems = _problems(check_text(path.read_text()).objects)
    for expected in _expected(path, "expect"):
        assert any(expected in p for p in problems), (expected, problems)


def _only(doc: dict[str, object]) -> Checked:
    checked = check_document(doc)
    assert len(checked) == 1
    return checked[0]


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [
        ("v1", "Endpoints"),
        ("v1", "LimitRange"),
        ("rbac.authorization.k8s.io/v1", "ClusterRole"),
        ("storage.k8s.io/v1", "StorageClass"),
        ("events.k8s.io/v1", "Event"),
        ("argoproj.io/v1alpha1", "Workflow"),
    ],
)
def test_kinds_of_kubernetes_and_other_tools_are_skipped_never_taken_for_a_typo(
    api_version: str, kind: str
) -> None:
    checked = _only({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}})
    assert checked.issues == []
    assert checked.skipped == f"{api_version} {kind} is not a kind sparkfleet manages"


def test_a_misspelt_kind_is_named_only_in_an_api_version_we_serve() -> None:
    ours = _only({"apiVersion": "v1", "kind": "ConfigMpa", "metadata": {"name": "x"}})
    assert [str(i) for i in ours.issues] == ['kind: unknown kind "ConfigMpa" (did you mean "ConfigMap"?)']
    theirs = _only({"apiVersion": "example.com/v1", "kind": "ConfigMpa", "metadata": {"name": "x"}})
    assert theirs.skipped and theirs.issues == []


def test_a_cluster_scoped_object_with_a_namespace_is_accepted_with_the_namespace_cleared() -> None:
    doc = {
        "apiVersion": "karpenter.sh/v1alpha1",
        "kind": "NodeOverlay",
        "metadata": {"name": "sp", "namespace": "karpenter"},
        "spec": {"requirements": [], "priceAdjustment": "-10%"},
    }
    checked = _only(doc)
    assert checked.issues == []
    assert checked.doc is not None and "namespace" not in checked.doc["metadata"]
    assert doc["metadata"] == {"name": "sp", "namespace": "karpenter"}, "the caller's document is left alone"
    assert [str(w) for w in checked.warnings] == [
        'metadata.namespace: NodeOverlay is cluster-scoped: namespace "karpenter" is ignored and cleared'
    ]
    (applied,) = parse_objects("apiVersion: v1\nkind: Namespace\nmetadata: {name: a, namespace: b}\n")
    assert applied.doc is not None and applied.doc["metadata"] == {"name": "a"}


QUEUES = "partitions:\n- name: default\n  queues:\n  - name: root\n    queues:\n    - name: gz\n"


def _configmap(**fields: object) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "yunikorn-configs", "namespace": "yunikorn"},
        **fields,
    }


def test_yunikorn_configs_are_read_gzip_compressed_from_binary_data() -> None:
    packed = base64.b64encode(gzip.compress(QUEUES.encode())).decode()
    configmap, queues = check_document(_configmap(binaryData={"queues.yaml.gz": packed}))
    assert configmap.issues == [] and queues.issues == []
    assert isinstance(queues.obj, SchedulerConfig)
    assert [q.name for q in queues.obj.partitions[0].queues[0].queues] == ["gz"]


def test_compressed_yunikorn_configs_are_checked_like_data() -> None:
    bad = QUEUES.replace("- name: gz", "- name: gz\n      maxaplications: 3")
    packed = base64.b64encode(gzip.compress(bad.encode())).decode()
    _, queues = check_document(_configmap(binaryData={"queues.yaml.gz": packed}))
    assert [i.path for i in queues.issues] == [
        'binaryData["queues.yaml.gz"].partitions[0].queues[0].queues[0].maxaplications'
    ]
    assert "did you mean" in queues.issues[0].message


def test_binary_data_that_is_not_gzip_is_one_problem_naming_the_key() -> None:
    _, queues = check_document(_configmap(binaryData={"queues.yaml.gz": base64.b64encode(b"x").decode()}))
    assert [i.path for i in queues.issues] == ['binaryData["queues.yaml.gz"]']


# --- every field path of the upstream CRDs is accepted (cases generated from their schemas) -------------

CRDS = Path(__file__).resolve().parents[1] / "data" / "crds"
_CLASS_REF = {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "default"}
BASES: dict[str, dict[str, Any]] = {
    "SparkApplication": {
        "metadata": {"name": "app", "namespace": "default"},
        "spec": {
            "type": "Python",
            "mode": "cluster",
            "sparkVersion": "3.5.3",
            "mainApplicationFile": "local:///app.py",
            "driver": {},
            "executor": {},
        },
    },
    "NodePool": {
        "metadata": {"name": "pool"},
        "spec": {"template": {"spec": {"nodeClassRef": _CLASS_REF, "requirements": []}}},
    },
    "EC2NodeClass": {
        "metadata": {"name": "default"},
        "spec": {
            "role": "KarpenterNodeRole",
            "amiFamily": "Custom",
            "amiSelectorTerms": [{"id": "ami-0123456789abcdef0"}],
            "subnetSelectorTerms": [{"tags": {"a": "b"}}],
            "securityGroupSelectorTerms": [{"tags": {"a": "b"}}],
        },
    },
    "NodeOverlay": {"metadata": {"name": "overlay"}, "spec": {"requirements": []}},
    "SparkConnect": {
        "metadata": {"name": "connect", "namespace": "default"},
        "spec": {"sparkVersion": "4.0.4", "server": {}, "executor": {}},
    },
}


@pytest.mark.parametrize("crd", sorted(CRDS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_field_path_of_the_upstream_crds_is_accepted(crd: Path) -> None:
    kind, api_version, schema = crd_schema(crd)
    base = {"apiVersion": api_version, "kind": kind, **BASES[kind]}
    assert _problems(check_document(base)) == []
    refused: set[str] = set()
    cases = list(field_cases(schema))
    for case in cases:
        path = loc_to_path(case.loc)
        for checked in check_document(with_field(base, case.loc, case.value)):
            for issue in checked.issues:
                # The value may break a cross-field rule; what must never happen is a field of the CRD
                # refused as unknown, or one of its enum values refused.
                if issue.message.startswith("unknown field") or (case.enum and issue.path == path):
                    refused.add(f"{issue.path} = {case.value!r}: {issue.message}")
    assert len(cases) > 20
    assert sorted(refused) == []
