"""NodePool and NodeClaim (karpenter.sh/v1): defaults as the CRD sets them, every invalid field named."""

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sparkfleet.api.base import FieldIssue, issues_from
from sparkfleet.api.karpenter import (
    Budget,
    ConsolidationPolicy,
    NodeClaim,
    NodeClaimConditionType,
    NodePool,
    RequirementOperator,
    order_by_weight,
    validate_nodeclaim,
    validate_nodepool,
)
from sparkfleet.api.yamlio import dump_yaml, load_one


def pool_doc(**spec: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodePool",
        "metadata": {"name": "spark"},
        "spec": {
            "template": {
                "spec": {
                    "requirements": [
                        {
                            "key": "karpenter.k8s.aws/instance-family",
                            "operator": "In",
                            "values": ["c5d", "r5d"],
                        }
                    ],
                    "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "default"},
                }
            }
        },
    }
    doc["spec"].update(spec)
    return doc


def issues_of(doc: dict[str, Any]) -> list[FieldIssue]:
    """What `apply` would report: field errors first; cross-field rules when the fields are valid."""
    try:
        pool = NodePool.model_validate(doc)
    except ValidationError as exc:
        return issues_from(exc, NodePool)
    return validate_nodepool(pool)


def with_template_spec(**fields: Any) -> dict[str, Any]:
    doc = pool_doc()
    doc["spec"]["template"]["spec"].update(fields)
    return doc


def assert_issue(issues: list[FieldIssue], path: str, fragment: str) -> None:
    assert any(i.path == path and fragment in i.message for i in issues), issues


# --- defaults ------------------------------------------------------------------------------------------


def test_a_minimal_nodepool_gets_the_crd_defaults() -> None:
    pool = NodePool.model_validate(pool_doc())
    assert pool.spec.disruption.consolidationPolicy == ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED
    assert pool.spec.disruption.consolidateAfter == "0s"
    assert pool.spec.disruption.budgets == [Budget(nodes="10%")]
    assert pool.spec.template.spec.expireAfter == "720h"
    assert pool.spec.template.spec.terminationGracePeriod is None
    assert pool.spec.weight is None
    assert pool.effective_weight == 0
    assert pool.spec.limits == {}
    assert validate_nodepool(pool) == []


def test_expire_and_consolidate_after_are_seconds_or_none_for_never() -> None:
    pool = NodePool.model_validate(pool_doc(disruption={"consolidateAfter": "1m"}))
    assert pool.expire_after_seconds() == 720 * 3600
    assert pool.consolidate_after_seconds() == 60
    never = with_template_spec(expireAfter="Never")
    never["spec"]["disruption"] = {"consolidateAfter": "Never"}
    pool = NodePool.model_validate(never)
    assert pool.expire_after_seconds() is None
    assert pool.consolidate_after_seconds() is None


def test_gte_and_lte_and_min_values_are_accepted() -> None:
    doc = with_template_spec(
        requirements=[
            {"key": "karpenter.k8s.aws/instance-cpu", "operator": "Gte", "values": ["4"]},
            {"key": "karpenter.k8s.aws/instance-cpu", "operator": "Lte", "values": ["32"]},
            {
                "key": "karpenter.k8s.aws/instance-family",
                "operator": "In",
                "values": ["c5d", "r5d"],
                "minValues": 2,
            },
            {"key": "karpenter.k8s.aws/instance-local-nvme", "operator": "Exists", "minValues": 3},
        ]
    )
    assert issues_of(doc) == []


def test_budget_allowance_rounds_percentages_up() -> None:
    assert Budget(nodes="10%").allowed(15) == 2
    assert Budget(nodes="0%").allowed(15) == 0
    assert Budget(nodes="5").allowed(2) == 5


