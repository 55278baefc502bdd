"""A cost scenario whose dollars are known in advance: two m5.xlarge nodes, one on-demand and one spot,
and one application (`spark-team-a/etl`, queue `root.prod`) stepped through the cost controller.

    0 .. 30 min   driver   on od-1    1 cpu, 4 GiB   of 4 cpu, 16 GiB  -> 1/4 of od-1
    0 .. 30 min   executor on spot-1  2 cpu, 4 GiB                     -> 1/2 of spot-1
    0 .. 10 min   gang placeholder on spot-1, 1 cpu, 1 GiB             -> 1/4 of spot-1 (waste)

Prices are the catalog's: m5.xlarge on-demand, and its modelled spot price in us-east-1a.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sparkfleet.api.wire import (
    ANNOTATION_PLACEHOLDER,
    ANNOTATION_PRICE_PER_HOUR,
    LABEL_APP_NAME,
    LABEL_APPLICATION_ID,
    LABEL_CAPACITY_TYPE,
    LABEL_NODEPOOL,
    LABEL_QUEUE,
)
from sparkfleet.clock import VirtualClock
from sparkfleet.cloud.catalog import load_catalog
from sparkfleet.cloud.pricing import on_demand_price, spot_price
from sparkfleet.cluster import Cluster
from sparkfleet.controllers.cost import CostReconciler
from support.objects import spark_app

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NS = "spark-team-a"
APP = "etl"
QUEUE = "root.prod"
M5_XLARGE = load_catalog()["m5.xlarge"]
ON_DEMAND = on_demand_price(M5_XLARGE)
SPOT = spot_price(M5_XLARGE, "us-east-1a")
Obj = dict[str, Any]


def priced_node(name: str, capacity_type: str, pool: str, price: float) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {LABEL_CAPACITY_TYPE: capacity_type, LABEL_NODEPOOL: pool},
            "annotations": {ANNOTATION_PRICE_PER_HOUR: f"{price:.6f}"},
        },
        "spec": {},
        "status": {"allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"}},
    }


def app_pod(name: str, node: str, cpu: str, memory: str, *, placeholder: bool = False) -> Obj:
    labels = {LABEL_APPLICATION_ID: f"spark-{APP}", LABEL_QUEUE: QUEUE}
    if not placeholder:
        labels[LABEL_APP_NAME] = APP
    container = {
        "name": "main",
        "image": "spark:4.0.1",
        "resources": {"requests": {"cpu": cpu, "memory": memory}},
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": NS,
            "labels": labels,
            "annotations": {ANNOTATION_PLACEHOLDER: "true"} if placeholder else {},
        },
        "spec": {"nodeName": node, "containers": [container]},
    }


def run_scenario(store: Cluster, clock: VirtualClock) -> CostReconciler:
    """The scenario from START to START + 30 min, the controller stepped at 0, 10 and 30 minutes."""
    store.create(priced_node("od-1", "on-demand", "pool-od", ON_DEMAND))
    store.create(priced_node("spot-1", "spot", "pool-spot", SPOT))
    app = spark_app(APP, NS)
    app["metadata"]["labels"] = {LABEL_QUEUE: QUEUE}
    store.create(app)
    store.create(app_pod("etl-driver", "od-1", "1", "4Gi"))
    store.create(app_pod("etl-exec-1", "spot-1", "2", "4Gi"))
    store.create(app_pod("tg-etl-placeholder-0", "spot-1", "1", "1Gi", placeholder=True))
    cost = CostReconciler(store, clock)
    cost.reconcile("fleet")
    clock.advance(10 * 60)
    store.delete("Pod", NS, "tg-etl-placeholder-0")
    cost.reconcile("fleet")
    clock.advance(20 * 60)
    cost.reconcile("fleet")
    return cost
