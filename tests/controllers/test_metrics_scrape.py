"""The anchors' metrics after a short scenario, scraped from /metrics and read with prometheus-client's
parser: a gang-scheduled pyspark-pi gets a node from the provisioner, runs, finishes, and its empty node
is consolidated away. Names, types and label names are YuniKorn's and Karpenter's exactly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from server.builders import TestClient
from sparkfleet.api.blueprint import SPARK_COMPUTE_OPTIMIZED
from sparkfleet.api.scenario import Scenario
from sparkfleet.config import PlatformConfig
from sparkfleet.controllers.disruption import DisruptionReconciler
from sparkfleet.controllers.nodeclaim import NodeClaimReconciler
from sparkfleet.controllers.provisioner import ProvisionerReconciler
from sparkfleet.controllers.scheduler import SchedulerReconciler
from sparkfleet.controllers.support import KarpenterMetrics, YuniKornMetrics
from sparkfleet.platform import seed
from sparkfleet.reconcile import Controller
from sparkfleet.server.app import create_app

from .karpenter_builders import COMPUTE, Platform, pyspark_pi

POD_LABELS = {"name", "namespace", "owner", "node", "scheduled", "nodepool", "zone", "arch"}
POD_LABELS |= {"capacity_type", "instance_type", "phase", "ready", "managed"}
ANCHORS: dict[str, tuple[str, set[str]]] = {
    # family name as the parser reads it -> (type, label names of its samples, `le`/`quantile` aside)
    "yunikorn_scheduler_container_allocation_attempt": ("counter", {"state"}),
    "yunikorn_scheduler_application_submission": ("counter", {"result"}),
    "yunikorn_scheduler_application_total": ("gauge", {"state"}),
    "yunikorn_scheduler_node": ("gauge", {"state"}),
    "yunikorn_scheduler_scheduling_latency_milliseconds": ("histogram", set()),
    "yunikorn_scheduler_scheduling_cycle_milliseconds": ("histogram", set()),
    "yunikorn_queue_app": ("gauge", {"queue", "state"}),
    "yunikorn_queue_resource": ("gauge", {"queue", "state", "resource"}),
    "karpenter_nodeclaims_created": ("counter", {"reason", "nodepool", "min_values_relaxed"}),
    "karpenter_nodeclaims_terminated": ("counter", {"nodepool", "capacity_type", "zone"}),
    "karpenter_nodeclaims_disrupted": (
        "counter",
        {"reason", "nodepool", "capacity_type", "consolidation_policy", "termination_mode"},
    ),
    "karpenter_pods_state": ("gauge", POD_LABELS),
    "karpenter_pods_startup_duration_seconds": ("summary", set()),
    "karpenter_pods_bound_duration_seconds": ("histogram", set()),
    "karpenter_nodepools_usage": ("gauge", {"resource_type", "nodepool"}),
    "karpenter_nodepools_limit": ("gauge", {"resource_type", "nodepool"}),
    "karpenter_nodepools_allowed_disruptions": ("gauge", {"nodepool", "reason"}),
    "karpenter_scheduler_scheduling_duration_seconds": ("histogram", {"controller"}),
    "karpenter_scheduler_queue_depth": ("gauge", {"controller", "scheduling_id"}),
    "karpenter_scheduler_unschedulable_pods_count": ("gauge", {"controller"}),
    "karpenter_cluster_utilization_percent": ("gauge", {"resource_type"}),
}


class Scrape:
    """One GET /metrics, parsed."""

    def __init__(self, registry: CollectorRegistry, platform: Platform) -> None:
        response = TestClient(create_app(platform.store, None, registry=registry)).get("/metrics")
        assert response.status_code == 200
        self.families = {f.name: f for f in text_string_to_metric_families(response.text)}

    def samples(self, family: str, suffix: str | None = None, **labels: str) -> list[Sample]:
        """The family's samples with these labels (and of the name `family + suffix`, if given)."""
        return [
            s
            for s in self.families[family].samples
            if (suffix is None or s.name == family + suffix)
            and all(s.labels.get(k) == v for k, v in labels.items())
        ]

    def value(self, family: str, suffix: str | None = None, **labels: str) -> float:
        return sum(s.value for s in self.samples(family, suffix, **labels))


