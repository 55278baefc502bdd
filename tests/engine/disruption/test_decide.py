"""A disruption pass end to end: emptiness, consolidation, protections, budgets, expiration, interruption."""

from __future__ import annotations

from datetime import timedelta

from sparkfleet.api.karpenter import Budget
from sparkfleet.api.wire import CapacityType
from sparkfleet.engine.disruption.decide import disrupt
from sparkfleet.engine.disruption.model import Method

from .builders import COMPUTE, MEMORY, NOW, budgets, node, pod, pools, snapshot

BIG_ROOM = "c5d.24xlarge"
COMPUTE_SELECTOR = {"NodeGroupType": "SparkComputeOptimized"}


def test_an_empty_node_is_removed_once_consolidate_after_has_passed() -> None:
    decision = disrupt(snapshot(node("idle", last_pod_event=NOW - timedelta(minutes=2))))
    (action,) = decision.actions
    assert action.method is Method.EMPTINESS
    assert action.nodes == ("idle",)
    assert action.savings_per_hour > 0
    assert any(e.reason == "DisruptionEmptiness" and e.name == "idle" for e in decision.events)


def test_a_node_that_just_lost_its_pods_waits_for_consolidate_after() -> None:
    decision = disrupt(snapshot(node("idle", last_pod_event=NOW - timedelta(seconds=30))))
    assert not decision.actions
    (blocked,) = decision.blocked
    assert "consolidateAfter 1m has not passed" in blocked.reason


def test_consolidation_never_evicts_running_spark_pods() -> None:
    lonely_executor = node("spark", pods=[pod("exec-1", 1, "2Gi", spark="executor")])
    lonely_driver = node("driver", pods=[pod("driver-1", 1, "2Gi", spark="driver")])
    room = node("room", instance_type=BIG_ROOM, pods=[pod("web", 1, "1Gi")])
    decision = disrupt(snapshot(lonely_executor, lonely_driver, room))
    disrupted = set(decision.nodes)
    assert "spark" not in disrupted and "driver" not in disrupted
    reasons = {b.node: b.reason for b in decision.blocked}
    assert "Spark executor spark/exec-1 is running" in reasons["spark"]
    assert "never evicted by consolidation" in reasons["driver"]


def test_a_node_with_ordinary_pods_is_consolidated_onto_room_elsewhere() -> None:
    small = node("small", pods=[pod("web", 1, "2Gi")])
    room = node("room", instance_type=BIG_ROOM, pods=[pod("api", 1, "1Gi")])
    (action,) = disrupt(snapshot(small, room)).actions
    assert action.method in (Method.SINGLE_NODE_CONSOLIDATION, Method.MULTI_NODE_CONSOLIDATION)
    assert "small" in action.nodes
    assert "spark/web" in action.evict
    assert not action.replacements


def test_do_not_disrupt_on_the_node_or_a_pod_protects_it() -> None:
    pinned = node("pinned", annotations={"karpenter.sh/do-not-disrupt": "true"})
    guarded = node("guarded", pods=[pod("web", 1, "1Gi", do_not_disrupt=True)])
    room = node("room", instance_type=BIG_ROOM, pods=[pod("api", 1, "1Gi")])
    decision = disrupt(snapshot(pinned, guarded, room))
    assert not {"pinned", "guarded"} & set(decision.nodes)
    reasons = {b.node: b.reason for b in decision.blocked}
    assert reasons["pinned"] == 'the node is annotated karpenter.sh/do-not-disrupt: "true"'
    assert "pod spark/web is annotated" in reasons["guarded"]


def test_budgets_limit_how_many_empty_nodes_go_at_once() -> None:
    limited = pools(budgets=budgets(Budget(nodes="2")))
    empties = [node(f"idle-{i}", nodepools=limited) for i in range(5)]
    decision = disrupt(snapshot(*empties, nodepools=limited))
    (action,) = decision.actions
    assert len(action.nodes) == 2
    assert sum("budget" in b.reason for b in decision.blocked) == 3


def test_ten_percent_of_ten_nodes_is_one_and_disrupting_nodes_use_it_up() -> None:
    empties = [node(f"idle-{i}") for i in range(10)]
    (action,) = disrupt(snapshot(*empties)).actions
    assert len(action.nodes) == 1
    busy = [node("going", deleting=True), *empties[1:]]
    assert not disrupt(snapshot(*busy)).actions


def test_a_budget_window_freezes_disruption_while_open() -> None:
    frozen = pools(budgets=budgets(Budget(nodes="0", schedule="0 9 * * 1-5", duration="8h")))
    idle = node("idle", nodepools=frozen)
    assert not disrupt(snapshot(idle, nodepools=frozen)).actions
    assert disrupt(snapshot(idle, nodepools=frozen, now=NOW + timedelta(hours=6))).actions


def test_when_empty_pools_only_remove_empty_nodes() -> None:
    when_empty = pools(consolidationPolicy="WhenEmpty")
    small = node("small", pods=[pod("web", 1, "2Gi")], nodepools=when_empty)
    room = node("room", instance_type=BIG_ROOM, pods=[pod("api", 1, "1Gi")], nodepools=when_empty)
    assert not disrupt(snapshot(small, room, nodepools=when_empty)).actions


