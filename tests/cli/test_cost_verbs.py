"""`sparkfleet cost`: the tables by queue, application and NodePool over an embedded cluster whose
ledger is known (tests/support/costscenario.py), `--since`, and one-line errors for bad flags; then the
four waiting scenarios (support.fleetscenarios) on every controller, the cost controller included, with
the dollars worked out here from the catalog's prices, each pod's share of its node and the seconds it
held it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from controllers.karpenter_builders import NAMESPACE, Platforms
from sparkfleet.api.blueprint import SPARK_COMPUTE_OPTIMIZED, SPARK_MEMORY_OPTIMIZED
from sparkfleet.api.wire import (
    ANNOTATION_PRICE_PER_HOUR,
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_TYPE,
    LABEL_ZONE,
)
from sparkfleet.cli.cost_verbs import cost_rows, render_cost
from sparkfleet.cli.main import app
from sparkfleet.clock import VirtualClock
from sparkfleet.cloud.catalog import load_catalog
from sparkfleet.cloud.pricing import spot_price
from sparkfleet.engine.cost import CostGrouping
from sparkfleet.home import open_embedded_store
from support.costscenario import APP, NS, ON_DEMAND, QUEUE, SPOT, START, run_scenario
from support.fleetscenarios import (
    PI_APP,
    Fleet,
    at,
    capacity_fallback,
    gang_waiting,
    nodepool_limit,
    queue_full,
)

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


# -- the four waiting scenarios, on the real controllers and a virtual clock ------------------------------
CATALOG = load_catalog()
HOUR = 3600.0


def printed(
    capsys: pytest.CaptureFixture[str], fleet: Fleet, by: str, namespace: str | None = NAMESPACE
) -> str:
    """What `sparkfleet cost --by BY -n NAMESPACE` (None: -A) prints at the fleet's moment."""
    render_cost(fleet.store, CostGrouping(by), namespace, None, fleet.clock.now())
    return capsys.readouterr().out


def nodes(fleet: Fleet) -> list[tuple[str, str, str, str, str, str, str]]:
    """Each node's instance type, capacity type, zone, price, allocatable cpu and memory, and the moment it
    registered, oldest first."""
    out = []
    for node in fleet.store.list("Node").items:
        meta = node["metadata"]
        labels, room = meta["labels"], node["status"]["allocatable"]
        out.append(
            (
                labels[LABEL_INSTANCE_TYPE],
                labels[LABEL_CAPACITY_TYPE],
                labels[LABEL_ZONE],
                meta["annotations"][ANNOTATION_PRICE_PER_HOUR],
                room["cpu"],
                room["memory"],
                meta["creationTimestamp"],
            )
        )
    return sorted(out, key=lambda n: n[-1])


def no_cost(where: str, moment: str) -> str:
    """The line `sparkfleet cost` prints when nothing was charged up to the ledger's last write."""
    why = "the cost controller records it while pods run on priced nodes"
    return f"No cost recorded in {where} as of {moment}: {why}.\n"


def app_figures(fleet: Fleet) -> tuple[float, float]:
    """The one application's spot dollars and placeholder waste, as `cost --by app` reads them (its
    annotation, kept to a millionth)."""
    (by_app,), _ = cost_rows(fleet.store, CostGrouping.APP, NAMESPACE, None, fleet.clock.now())
    return by_app.spot, by_app.placeholder_waste


def the_job_paid_spot_on_its_one_node(
    capsys: pytest.CaptureFixture[str], fleet: Fleet, pool: str, app: float, waste: float, node: float
) -> str:
    """Checks that PI_APP paid `app` dollars on spot, `waste` of them its placeholders' seats, on the one
    node of `pool`, which cost `node` (the rest idle), by app and by NodePool; the NodePool table."""
    assert app_figures(fleet) == (pytest.approx(app, abs=1e-6), pytest.approx(waste, abs=1e-6))
    assert row(printed(capsys, fleet, "app"), NAMESPACE) == [
        NAMESPACE,
        PI_APP,
        "root.test",
        dollars(app),
        dollars(0),
        dollars(waste),
        dollars(app),
    ]
    by_pool = printed(capsys, fleet, "nodepool", None)
    assert row(by_pool, pool) == [
        pool,
        "spot",
        dollars(app),
        dollars(0),
        dollars(waste),
        dollars(node - app),
        dollars(node),
    ]
    return by_pool


