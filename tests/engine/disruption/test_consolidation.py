"""Consolidation choices: candidate order, delete versus replace, the spot-to-spot guard."""

from __future__ import annotations

from sparkfleet.api.wire import CapacityType
from sparkfleet.engine.disruption.consolidation import evaluate, order_candidates
from sparkfleet.engine.disruption.model import Method

from .builders import MEMORY, VERTICAL, node, pod, pools, snapshot

MEMORY_SELECTOR = {"NodeGroupType": "SparkMemoryOptimized"}


def test_candidates_with_fewer_pods_and_higher_prices_come_first() -> None:
    busy = node("busy", pods=[pod("a"), pod("b")])
    cheap = node("cheap", "spark-compute-optimized", "c5d.4xlarge", pods=[pod("c")])
    dear = node("dear", "spark-compute-optimized", "c5d.12xlarge", pods=[pod("d")])
    assert [n.name for n in order_candidates([busy, cheap, dear])] == ["dear", "cheap", "busy"]


def test_a_spot_node_is_not_replaced_by_spot_with_fewer_than_15_cheaper_types() -> None:
    # the memory pool has only four r5d sizes: too few cheaper spot types to trade for
    spot = node("spot", MEMORY, "r5d.8xlarge", pods=[pod("web", 1, "2Gi", selector=MEMORY_SELECTOR)])
    assert evaluate(snapshot(spot), [spot], Method.SINGLE_NODE_CONSOLIDATION) is None


def test_a_spot_node_is_replaced_by_spot_when_many_cheaper_types_exist() -> None:
    unlimited = pools()
    for p in unlimited:
        p.spec.limits = {}
    spot = node("spot", VERTICAL, "r5.8xlarge", pods=[pod("web", 1, "2Gi")], nodepools=unlimited)
    action = evaluate(snapshot(spot, nodepools=unlimited), [spot], Method.SINGLE_NODE_CONSOLIDATION)
    assert action is not None
    (replacement,) = action.replacements
    assert replacement.capacity_type is CapacityType.SPOT
    assert replacement.price < spot.price


def test_pods_that_fit_nowhere_else_keep_their_node() -> None:
    full = node("full", MEMORY, "r5d.xlarge", pods=[pod("web", 3, "24Gi", selector={"team": "x"})])
    assert evaluate(snapshot(full), [full], Method.SINGLE_NODE_CONSOLIDATION) is None
