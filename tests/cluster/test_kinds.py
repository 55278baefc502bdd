"""The registry of stored kinds and the names they go by."""

from __future__ import annotations

import pytest

from sparkfleet.cluster.errors import UnknownKind
from sparkfleet.cluster.kinds import KINDS, known_kinds, lookup


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Pod", "Pod"),
        ("pods", "Pod"),
        ("po", "Pod"),
        ("POD", "Pod"),
        ("no", "Node"),
        ("ns", "Namespace"),
        ("cm", "ConfigMap"),
        ("svc", "Service"),
        ("ev", "Event"),
        ("pvc", "PersistentVolumeClaim"),
        ("pv", "PersistentVolume"),
        ("priorityclasses", "PriorityClass"),
        ("sparkapp", "SparkApplication"),
        ("SparkApplications", "SparkApplication"),
        ("scheduledsparkapp", "ScheduledSparkApplication"),
        ("nodepool", "NodePool"),
        ("nodeclaim", "NodeClaim"),
        ("ec2nc", "EC2NodeClass"),
        ("ec2nodeclasses", "EC2NodeClass"),
        ("sparkapplications.sparkoperator.k8s.io", "SparkApplication"),
        ("nodepool.karpenter.sh", "NodePool"),
    ],
)
def test_lookup_by_kind_plural_or_short_name_in_any_case(name: str, kind: str) -> None:
    assert lookup(name).kind == kind


def test_group_versions_and_scopes_match_the_upstream_apis() -> None:
    table = {k.kind: (k.api_version, k.namespaced) for k in KINDS}
    assert table["PriorityClass"] == ("scheduling.k8s.io/v1", False)
    assert table["Lease"] == ("coordination.k8s.io/v1", True)
    assert table["SparkApplication"] == ("sparkoperator.k8s.io/v1beta2", True)
    assert table["ScheduledSparkApplication"] == ("sparkoperator.k8s.io/v1beta2", True)
    assert table["NodePool"] == ("karpenter.sh/v1", False)
    assert table["NodeClaim"] == ("karpenter.sh/v1", False)
    assert table["EC2NodeClass"] == ("karpenter.k8s.aws/v1", False)
    assert table["Pod"] == ("v1", True)
    assert table["Node"] == ("v1", False)
    assert table["Namespace"] == ("v1", False)
    assert table["PersistentVolume"] == ("v1", False)
    assert table["PersistentVolumeClaim"] == ("v1", True)


def test_resource_names_are_group_qualified_except_for_the_core_group() -> None:
    assert lookup("Pod").resource == "pods"
    assert lookup("Pod").group == ""
    assert lookup("NodePool").resource == "nodepools.karpenter.sh"
    assert lookup("SparkApplication").group == "sparkoperator.k8s.io"


def test_unknown_kind_is_a_404_that_lists_the_known_kinds() -> None:
    with pytest.raises(UnknownKind) as caught:
        lookup("deployments")
    assert caught.value.code == 404
    assert '"deployments"' in str(caught.value)
    for kind in known_kinds():
        assert kind in str(caught.value)
    assert isinstance(caught.value, LookupError)


def test_every_alias_names_exactly_one_kind() -> None:
    seen: dict[str, str] = {}
    for info in KINDS:
        for alias in (info.kind, info.plural, *info.short_names):
            assert seen.setdefault(alias.lower(), info.kind) == info.kind