def test_jobs_a_full_queue_holds_cost_nothing_and_the_nodes_launched_for_them_are_idle_waste(
    build: Platforms, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = queue_full(build)
    fleet.advance_to(at(30))  # the cost controller's pass every 30 s writes the figures
    price = spot_price(CATALOG["c5d.4xlarge"], "us-east-1a")
    # Three nodes were launched while the gangs waited for room, before the queue filled: job0's gang
    # took the first (:06); the queue holds the other gangs, so the nodes of :07 and :08 hold nothing.
    assert nodes(fleet) == [
        ("c5d.4xlarge", "spot", "us-east-1a", f"{price:.6f}", "15890m", "27381Mi", f"2026-01-05T09:00:0{s}Z")
        for s in (6, 7, 8)
    ]
    # job0's driver and four executor placeholders, 2 vcore each of the node's 15.89 (their 896Mi of
    # 27381Mi is less), from 09:00:06 to 09:00:30.
    share = 2 / 15.89
    job0 = price * 5 * share * 24 / HOUR  # 0.195167 * 0.6293 * 0.00667 = 0.000819
    placeholders = price * 4 * share * 24 / HOUR  # the four executors' seats: 0.000655
    fleet_total = price * (24 + 23 + 22) / HOUR  # each node from its registration: 0.003741

    by_app = printed(capsys, fleet, "app")
    assert [line.split()[1] for line in by_app.splitlines()[1:-1]] == ["job0"]  # job1..job3: nothing
    assert row(by_app, NAMESPACE) == [
        NAMESPACE,
        "job0",
        "root.dev",
        dollars(job0),
        dollars(0),
        dollars(placeholders),
        dollars(job0),
    ]
    assert by_app.splitlines()[-1] == f"Total {dollars(job0)} USD, as of 2026-01-05T09:00:30Z."
    assert app_figures(fleet) == (pytest.approx(job0, abs=1e-6), pytest.approx(placeholders, abs=1e-6))
    (queue,), _ = cost_rows(fleet.store, CostGrouping.QUEUE, NAMESPACE, None, fleet.clock.now())
    assert queue.group[0] == "root.dev" and queue.total == pytest.approx(job0, abs=1e-6)
    assert row(printed(capsys, fleet, "nodepool", None), SPARK_COMPUTE_OPTIMIZED) == [
        SPARK_COMPUTE_OPTIMIZED,
        "spot",
        dollars(job0),
        dollars(0),
        dollars(placeholders),
        dollars(fleet_total - job0),
        dollars(fleet_total),
    ]


def test_a_waiting_gang_costs_nothing_then_its_placeholders_seats_are_waste_until_its_executors_come(
    build: Platforms, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = gang_waiting(build)
    assert printed(capsys, fleet, "app") == no_cost(f"namespace {NAMESPACE}", "2026-01-05T09:00:00Z")
    fleet.advance_to(at(10))  # the node registered at :06; the gang is reserved, the driver starts at :10
    fleet.start_job(PI_APP, executors=2, executors_after=10)  # the executors take the placeholders' seats
    fleet.advance_to(at(30))
    fleet.advance_to(at(30 * 60), step=30)
    price = spot_price(CATALOG["c5d.4xlarge"], "us-east-1a")
    assert nodes(fleet) == [
        ("c5d.4xlarge", "spot", "us-east-1a", f"{price:.6f}", "15890m", "27381Mi", "2026-01-05T09:00:06Z")
    ]
    # the driver and two placeholders (later the executors), 1 vcore each of 15.89, from :06 to 09:30
    share = 1 / 15.89
    held = 30 * 60 - 6
    app = price * 3 * share * held / HOUR  # 0.195167 * 0.1888 * 0.4983 = 0.018362
    waste = price * 2 * share * (20 - 6) / HOUR  # two placeholders for 14 s: 0.000096
    node = price * held / HOUR  # 0.097258
    by_pool = the_job_paid_spot_on_its_one_node(capsys, fleet, SPARK_COMPUTE_OPTIMIZED, app, waste, node)
    assert by_pool.splitlines()[-1] == f"Total {dollars(node)} USD, as of 2026-01-05T09:30:00Z."


def test_a_gang_its_nodepool_limit_refuses_costs_nothing(
    build: Platforms, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = nodepool_limit(build)
    fleet.advance_to(at(60))
    assert nodes(fleet) == []
    for by in ("app", "queue"):
        assert printed(capsys, fleet, by) == no_cost(f"namespace {NAMESPACE}", "2026-01-05T09:01:00Z")
    assert printed(capsys, fleet, "nodepool", None) == no_cost("any namespace", "2026-01-05T09:01:00Z")


def test_after_the_fallback_the_job_pays_the_intel_instance_launched_not_the_graviton_refused(
    build: Platforms, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = capacity_fallback(build)
    fleet.advance_to(at(10))  # the r5d.2xlarge registered at :02; the driver starts at :10
    fleet.start_job(PI_APP, executors=2, executors_after=10)
    fleet.advance_to(at(30))
    fleet.advance_to(at(30 * 60), step=30)
    # the cheapest offering of r5d.2xlarge: spot in us-east-1b (on demand it is $0.576/h)
    price = spot_price(CATALOG["r5d.2xlarge"], "us-east-1b")
    assert nodes(fleet) == [
        ("r5d.2xlarge", "spot", "us-east-1b", f"{price:.6f}", "7910m", "59627Mi", "2026-01-05T09:00:02Z")
    ]
    # the driver and two placeholders (later the executors), 2 vcore each of 7.91 (their 11468Mi of
    # 59627Mi is less), from :02 to 09:30
    share = 2 / 7.91
    held = 30 * 60 - 2
    app = price * 3 * share * held / HOUR  # 0.135854 * 0.7585 * 0.4994 = 0.051467
    waste = price * 2 * share * (20 - 2) / HOUR  # two placeholders for 18 s: 0.000343
    node = price * held / HOUR  # 0.067852
    by_pool = the_job_paid_spot_on_its_one_node(capsys, fleet, SPARK_MEMORY_OPTIMIZED, app, waste, node)
    assert [line.split()[0] for line in by_pool.splitlines()[1:-1]] == [SPARK_MEMORY_OPTIMIZED]