def test_balanced_pools_consolidate_underutilized_nodes_too() -> None:
    balanced = pools(consolidationPolicy="Balanced")
    small = node("small", pods=[pod("web", 1, "2Gi")], nodepools=balanced)
    room = node("room", instance_type=BIG_ROOM, pods=[pod("api", 1, "1Gi")], nodepools=balanced)
    (action,) = disrupt(snapshot(small, room, nodepools=balanced)).actions
    assert "small" in action.nodes and "spark/web" in action.evict


def test_consolidate_after_never_keeps_nodes() -> None:
    never = pools(consolidateAfter="Never")
    decision = disrupt(snapshot(node("idle", nodepools=never), nodepools=never))
    assert not decision.actions
    assert "consolidateAfter is Never" in decision.blocked[0].reason


def test_an_expensive_node_is_replaced_by_a_cheaper_one() -> None:
    costly = node(
        "costly",
        MEMORY,
        "r5d.8xlarge",
        capacity_type=CapacityType.ON_DEMAND,
        pods=[pod("web", 2, "8Gi", selector={"NodeGroupType": "SparkMemoryOptimized"})],
    )
    (action,) = disrupt(snapshot(costly)).actions
    assert action.method is Method.SINGLE_NODE_CONSOLIDATION
    (replacement,) = action.replacements
    assert replacement.node_pool == MEMORY
    assert replacement.price < costly.price
    assert action.savings_per_hour == costly.price - replacement.price


def test_several_underutilized_nodes_are_merged() -> None:
    open_budget = pools(budgets=budgets(Budget(nodes="100%")))
    nodes = [
        node(f"n{i}", instance_type="c5d.9xlarge", pods=[pod(f"web-{i}", 2, "4Gi")], nodepools=open_budget)
        for i in range(4)
    ]
    (action,) = disrupt(snapshot(*nodes, nodepools=open_budget)).actions
    assert action.method is Method.MULTI_NODE_CONSOLIDATION
    assert len(action.nodes) >= 2
    assert len(action.replacements) <= 1


def test_expiration_evicts_ordinary_pods_and_lets_spark_pods_finish() -> None:
    old = node(
        "old",
        created=NOW - timedelta(hours=721),
        pods=[pod("web", 1, "1Gi"), pod("exec-1", 2, "4Gi", spark="executor")],
    )
    decision = disrupt(snapshot(old))
    (action,) = decision.actions
    assert action.method is Method.EXPIRATION
    assert action.nodes == ("old",)
    assert action.evict == ("spark/web",)
    assert action.wait_for == ("spark/exec-1",)
    assert [len(c.pods) for c in action.replacements] == [1]


def test_expiration_forces_protected_pods_out_after_the_termination_grace_period() -> None:
    grace = pools()
    for p in grace:
        p.spec.template.spec.terminationGracePeriod = "1h"
    old = node(
        "old",
        created=NOW - timedelta(hours=722),
        nodepools=grace,
        pods=[pod("exec-1", 2, "4Gi", spark="executor")],
    )
    (action,) = disrupt(snapshot(old, nodepools=grace)).actions
    assert action.evict == ("spark/exec-1",)
    assert not action.wait_for


def test_spot_interruption_drains_replaces_and_marks_the_offering() -> None:
    doomed = node(
        "doomed",
        COMPUTE,
        "c5d.9xlarge",
        interrupted=NOW - timedelta(seconds=5),
        pods=[pod(f"exec-{i}", 4, "8Gi", spark="executor", selector=COMPUTE_SELECTOR) for i in range(6)],
    )
    decision = disrupt(snapshot(doomed))
    (action,) = decision.actions
    assert action.method is Method.INTERRUPTION
    assert set(action.evict) == {f"spark/exec-{i}" for i in range(6)}
    assert sum(len(c.pods) for c in action.replacements) == 6
    assert not decision.unavailable.is_available(doomed.offering, NOW)
    for claim in action.replacements:
        assert (claim.instance_type, claim.zone, claim.capacity_type) != (
            doomed.instance_type,
            doomed.zone,
            doomed.capacity_type,
        )


def test_a_scheduled_change_drains_and_replaces_the_node_but_leaves_its_offering_available() -> None:
    due = node(
        "due",
        COMPUTE,
        "c5d.9xlarge",
        capacity_type=CapacityType.ON_DEMAND,
        scheduled_change=NOW - timedelta(seconds=5),
        pods=[pod(f"exec-{i}", 4, "8Gi", spark="executor", selector=COMPUTE_SELECTOR) for i in range(2)],
    )
    decision = disrupt(snapshot(due))
    (action,) = decision.actions
    assert action.method is Method.INTERRUPTION
    assert set(action.evict) == {"spark/exec-0", "spark/exec-1"}
    assert sum(len(c.pods) for c in action.replacements) == 2
    assert action.message.startswith("scheduled change of due: 2 pods evicted, 1 replacement claims")
    assert decision.unavailable.is_available(due.offering, NOW)


def test_interruption_and_expiration_ignore_budgets() -> None:
    frozen = pools(budgets=budgets(Budget(nodes="0")))
    doomed = node("doomed", interrupted=NOW, pods=[pod("web", 1, "1Gi")], nodepools=frozen)
    old = node("old", created=NOW - timedelta(hours=800), nodepools=frozen)
    methods = {a.method for a in disrupt(snapshot(doomed, old, nodepools=frozen)).actions}
    assert methods == {Method.INTERRUPTION, Method.EXPIRATION}
