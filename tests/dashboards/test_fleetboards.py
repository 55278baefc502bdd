"""The fleet's boards: the nodes board reads Karpenter's series, the cost board sparkfleet's cost series,
filtered by the boards' own variables."""

from __future__ import annotations

import json

from sparkfleet.dashboards import panel_queries, render
from sparkfleet.dashboards.fleetboards import COST, NODES


def queries(board: object) -> list[str]:
    return [expr for _, expr in panel_queries(json.loads(render(board)))]  # type: ignore[arg-type]


def test_the_nodes_board_reads_karpenters_series_by_nodepool() -> None:
    exprs = queries(NODES)
    assert exprs and all("karpenter_" in e for e in exprs)
    assert any('nodepool=~"$nodepool"' in e for e in exprs)


def test_the_cost_board_reads_the_cost_series_filtered_by_its_queue_variable() -> None:
    exprs = queries(COST)
    assert exprs and all("sparkfleet_" in e and "_cost_dollars" in e for e in exprs)
    assert [name for name, _ in COST.variables] == ["queue"]
    assert any('queue=~"$queue"' in e for e in exprs)
