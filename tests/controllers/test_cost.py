"""The cost controller on the embedded store: a scenario whose dollars are worked out by hand, the
annotation and ledger it writes (bounded), the metrics it publishes, and resuming after a restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from sparkfleet.api.appinsight import cost_of
from sparkfleet.clock import VirtualClock
from sparkfleet.cluster import WatchEvent, WatchEventType
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.controllers.cost import COST_CONFIGMAP, KEY, CostReconciler, read_ledger
from sparkfleet.controllers.support import NAMESPACE, InsightMetrics
from sparkfleet.engine.cost import CostKind, FleetKey
from support.costscenario import APP, NS, ON_DEMAND, QUEUE, SPOT, START, app_pod, priced_node, run_scenario
from support.objects import spark_app

# The scenario's dollars, by hand (rates in $/h times hours):
DRIVER = ON_DEMAND * (1 / 4) * (30 / 60)  # 0.192 * 1/4 * 1/2 = 0.024
EXECUTOR = SPOT * (1 / 2) * (30 / 60)  # 0.062201 * 1/2 * 1/2 = 0.01555025
PLACEHOLDER = SPOT * (1 / 4) * (10 / 60)  # 0.062201 * 1/4 * 1/6 = 0.0025917083
IDLE_OD = ON_DEMAND * (3 / 4) * (30 / 60)  # 0.192 * 3/4 * 1/2 = 0.072
IDLE_SPOT = SPOT * (
    (1 / 4) * (10 / 60) + (1 / 2) * (20 / 60)
)  # 1/4 free for 10 min, 1/2 for 20: 0.0129585417


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def store(tmp_path: Path, clock: VirtualClock) -> EmbeddedCluster:
    return EmbeddedCluster(tmp_path / "store.db", clock)


def test_the_catalog_prices_the_scenario_uses() -> None:
    assert ON_DEMAND == 0.192
    assert SPOT == 0.062201


def test_the_application_pays_its_pods_share_spot_and_on_demand_apart_with_placeholder_waste(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    run_scenario(store, clock)
    cost = cost_of(store.get("SparkApplication", NS, APP))
    assert cost is not None
    assert cost.on_demand == pytest.approx(0.024, abs=1e-6)
    assert cost.spot == pytest.approx(0.01555025 + 0.0025917083, abs=1e-6)
    assert cost.total == pytest.approx(0.024 + 0.01555025 + 0.0025917083, abs=1e-6)
    assert cost.on_demand == pytest.approx(DRIVER, abs=1e-6)
    assert cost.spot == pytest.approx(EXECUTOR + PLACEHOLDER, abs=1e-6)
    assert cost.placeholder_waste == pytest.approx(PLACEHOLDER, abs=1e-6)
    assert cost.total == pytest.approx(DRIVER + EXECUTOR + PLACEHOLDER, abs=1e-6)
    assert cost.as_of == clock.now()


def test_the_fleet_ledger_holds_every_line_and_the_nodes_prices_add_up(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    run_scenario(store, clock)
    ledger = read_ledger(store)
    assert ledger.as_of == clock.now()
    assert ledger.fleet == {
        FleetKey(CostKind.POD, NS, QUEUE, "pool-od", "on-demand"): pytest.approx(DRIVER, abs=1e-6),
        FleetKey(CostKind.POD, NS, QUEUE, "pool-spot", "spot"): pytest.approx(EXECUTOR, abs=1e-6),
        FleetKey(CostKind.PLACEHOLDER, NS, QUEUE, "pool-spot", "spot"): pytest.approx(PLACEHOLDER, abs=1e-6),
        FleetKey(CostKind.IDLE, "", "", "pool-od", "on-demand"): pytest.approx(IDLE_OD, abs=1e-6),
        FleetKey(CostKind.IDLE, "", "", "pool-spot", "spot"): pytest.approx(IDLE_SPOT, abs=1e-6),
    }
    # Both nodes ran for half an hour: everything charged is their price, no more, no less.
    assert sum(ledger.fleet.values()) == pytest.approx((ON_DEMAND + SPOT) * 0.5, abs=1e-5)
    assert ledger.fleet[FleetKey(CostKind.IDLE, "", "", "pool-od", "on-demand")] == pytest.approx(
        0.072, abs=1e-6
    )
    assert ledger.fleet[FleetKey(CostKind.IDLE, "", "", "pool-spot", "spot")] == pytest.approx(
        0.0129585, abs=1e-6
    )
    configmap = store.get("ConfigMap", NAMESPACE, COST_CONFIGMAP)
    assert json.loads(configmap["data"]["ledger.json"])["currency"] == "USD"


def test_the_metrics_show_the_application_its_queue_and_the_waste(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    registry = CollectorRegistry()
    metrics = InsightMetrics(registry)
    cost = run_scenario(store, clock)
    cost.metrics = metrics
    cost.reconcile(KEY)
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for s in family.samples
        if s.name.endswith("_cost_dollars")
    }

    def series(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
        return name, frozenset(labels.items())

    app = {"namespace": NS, "application": APP, "queue": QUEUE}
    assert samples == {
        series("sparkfleet_application_cost_dollars", **app, capacity_type="on-demand"): pytest.approx(
            DRIVER
        ),
        series("sparkfleet_application_cost_dollars", **app, capacity_type="spot"): pytest.approx(
            EXECUTOR + PLACEHOLDER
        ),
        series("sparkfleet_queue_cost_dollars", queue=QUEUE, capacity_type="on-demand"): pytest.approx(
            DRIVER
        ),
        series("sparkfleet_queue_cost_dollars", queue=QUEUE, capacity_type="spot"): pytest.approx(
            EXECUTOR + PLACEHOLDER
        ),
        series("sparkfleet_waste_cost_dollars", kind="idle_node"): pytest.approx(IDLE_OD + IDLE_SPOT),
        series("sparkfleet_waste_cost_dollars", kind="placeholder"): pytest.approx(PLACEHOLDER),
    }


def test_unchanged_amounts_are_not_written_again(store: EmbeddedCluster, clock: VirtualClock) -> None:
    cost = run_scenario(store, clock)
    store.delete("Pod", NS, "etl-driver")
    store.delete("Pod", NS, "etl-exec-1")
    cost.reconcile(KEY)
    written = store.get("SparkApplication", NS, APP)["metadata"]["resourceVersion"]
    clock.advance(3600)
    cost.reconcile(KEY)
    assert store.get("SparkApplication", NS, APP)["metadata"]["resourceVersion"] == written


def test_a_restarted_controller_goes_on_from_the_annotation_and_charges_the_time_it_was_away(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    run_scenario(store, clock)
    clock.advance(30 * 60)  # away for half an hour with the driver and the executor still running
    CostReconciler(store, clock).reconcile(KEY)
    cost = cost_of(store.get("SparkApplication", NS, APP))
    assert cost is not None
    assert cost.on_demand == pytest.approx(2 * DRIVER, abs=1e-6)
    assert cost.spot == pytest.approx(2 * EXECUTOR + PLACEHOLDER, abs=1e-6)
    idle = read_ledger(store).fleet[FleetKey(CostKind.IDLE, "", "", "pool-od", "on-demand")]
    assert idle == pytest.approx(2 * IDLE_OD, abs=1e-6)


def test_a_deleted_application_keeps_its_dollars_in_the_ledger(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    cost = run_scenario(store, clock)
    store.delete("SparkApplication", NS, APP)
    clock.advance(60)
    cost.reconcile(KEY)
    assert cost.ledger is not None and cost.ledger.apps == {}
    line = read_ledger(store).fleet[FleetKey(CostKind.POD, NS, QUEUE, "pool-od", "on-demand")]
    assert line >= DRIVER - 1e-6


def test_its_own_annotation_writes_and_unbound_pods_do_not_wake_it(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    cost = CostReconciler(store, clock)
    app = {"kind": "SparkApplication", "metadata": {"name": APP, "namespace": NS}}
    pending = {"kind": "Pod", "metadata": {"name": "p", "namespace": NS}, "spec": {}}
    bound = {"kind": "Pod", "metadata": {"name": "p", "namespace": NS}, "spec": {"nodeName": "od-1"}}
    assert list(cost.keys_for(WatchEvent(WatchEventType.MODIFIED, app))) == []
    assert list(cost.keys_for(WatchEvent(WatchEventType.ADDED, app))) == [KEY]
    assert list(cost.keys_for(WatchEvent(WatchEventType.ADDED, pending))) == []
    assert list(cost.keys_for(WatchEvent(WatchEventType.DELETED, bound))) == [KEY]
    assert list(cost.keys_for(WatchEvent(WatchEventType.MODIFIED, {"kind": "Node"}))) == [KEY]


def test_the_ledger_is_written_with_the_annotation_so_a_restart_between_flushes_charges_nothing_twice(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    store.create(priced_node("od-1", "on-demand", "pool-od", ON_DEMAND))
    store.create(spark_app(APP, NS))
    store.create(app_pod("etl-driver", "od-1", "1", "4Gi"))
    cost = CostReconciler(store, clock, flush_seconds=3600)
    cost.reconcile(KEY)
    clock.advance(10 * 60)
    store.delete("Pod", NS, "etl-driver")  # a pod change: the annotation is written before the next flush
    cost.reconcile(KEY)
    clock.advance(10 * 60)
    CostReconciler(store, clock, flush_seconds=3600).reconcile(KEY)
    spent = cost_of(store.get("SparkApplication", NS, APP))
    assert spent is not None
    assert spent.on_demand == pytest.approx(ON_DEMAND * (1 / 4) * (10 / 60), abs=1e-6)
    idle = read_ledger(store).fleet[FleetKey(CostKind.IDLE, "", "", "pool-od", "on-demand")]
    assert idle == pytest.approx(ON_DEMAND * ((3 / 4) * (10 / 60) + 10 / 60), abs=1e-6)
