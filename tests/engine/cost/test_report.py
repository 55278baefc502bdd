"""The cost tables: by application from the annotations, by queue and NodePool from the fleet ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sparkfleet.api.appinsight import AppCost
from sparkfleet.engine.cost import (
    AppCostView,
    CostKind,
    CostRow,
    FleetKey,
    Ledger,
    app_rows,
    fleet_lines,
    nodepool_rows,
    queue_rows,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
LINES = {
    FleetKey(CostKind.POD, "team-a", "root.prod", "pool-od", "on-demand"): 3.0,
    FleetKey(CostKind.POD, "team-a", "root.prod", "pool-spot", "spot"): 1.0,
    FleetKey(CostKind.PLACEHOLDER, "team-a", "root.prod", "pool-spot", "spot"): 0.5,
    FleetKey(CostKind.POD, "team-b", "root.dev", "pool-spot", "spot"): 2.0,
    FleetKey(CostKind.IDLE, "", "", "pool-od", "on-demand"): 4.0,
}


def view(name: str, total: float, started: datetime | None, as_of: datetime | None) -> AppCostView:
    return AppCostView("ns", name, "root.q", AppCost("USD", total, total, 0.0, 0.0, as_of), started)


def test_by_queue_placeholders_count_and_idle_room_belongs_to_no_queue() -> None:
    assert queue_rows(LINES) == [
        CostRow(("root.prod",), spot=1.5, on_demand=3.0, placeholder_waste=0.5),
        CostRow(("root.dev",), spot=2.0),
    ]
    assert queue_rows(LINES, "team-b") == [CostRow(("root.dev",), spot=2.0)]


def test_by_nodepool_idle_room_is_waste_of_its_pool_and_a_namespace_leaves_it_out() -> None:
    assert nodepool_rows(LINES) == [
        CostRow(("pool-od", "on-demand"), on_demand=3.0, idle_waste=4.0),
        CostRow(("pool-spot", "spot"), spot=3.5, placeholder_waste=0.5),
    ]
    assert nodepool_rows(LINES)[0].total == 7.0
    assert nodepool_rows(LINES, "team-a") == [
        CostRow(("pool-od", "on-demand"), on_demand=3.0),
        CostRow(("pool-spot", "spot"), spot=1.5, placeholder_waste=0.5),
    ]


def test_since_a_moment_the_hourly_lines_count_whole_hours_after_it_and_part_of_the_first() -> None:
    line = FleetKey(CostKind.POD, "ns", "root.q", "p", "spot")
    end = T0 + 2 * HOUR + timedelta(minutes=30)
    ledger = Ledger(
        as_of=end,
        fleet={line: 99.0},
        hourly={(T0, line): 1.0, (T0 + HOUR, line): 2.0, (T0 + 2 * HOUR, line): 0.5},
    )
    assert fleet_lines(ledger) == {line: 99.0}
    assert fleet_lines(ledger, T0 + HOUR + timedelta(minutes=15)) == {line: pytest.approx(2.0 * 0.75 + 0.5)}
    # The last hour has accrued only until as_of: 10 of its 30 minutes are after the moment.
    assert fleet_lines(ledger, T0 + 2 * HOUR + timedelta(minutes=20)) == {line: pytest.approx(0.5 / 3)}
    assert fleet_lines(ledger, end) == {}


def test_by_application_since_a_moment_takes_the_part_of_its_run_after_it() -> None:
    apps = [
        view("whole", 1.0, T0, T0 + HOUR),
        view("half", 2.0, T0 - HOUR, T0 + HOUR),
        view("before", 5.0, T0 - 2 * HOUR, T0 - HOUR),
        view("unstamped", 0.5, None, None),
    ]
    assert [(r.group[1], r.total) for r in app_rows(apps)] == [
        ("before", 5.0),
        ("half", 2.0),
        ("whole", 1.0),
        ("unstamped", 0.5),
    ]
    assert [(r.group[1], r.total) for r in app_rows(apps, T0)] == [
        ("half", 1.0),
        ("whole", 1.0),
        ("unstamped", 0.5),
    ]
