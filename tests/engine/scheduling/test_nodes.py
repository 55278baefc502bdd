"""Node filters evaluated per constraint signature: selectors, affinity operators, taints, readiness,
cordons, and kube-scheduler's wording of why nodes were excluded."""

from __future__ import annotations

import numpy as np

from sparkfleet.api.placement import NodeSelectorRequirement, NodeSelectorTerm
from sparkfleet.engine.scheduling import Constraints
from sparkfleet.engine.scheduling.nodes import NodeTable
from sparkfleet.engine.scheduling.resources import ResourceIndex, Resources

from .builders import node, taint, tolerate

NODES = [
    node("a", labels={"zone": "us-east-1a", "gen": "5", "arch": "amd64"}),
    node("b", labels={"zone": "us-east-1b", "gen": "6", "arch": "arm64"}),
    node("c", labels={"zone": "us-east-1c"}, taints=[taint("spark-memory-optimized")]),
    node("d", labels={"zone": "us-east-1a", "gen": "7"}, taints=[taint("soft", effect="PreferNoSchedule")]),
]


def table(nodes: list = NODES) -> NodeTable:  # type: ignore[type-arg]
    return NodeTable(nodes, ResourceIndex(("cpu", "memory", "pods")), {"cpu": 1.0, "memory": 1.0})


def eligible(constraints: Constraints, nodes: list = NODES) -> list[str]:  # type: ignore[type-arg]
    t = table(nodes)
    return [t.names[i] for i in t.static_fit(constraints).eligible.tolist()]


def affinity(*requirements: tuple[str, str, list[str]], field: bool = False) -> Constraints:
    reqs = [NodeSelectorRequirement(key=k, operator=op, values=v) for k, op, v in requirements]
    term = NodeSelectorTerm(matchFields=reqs) if field else NodeSelectorTerm(matchExpressions=reqs)
    return Constraints(None, [], [term])


def test_node_selector_needs_every_label() -> None:
    assert eligible(Constraints({"zone": "us-east-1a", "arch": "amd64"})) == ["a"]


def test_affinity_operators_follow_kubernetes() -> None:
    assert eligible(affinity(("zone", "In", ["us-east-1a", "us-east-1b"]))) == ["a", "b", "d"]
    assert eligible(affinity(("arch", "NotIn", ["arm64"]))) == ["a", "d"]  # a missing label is "not in"
    assert eligible(affinity(("gen", "Exists", []))) == ["a", "b", "d"]
    assert eligible(affinity(("gen", "DoesNotExist", []))) == []  # c is tainted
    assert eligible(affinity(("gen", "Gt", ["5"]))) == ["b", "d"]
    assert eligible(affinity(("gen", "Lt", ["7"]))) == ["a", "b"]
    assert eligible(affinity(("metadata.name", "In", ["b", "d"]), field=True)) == ["b", "d"]


def test_affinity_terms_are_alternatives() -> None:
    terms = [
        NodeSelectorTerm(
            matchExpressions=[NodeSelectorRequirement(key="arch", operator="In", values=["arm64"])]
        ),
        NodeSelectorTerm(matchExpressions=[NodeSelectorRequirement(key="gen", operator="In", values=["7"])]),
    ]
    assert eligible(Constraints(None, [], terms)) == ["b", "d"]


def test_taints_need_a_toleration_but_prefer_no_schedule_does_not() -> None:
    assert eligible(Constraints()) == ["a", "b", "d"]
    assert eligible(Constraints(None, [tolerate("spark-memory-optimized")])) == ["a", "b", "c", "d"]


def test_not_ready_and_cordoned_nodes_are_excluded_with_their_reasons() -> None:
    nodes = [node("ok"), node("down", ready=False), node("cordoned", unschedulable=True)]
    t = table(nodes)
    fit = t.static_fit(Constraints())
    assert [t.names[i] for i in fit.eligible.tolist()] == ["ok"]
    assert fit.excluded == {
        "node(s) were unschedulable": 1,
        "node(s) had untolerated taint {node.kubernetes.io/not-ready: }": 1,
    }
    tolerant = Constraints(None, [tolerate("node.kubernetes.io/unschedulable")])
    assert [t.names[i] for i in t.static_fit(tolerant).eligible.tolist()] == ["cordoned", "ok"]


def test_explain_counts_each_insufficient_resource_and_the_filtered_nodes() -> None:
    t = table(
        [node("small", 2, 4, pods=1), node("big", 8, 4), node("tainted", 64, 256, taints=[taint("gpu")])]
    )
    t.use_one(t.pos["small"], t.index.vector(Resources({"pods": 1})))
    request = t.index.vector(Resources({"cpu": 4000, "memory": 8 * 2**30, "pods": 1}))
    message = t.explain(t.static_fit(Constraints()), request)
    assert message == (
        "0/3 nodes are available: 2 Insufficient memory, 1 Insufficient cpu, 1 Too many pods, "
        "1 node(s) had untolerated taint {gpu: }."
    )


def test_equal_constraints_share_one_cached_mask() -> None:
    t = table()
    first = t.static_fit(Constraints({"zone": "us-east-1a"}))
    assert t.static_fit(Constraints({"zone": "us-east-1a"})) is first
    assert np.array_equal(first.mask, np.array([True, False, False, True]))
