"""Karpenter's state metrics read from one look at the fleet: pod labels from their nodes, durations
observed once per pod, usage and utilization in Karpenter's units."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry

from sparkfleet.controllers.support.fleetmetrics import FleetMetrics, pod_state_labels, resource_type
from sparkfleet.controllers.support.karpentermetrics import POD_LABELS, KarpenterMetrics
from sparkfleet.engine.disruption import DisruptionSnapshot
from sparkfleet.engine.provisioning import Fleet, Resources

API = "sparkoperator.k8s.io/v1beta2"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NODE: dict[str, Any] = {
    "metadata": {
        "name": "n1",
        "labels": {
            "karpenter.sh/nodepool": "spark-compute-optimized",
            "karpenter.sh/capacity-type": "spot",
            "topology.kubernetes.io/zone": "us-east-1a",
            "kubernetes.io/arch": "amd64",
            "node.kubernetes.io/instance-type": "c5d.xlarge",
        },
    },
    "status": {"allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"}},
}


def pod(name: str, *conditions: tuple[str, str]) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": "spark-team-a",
            "uid": f"uid-{name}",
            "creationTimestamp": "2026-01-05T09:00:00Z",
            "ownerReferences": [{"apiVersion": API, "kind": "SparkApplication", "name": "pi"}],
        },
        "spec": {"nodeName": "n1"},
        "status": {
            "phase": "Running",
            "conditions": [{"type": t, "status": "True", "lastTransitionTime": at} for t, at in conditions],
        },
    }


def test_a_pods_labels_come_from_its_node() -> None:
    driver = pod("driver", ("Ready", "not a time"))  # an unreadable time still reads as ready
    labels = dict(zip(POD_LABELS, pod_state_labels(driver, {"n1": NODE}), strict=True))
    assert labels["owner"] == f"/apis/{API}/namespaces/spark-team-a/sparkapplications/pi"
    assert labels["nodepool"] == "spark-compute-optimized" and labels["managed"] == "true"
    assert labels["instance_type"] == "c5d.xlarge" and labels["scheduled"] == "true"
    assert labels["ready"] == "true" and labels["phase"] == "Running"
    assert resource_type("ephemeral-storage") == "ephemeral_storage"


def test_startup_is_observed_once_per_pod_and_only_for_pods_started_after_observing_began() -> None:
    registry = CollectorRegistry()
    fleet = FleetMetrics(KarpenterMetrics(registry))
    snapshot = DisruptionSnapshot(now=START, fleet=Fleet((), {}, (), ()), nodes=())
    old = pod("old", ("Ready", "2026-01-05T08:59:00Z"))
    new = pod("new", ("PodScheduled", "2026-01-05T09:00:05Z"), ("Ready", "2026-01-05T09:00:30Z"))
    half = Resources(cpu=2000)
    for _ in range(2):
        fleet.observe([old, new], {"n1": NODE}, [], {}, lambda p: half, snapshot)
    assert registry.get_sample_value("karpenter_pods_startup_duration_seconds_count") == 1
    assert registry.get_sample_value("karpenter_pods_startup_duration_seconds_sum") == 30
    assert registry.get_sample_value("karpenter_pods_bound_duration_seconds_sum") == 5
    utilization = "karpenter_cluster_utilization_percent"
    assert registry.get_sample_value(utilization, {"resource_type": "cpu"}) == 100.0  # 2 pods x 2 of 4 cores
