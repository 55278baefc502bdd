"""Label keys on NodePools: restricted domains refused, well-known and custom ones allowed."""

import pytest

from .builders import assert_issue, issues_of, pool_doc, with_template_spec


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("karpenter.sh/nodepool", 'label "karpenter.sh/nodepool" is restricted'),
        ("kubernetes.io/hostname", 'label "kubernetes.io/hostname" is restricted'),
        ("kubernetes.io/team", 'label domain "kubernetes.io" is restricted'),
        ("karpenter.k8s.aws/instance-colour", 'label domain "karpenter.k8s.aws" is restricted'),
        ("bad key!", "not a valid label key"),
    ],
)
def test_restricted_and_malformed_requirement_keys_are_refused(key: str, fragment: str) -> None:
    issues = issues_of(with_template_spec(requirements=[{"key": key, "operator": "Exists"}]))
    assert_issue(issues, "spec.template.spec.requirements[0].key", fragment)


def test_well_known_and_custom_domains_are_allowed_as_requirement_keys() -> None:
    keys = [
        "node.kubernetes.io/instance-type",
        "topology.kubernetes.io/zone",
        "example.com/team",
        "NodeGroupType",
    ]
    doc = with_template_spec(requirements=[{"key": k, "operator": "Exists"} for k in keys])
    assert issues_of(doc) == []


def test_template_labels_follow_the_same_restrictions_and_value_syntax() -> None:
    doc = pool_doc()
    doc["spec"]["template"]["metadata"] = {"labels": {"karpenter.sh/nodepool": "x", "team": "a b"}}
    issues = issues_of(doc)
    assert_issue(issues, "spec.template.metadata.labels.karpenter.sh/nodepool", "is restricted")
    assert_issue(issues, "spec.template.metadata.labels.team", "not a valid label value")
