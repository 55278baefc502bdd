"""NodePool and NodeClaim cross-field rules: every invalid field named."""

from typing import Any

import pytest

from sparkfleet.api.base import FieldIssue
from sparkfleet.api.karpenter import NodeClaim, validate_nodeclaim

from .builders import assert_issue, claim_doc, issues_of, pool_doc, with_template_spec

# --- invalid NodePools: each names its field -----------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "path", "fragment"),
    [
        (pool_doc(weight=0), "spec.weight", "out of range: use 1 to 100"),
        (pool_doc(weight=101), "spec.weight", "out of range"),
        (
            pool_doc(disruption={"consolidateAfter": "1d"}),
            "spec.disruption.consolidateAfter",
            'invalid duration "1d"',
        ),
        (
            pool_doc(disruption={"consolidationPolicy": "WhenUnderutilized"}),
            "spec.disruption.consolidationPolicy",
            "'WhenEmpty', 'WhenEmptyOrUnderutilized' or 'Balanced'",
        ),
        (
            pool_doc(disruption={"budgets": [{"nodes": "150%"}]}),
            "spec.disruption.budgets[0].nodes",
            "invalid nodes",
        ),
        (
            pool_doc(disruption={"budgets": [{"nodes": 10}]}),
            "spec.disruption.budgets[0].nodes",
            "must be a string",
        ),
        (
            pool_doc(
                disruption={"budgets": [{"nodes": "0", "schedule": "0 9 * * 1-5", "duration": "8h30s"}]}
            ),
            "spec.disruption.budgets[0].duration",
            "hours and minutes only",
        ),
        (
            pool_doc(disruption={"budgets": [{"reasons": ["Expired"]}]}),
            "spec.disruption.budgets[0].reasons[0]",
            "'Underutilized', 'Empty' or 'Drifted'",
        ),
        (with_template_spec(expireAfter="1.5h"), "spec.template.spec.expireAfter", 'invalid duration "1.5h"'),
        (
            with_template_spec(terminationGracePeriod="Never"),
            "spec.template.spec.terminationGracePeriod",
            "invalid duration",
        ),
        (
            with_template_spec(taints=[{"key": "spark", "effect": "NoRun"}]),
            "spec.template.spec.taints[0].effect",
            "'NoSchedule', 'PreferNoSchedule' or 'NoExecute'",
        ),
        (
            with_template_spec(
                requirements=[{"key": "kubernetes.io/arch", "operator": "Between", "values": ["a"]}]
            ),
            "spec.template.spec.requirements[0].operator",
            "'In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt', 'Gte' or 'Lte'",
        ),
        (
            with_template_spec(
                requirements=[
                    {"key": "kubernetes.io/arch", "operator": "In", "values": ["a"], "minValues": 51}
                ]
            ),
            "spec.template.spec.requirements[0].minValues",
            "less than or equal to 50",
        ),
        (
            pool_doc(disruption={"consolidationpolicy": "WhenEmpty"}),
            "spec.disruption.consolidationpolicy",
            'did you mean "consolidationPolicy"',
        ),
        (pool_doc(limits={"cpu": "lots"}), "spec.limits.cpu", "invalid quantity"),
    ],
)
def test_invalid_fields_are_reported_where_they_are(doc: dict[str, Any], path: str, fragment: str) -> None:
    assert_issue(issues_of(doc), path, fragment)


def test_a_nodepool_without_a_node_class_is_refused() -> None:
    doc = pool_doc()
    del doc["spec"]["template"]["spec"]["nodeClassRef"]
    assert_issue(issues_of(doc), "spec.template.spec.nodeClassRef", "required field is missing")


def test_a_nodeclass_ref_needs_a_group_without_a_version() -> None:
    doc = with_template_spec(
        nodeClassRef={"group": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass", "name": "x"}
    )
    assert_issue(issues_of(doc), "spec.template.spec.nodeClassRef.group", "without a version")
    doc = with_template_spec(nodeClassRef={"group": "karpenter.k8s.aws", "kind": "", "name": "x"})
    assert_issue(issues_of(doc), "spec.template.spec.nodeClassRef.kind", "must not be empty")


@pytest.mark.parametrize(
    ("requirement", "fragment"),
    [
        ({"key": "karpenter.k8s.aws/instance-cpu", "operator": "Gte", "values": ["four"]}, "integer value"),
        (
            {"key": "karpenter.k8s.aws/instance-cpu", "operator": "Lte", "values": ["4", "8"]},
            "exactly one integer",
        ),
        (
            {"key": "karpenter.k8s.aws/instance-cpu", "operator": "Gt", "values": ["-1"]},
            "non-negative integer",
        ),
        ({"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": []}, "at least one value"),
        (
            {"key": "karpenter.k8s.aws/instance-local-nvme", "operator": "Exists", "values": ["1"]},
            "takes no values",
        ),
    ],
)
def test_requirement_values_must_fit_the_operator(requirement: dict[str, Any], fragment: str) -> None:
    issues = issues_of(with_template_spec(requirements=[requirement]))
    assert_issue(issues, "spec.template.spec.requirements[0].values", fragment)


def test_min_values_needs_that_many_distinct_in_values() -> None:
    requirement = {
        "key": "karpenter.k8s.aws/instance-family",
        "operator": "In",
        "values": ["c5d", "c5d"],
        "minValues": 2,
    }
    issues = issues_of(with_template_spec(requirements=[requirement]))
    assert_issue(issues, "spec.template.spec.requirements[0].minValues", "at least 2 distinct values")


def test_the_same_taint_twice_across_taints_and_startup_taints_is_refused() -> None:
    taint = {"key": "spark", "effect": "NoSchedule"}
    issues = issues_of(with_template_spec(taints=[taint], startupTaints=[dict(taint, value="x")]))
    assert_issue(issues, "spec.template.spec.startupTaints[0]", 'duplicate taint "spark"')


def test_a_budget_schedule_needs_a_duration_and_valid_cron() -> None:
    issues = issues_of(pool_doc(disruption={"budgets": [{"nodes": "0", "schedule": "0 9 * * 1-5"}]}))
    assert_issue(issues, "spec.disruption.budgets[0].duration", "'schedule' must be set with 'duration'")
    issues = issues_of(
        pool_doc(disruption={"budgets": [{"nodes": "0", "schedule": "at nine", "duration": "8h"}]})
    )
    assert_issue(issues, "spec.disruption.budgets[0].schedule", "five cron fields")
    issues = issues_of(
        pool_doc(disruption={"budgets": [{"nodes": "0", "schedule": "0 0 9 * * 1", "duration": "8h"}]})
    )
    assert_issue(issues, "spec.disruption.budgets[0].schedule", "five cron fields")
    ok = pool_doc(
        disruption={
            "budgets": [{"nodes": "0", "schedule": "@daily", "duration": "1h30m", "reasons": ["Drifted"]}]
        }
    )
    assert issues_of(ok) == []


def test_negative_limits_are_refused() -> None:
    assert_issue(issues_of(pool_doc(limits={"cpu": -1})), "spec.limits.cpu", "must not be negative")


def test_a_nodeclaim_may_name_its_nodepool_in_requirements() -> None:
    assert validate_nodeclaim(NodeClaim.model_validate(claim_doc())) == []


def test_nodeclaim_requirements_are_checked_too() -> None:
    doc = claim_doc()
    doc["spec"]["requirements"][1]["operator"] = "Gt"
    issues = validate_nodeclaim(NodeClaim.model_validate(doc))
    assert issues == [
        FieldIssue("spec.requirements[1].values", 'operator "Gt" needs exactly one integer value')
    ]
