"""The cost view: totals by queue and NodePool, and the accrued-spend curve drawn as inline SVG."""

from __future__ import annotations

from datetime import UTC, datetime

from sparkfleet.api.appinsight import AppCost, Phase
from sparkfleet.server.console.costview import cost_series, cost_summary, plot_svg
from sparkfleet.server.console.views import AppRow, NodeRow

T0 = datetime(2026, 1, 2, 3, 0, 0, tzinfo=UTC)


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(T0.timestamp() + seconds, UTC)


def app(name: str, queue: str, cost: AppCost | None, start: int = 0) -> AppRow:
    timeline = (Phase("Submitted", at(start), None, "", ""),)
    return AppRow(
        "ns",
        name,
        "RUNNING",
        name,
        queue,
        "Running",
        at(start),
        "",
        "",
        (),
        (),
        cost,
        timeline,
        None,
        None,
        None,
        "",
    )


def node(pool: str, capacity: str, price: float | None) -> NodeRow:
    return NodeRow("n", pool, "m5.large", capacity, "us-west-2a", price, True, "-", ())


A = AppCost("USD", 1.0, 0.25, 0.75, 0.1, at(100))
B = AppCost("USD", 2.0, 2.0, 0.0, 0.0, at(200))


def test_each_application_is_spread_over_its_run_and_the_curve_ends_at_the_sum() -> None:
    series = cost_series(
        [app("a", "root.a", A, start=0), app("b", "root.b", B, start=100), app("c", "root.c", None)]
    )
    assert series.times == (T0.timestamp(), at(100).timestamp(), at(200).timestamp())
    assert series.total == (0.0, 1.0, 3.0)
    assert series.spot == (0.0, 0.25, 2.25)
    assert series.on_demand == (0.0, 0.75, 0.75)


def test_the_summary_adds_up_by_queue_and_prices_the_fleet_by_pool() -> None:
    summary = cost_summary(
        [app("a", "root.a", A), app("b", "root.a", B), app("c", "root.c", None)],
        [
            node("default", "spot", 0.05),
            node("default", "spot", 0.05),
            node("ondemand", "on-demand", 0.1),
            node("x", "-", None),
        ],
    )
    assert (summary.total, summary.spot, summary.on_demand, summary.waste) == (3.0, 2.25, 0.75, 0.1)
    assert (summary.known, summary.unknown) == (2, 1)
    assert summary.by_queue == (("root.a", 3.0),)
    assert summary.by_pool == (("default", "spot", 0.1), ("ondemand", "on-demand", 0.1))
    assert abs(summary.fleet_per_hour - 0.2) < 1e-12


def test_the_plot_is_inline_svg_with_three_lines() -> None:
    svg = str(plot_svg(cost_series([app("a", "q", A), app("b", "q", B, start=100)]), "USD"))
    assert svg.startswith("<svg") and svg.count("<polyline") == 3
    assert "03:00:00 UTC" in svg and "03:03:20 UTC" in svg


def test_nothing_to_plot_says_so() -> None:
    assert "not yet known" in str(plot_svg(cost_series([app("c", "q", None)]), "USD"))
