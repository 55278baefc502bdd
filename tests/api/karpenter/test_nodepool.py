"""NodePool (karpenter.sh/v1): defaults as the CRD sets them, budgets, weights, a YAML round trip."""

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sparkfleet.api.karpenter import (
    Budget,
    ConsolidationPolicy,
    NodePool,
    RequirementOperator,
    order_by_weight,
    validate_nodepool,
)
from sparkfleet.api.yamlio import dump_yaml, load_one

from .builders import issues_of, pool_doc, with_template_spec

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