def test_pools_are_tried_by_weight_then_by_name_later_in_the_alphabet_first() -> None:
    def pool(name: str, weight: int | None) -> NodePool:
        doc = pool_doc(**({"weight": weight} if weight else {}))
        doc["metadata"]["name"] = name
        return NodePool.model_validate(doc)

    ordered = order_by_weight([pool("a", 50), pool("b", 100), pool("c", None), pool("d", 100)])
    assert [p.name for p in ordered] == ["d", "b", "a", "c"]


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
            "'WhenEmpty' or 'WhenEmptyOrUnderutilized'",
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


# --- NodeClaim -----------------------------------------------------------------------------------------


def claim_doc() -> dict[str, Any]:
    return {
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodeClaim",
        "metadata": {"name": "spark-compute-optimized-x7k2p", "labels": {"karpenter.sh/nodepool": "spark"}},
        "spec": {
            "requirements": [
                {"key": "karpenter.sh/nodepool", "operator": "In", "values": ["spark"]},
                {
                    "key": "node.kubernetes.io/instance-type",
                    "operator": "In",
                    "values": ["c5d.4xlarge", "c5d.9xlarge"],
                },
            ],
            "resources": {"requests": {"cpu": "15", "memory": "28Gi"}},
            "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "spark"},
        },
        "status": {
            "providerID": "aws:///us-west-2a/i-0123456789abcdef0",
            "nodeName": "ip-10-1-2-3.us-west-2.compute.internal",
            "imageID": "ami-0123456789abcdef0",
            "capacity": {"cpu": "16", "memory": "32Gi", "ephemeral-storage": "400G"},
            "allocatable": {"cpu": "15890m", "memory": "29Gi"},
            "conditions": [
                {"type": "Launched", "status": "True", "lastTransitionTime": "2025-01-01T00:00:00Z"},
                {"type": "Registered", "status": "True"},
                {"type": "Initialized", "status": "False", "reason": "NotReady"},
            ],
        },
    }


def test_a_nodeclaim_carries_its_requests_and_observed_node() -> None:
    claim = NodeClaim.model_validate(claim_doc())
    assert claim.spec.resources.requests == {"cpu": "15", "memory": "28Gi"}
    assert claim.spec.expireAfter == "720h"
    assert claim.status is not None and claim.status.nodeName == "ip-10-1-2-3.us-west-2.compute.internal"
    assert claim.is_true(NodeClaimConditionType.LAUNCHED)
    assert claim.is_true("Registered")
    assert not claim.is_true(NodeClaimConditionType.INITIALIZED)
    assert claim.condition(NodeClaimConditionType.DRIFTED) is None


def test_a_nodeclaim_may_name_its_nodepool_in_requirements() -> None:
    assert validate_nodeclaim(NodeClaim.model_validate(claim_doc())) == []


def test_nodeclaim_requirements_are_checked_too() -> None:
    doc = claim_doc()
    doc["spec"]["requirements"][1]["operator"] = "Gt"
    issues = validate_nodeclaim(NodeClaim.model_validate(doc))
    assert issues == [
        FieldIssue("spec.requirements[1].values", 'operator "Gt" needs exactly one integer value')
    ]


def test_nodeclaim_condition_types_are_karpenters() -> None:
    assert {str(c) for c in NodeClaimConditionType} >= {
        "Launched",
        "Registered",
        "Initialized",
        "Ready",
        "Consolidatable",
        "Drifted",
        "Drained",
        "Disrupted",
    }


def test_nodeclaim_status_is_optional_and_conditions_absent_mean_false() -> None:
    doc = claim_doc()
    del doc["status"]
    claim = NodeClaim.model_validate(doc)
    assert not claim.is_true(NodeClaimConditionType.READY)


# --- round trip ----------------------------------------------------------------------------------------

