"""`sparkfleet cost`: the tables by queue, application and NodePool over an embedded cluster whose
ledger is known (tests/support/costscenario.py), `--since`, and one-line errors for bad flags."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sparkfleet.cli.cost_verbs import cost_rows
from sparkfleet.cli.main import app
from sparkfleet.clock import VirtualClock
from sparkfleet.engine.cost import CostGrouping
from sparkfleet.home import open_embedded_store
from support.costscenario import APP, NS, ON_DEMAND, QUEUE, SPOT, START, run_scenario

runner = CliRunner()
DRIVER = ON_DEMAND * (1 / 4) * (30 / 60)
EXECUTOR = SPOT * (1 / 2) * (30 / 60)
PLACEHOLDER = SPOT * (1 / 4) * (10 / 60)
IDLE_OD = ON_DEMAND * (3 / 4) * (30 / 60)
IDLE_SPOT = SPOT * ((1 / 4) * (10 / 60) + (1 / 2) * (20 / 60))


def dollars(amount: float) -> str:
    return f"${amount:,.4f}"


def row(output: str, first: str) -> list[str]:
    return next(line.split() for line in output.splitlines() if line.split()[:1] == [first])


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cluster home whose store has been through the cost scenario."""
    home = tmp_path / "home"
    monkeypatch.setenv("SPARKFLEET_HOME", str(home))
    clock = VirtualClock(START)
    store = open_embedded_store(home, clock)
    try:
        run_scenario(store, clock)
    finally:
        store.close()
    return home


def test_by_queue_shows_spot_on_demand_and_placeholder_waste(home: Path) -> None:
    result = runner.invoke(app, ["cost", "-n", NS])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split() == [
        "QUEUE",
        "SPOT",
        "ON-DEMAND",
        "PLACEHOLDER-WASTE",
        "TOTAL",
    ]
    spot = EXECUTOR + PLACEHOLDER
    assert row(result.stdout, QUEUE) == [
        QUEUE,
        dollars(spot),
        dollars(DRIVER),
        dollars(PLACEHOLDER),
        dollars(spot + DRIVER),
    ]
    assert f"Total {dollars(spot + DRIVER)} USD, as of 2026-01-05T09:30:00Z." in result.stdout


def test_by_app_reads_the_applications_annotation(home: Path) -> None:
    result = runner.invoke(app, ["cost", "--by", "app", "-n", NS])
    assert result.exit_code == 0, result.output
    total = DRIVER + EXECUTOR + PLACEHOLDER
    assert row(result.stdout, NS) == [
        NS,
        APP,
        QUEUE,
        dollars(EXECUTOR + PLACEHOLDER),
        dollars(DRIVER),
        dollars(PLACEHOLDER),
        dollars(total),
    ]


def test_by_nodepool_across_namespaces_shows_the_idle_room_as_waste(home: Path) -> None:
    result = runner.invoke(app, ["cost", "-A", "--by", "nodepool"])
    assert result.exit_code == 0, result.output
    assert row(result.stdout, "pool-od") == [
        "pool-od",
        "on-demand",
        dollars(0),
        dollars(DRIVER),
        dollars(0),
        dollars(IDLE_OD),
        dollars(DRIVER + IDLE_OD),
    ]
    spot = EXECUTOR + PLACEHOLDER
    assert row(result.stdout, "pool-spot") == [
        "pool-spot",
        "spot",
        dollars(spot),
        dollars(0),
        dollars(PLACEHOLDER),
        dollars(IDLE_SPOT),
        dollars(spot + IDLE_SPOT),
    ]
    assert f"Total {dollars((ON_DEMAND + SPOT) * 0.5)} USD" in result.stdout, "both nodes for half an hour"


def test_a_namespace_without_cost_says_so(home: Path) -> None:
    result = runner.invoke(app, ["cost", "--by", "app"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("No cost recorded in namespace default")


def test_since_takes_the_part_of_the_figures_after_the_moment(home: Path) -> None:
    clock = VirtualClock(START)
    store = open_embedded_store(home, clock)
    try:
        now = START + timedelta(minutes=30)
        (by_app,), _ = cost_rows(store, CostGrouping.APP, NS, timedelta(minutes=15), now)
        assert by_app.total == pytest.approx((DRIVER + EXECUTOR + PLACEHOLDER) / 2, abs=1e-6)
        by_pool, as_of = cost_rows(store, CostGrouping.NODEPOOL, None, timedelta(minutes=15), now)
        assert as_of == now
        # Within its hour the ledger spreads what accrued evenly: half of the half hour is after the moment.
        assert sum(r.total for r in by_pool) == pytest.approx((ON_DEMAND + SPOT) * 0.5 / 2, abs=1e-6)
    finally:
        store.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--by", "team"], 'error: --by "team": give queue, app or nodepool'),
        (["--since", "3 days"], 'error: --since: invalid duration "3 days"'),
        (["--since", "0s"], 'error: --since "0s": give a positive duration'),
        (
            ["--since", "200h"],
            'error: --since "200h": the cost ledger keeps 168h of history; give at most 168h',
        ),
        (["-n", NS, "-A"], "error: -n and -A: give one namespace (-n NS) or every namespace (-A), not both"),
    ],
)
def test_bad_flags_end_with_one_line_naming_the_flag(home: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["cost", *args])
    assert result.exit_code == 1
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