@pytest.fixture
def scenario(tmp_path: Path) -> Iterator[tuple[Platform, CollectorRegistry]]:
    """The node provisioner's controllers and the real scheduler, each with its anchor's metrics."""
    registry = CollectorRegistry()
    yunikorn, karpenter = YuniKornMetrics(registry), KarpenterMetrics(registry)
    platform = Platform(tmp_path / "home", scenario=Scenario(launchLatencySeconds=5), seed=False)
    seed(platform.store, PlatformConfig())
    store, clock = platform.store, platform.clock
    reconcilers = [
        SchedulerReconciler(store, clock, metrics=yunikorn),
        ProvisionerReconciler(store, clock, platform.fleets, platform.offerings, metrics=karpenter),
        NodeClaimReconciler(store, clock, platform.cloud, platform.offerings, metrics=karpenter),
        DisruptionReconciler(store, clock, platform.fleets, platform.offerings, metrics=karpenter),
    ]
    platform.controllers = [Controller(r, store, clock) for r in reconcilers]
    yield platform, registry
    platform.close()


def ready(platform: Platform, pod: dict[str, object]) -> None:
    """Mark a pod Running and Ready, as the kubelet does once its containers start."""
    now = platform.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    meta = pod["metadata"]
    assert isinstance(meta, dict)
    status = {
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": now}],
    }
    platform.store.patch("Pod", meta["namespace"], meta["name"], {"status": status}, subresource="status")


def test_every_anchor_metric_is_scraped_with_its_type_and_labels(
    scenario: tuple[Platform, CollectorRegistry],
) -> None:
    platform, registry = scenario
    pods = platform.submit(pyspark_pi(selector=COMPUTE))
    platform.advance(20, scheduler=False)
    for pod in platform.pods():
        if pod["spec"].get("nodeName"):
            ready(platform, pod)
    platform.advance(20, scheduler=False)
    running = Scrape(registry, platform)

    for name, (kind, labels) in ANCHORS.items():
        family = running.families.get(name)
        assert family is not None, f"{name} is not on /metrics"
        assert family.type == kind, name
        for sample in family.samples:
            assert set(sample.labels) - {"le", "quantile"} == labels, (name, sample)

    # the gang (driver and two executors) reserved by placeholders, then bound where they were
    allocations = "yunikorn_scheduler_container_allocation_attempt"
    assert running.value(allocations, state="allocated") >= 6
    assert running.value(allocations, state="released") >= 3
    assert running.value("yunikorn_scheduler_application_submission", result="accepted") == 1
    assert running.value("yunikorn_queue_app", queue="root.test", state="running") == 1
    assert running.value("yunikorn_scheduler_node", state="active") == 1
    allocated = running.value(
        "yunikorn_queue_resource", queue="root.test", state="allocated", resource="vcore"
    )
    assert allocated > 0
    assert running.value("yunikorn_scheduler_scheduling_latency_milliseconds", "_count") > 0

    pool = SPARK_COMPUTE_OPTIMIZED
    created = running.samples("karpenter_nodeclaims_created", reason="provisioned", nodepool=pool)
    assert [s.value for s in created] == [1.0]
    (state,) = running.samples("karpenter_pods_state", name=pods[0]["metadata"]["name"])
    assert state.labels["nodepool"] == pool and state.labels["managed"] == "true"
    assert state.labels["phase"] == "Running" and state.labels["ready"] == "true"
    assert state.labels["capacity_type"] in ("spot", "on-demand")
    assert running.value("karpenter_pods_startup_duration_seconds", "_count") == 3
    assert running.value("karpenter_nodepools_usage", nodepool=pool, resource_type="cpu") > 0
    assert running.value("karpenter_nodepools_limit", nodepool=pool, resource_type="cpu") == 1000
    assert running.value("karpenter_cluster_utilization_percent", resource_type="cpu") > 0
    plans = running.value(
        "karpenter_scheduler_scheduling_duration_seconds", "_count", controller="provisioner"
    )
    assert plans >= 1
    assert running.samples("karpenter_nodepools_allowed_disruptions", nodepool=pool, reason="Empty")

    for pod in platform.pods():
        platform.set_phase(pod, "Succeeded")
    platform.advance(200, step=5, scheduler=False)
    done = Scrape(registry, platform)
    assert platform.nodes() == []
    (disrupted,) = done.samples("karpenter_nodeclaims_disrupted", nodepool=pool)
    assert disrupted.labels["reason"] == "empty" and disrupted.labels["termination_mode"] == "graceful"
    assert done.value("karpenter_nodeclaims_terminated", nodepool=pool) == 1
    assert done.value("yunikorn_queue_app", queue="root.test", state="completed") == 1
    assert done.value("karpenter_cluster_utilization_percent") == 0
