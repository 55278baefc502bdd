"""A board renders to Grafana JSON: rows and panels with unique ids, one target per query, the
Prometheus data source as a variable."""

from __future__ import annotations

import json

from sparkfleet.dashboards.builder import Board, Tile, by, over, panel_queries, q, quantile, render

BOARD = Board(
    uid="t",
    title="T",
    description="d",
    variables=(("queue", "label_values(yunikorn_queue_app, queue)"),),
    rows=(("Row", (Tile("a", (q("up", "x"), q("down"))), Tile("b", (q("x"),), single=True))),),
)


def test_a_board_renders_rows_panels_targets_and_variables() -> None:
    document = json.loads(render(BOARD))
    assert [p["type"] for p in document["panels"]] == ["row", "timeseries", "stat"]
    assert [p["id"] for p in document["panels"]] == [1, 2, 3]
    assert [t["refId"] for t in document["panels"][1]["targets"]] == ["A", "B"]
    assert document["panels"][1]["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert [v["name"] for v in document["templating"]["list"]] == ["datasource", "queue"]
    assert panel_queries(document) == [("a", "up"), ("a", "down"), ("b", "x")]
    assert render(BOARD) == render(BOARD)  # the same every time: committed files compare equal


def test_promql_helpers() -> None:
    assert by("queue", "x") == "sum by (queue) (x)"
    assert over("rate", "m_total", 'a="b"') == 'rate(m_total{a="b"}[$__rate_interval])'
    assert quantile(0.9, "h", "phase") == (
        "histogram_quantile(0.9, sum by (le, phase) (rate(h_bucket[$__rate_interval])))"
    )