_label_values = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
_keys = st.sampled_from(
    [
        "karpenter.k8s.aws/instance-family",
        "karpenter.k8s.aws/instance-cpu",
        "karpenter.sh/capacity-type",
        "topology.kubernetes.io/zone",
        "kubernetes.io/arch",
        "example.com/team",
    ]
)
_durations = st.lists(st.tuples(st.integers(0, 5000), st.sampled_from("hms")), min_size=1, max_size=3).map(
    lambda parts: "".join(f"{n}{unit}" for n, unit in parts)
)


@st.composite
def requirements(draw: st.DrawFn) -> dict[str, Any]:
    operator = draw(st.sampled_from(list(RequirementOperator)))
    req: dict[str, Any] = {"key": draw(_keys), "operator": operator.value}
    if operator in (RequirementOperator.IN, RequirementOperator.NOT_IN):
        req["values"] = draw(st.lists(_label_values, min_size=1, max_size=4, unique=True))
        if operator == RequirementOperator.IN and draw(st.booleans()):
            req["minValues"] = draw(st.integers(1, len(req["values"])))
    elif operator not in (RequirementOperator.EXISTS, RequirementOperator.DOES_NOT_EXIST):
        req["values"] = [str(draw(st.integers(0, 10**6)))]
    return req


@st.composite
def budgets(draw: st.DrawFn) -> dict[str, Any]:
    budget: dict[str, Any] = {
        "nodes": draw(st.one_of(st.integers(0, 100).map(lambda n: f"{n}%"), st.integers(0, 500).map(str)))
    }
    if draw(st.booleans()):
        budget["schedule"] = draw(st.sampled_from(["0 9 * * 1-5", "@daily", "*/15 * * * *", "0 0 1 * *"]))
        budget["duration"] = draw(st.sampled_from(["8h", "30m", "1h30m", "24h"]))
    if draw(st.booleans()):
        budget["reasons"] = draw(
            st.lists(st.sampled_from(["Underutilized", "Empty", "Drifted"]), unique=True)
        )
    return budget


@st.composite
def nodepools(draw: st.DrawFn) -> dict[str, Any]:
    taints = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "key": st.sampled_from(["spark", "example.com/dedicated", "gpu"]),
                    "effect": st.sampled_from(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
                },
                optional={"value": _label_values},
            ),
            max_size=3,
            unique_by=lambda t: (t["key"], t["effect"]),
        )
    )
    template_spec: dict[str, Any] = {
        "requirements": draw(st.lists(requirements(), max_size=6)),
        "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": draw(_label_values)},
        "taints": taints,
        "expireAfter": draw(st.one_of(_durations, st.just("Never"))),
    }
    if draw(st.booleans()):
        template_spec["terminationGracePeriod"] = draw(_durations)
    doc = pool_doc(
        disruption={
            "consolidationPolicy": draw(st.sampled_from(["WhenEmpty", "WhenEmptyOrUnderutilized"])),
            "consolidateAfter": draw(st.one_of(_durations, st.just("Never"))),
            "budgets": draw(st.lists(budgets(), max_size=3)),
        },
        limits=draw(
            st.dictionaries(
                st.sampled_from(["cpu", "memory", "nvidia.com/gpu"]),
                st.sampled_from(["1000", "1000Gi", "1.5", "250m", "64"]),
            )
        ),
    )
    if draw(st.booleans()):
        doc["spec"]["weight"] = draw(st.integers(1, 100))
    doc["metadata"]["name"] = draw(_label_values)
    doc["spec"]["template"] = {
        "metadata": {
            "labels": draw(
                st.dictionaries(st.sampled_from(["team", "NodeGroupType", "example.com/x"]), _label_values)
            )
        },
        "spec": template_spec,
    }
    return doc


@settings(max_examples=60, deadline=None)
@given(nodepools())
def test_valid_nodepools_survive_a_yaml_round_trip(doc: dict[str, Any]) -> None:
    pool = NodePool.model_validate(copy.deepcopy(doc))
    assert validate_nodepool(pool) == []
    again = NodePool.model_validate(load_one(dump_yaml(pool.to_dict())))
    assert again == pool
