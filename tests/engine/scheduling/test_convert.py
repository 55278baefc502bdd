"""Snapshots from the store's object dicts: effective requests, priorities, readiness, the default
queues config, and the blueprint's gang driver template going all the way through a cycle."""

from __future__ import annotations

from typing import Any

import pytest

from sparkfleet.api.timefmt import TimestampError
from sparkfleet.engine.scheduling import AppState, schedule, snapshot_from_objects
from sparkfleet.engine.scheduling.convert import Converter, timestamp

from .builders import BLUEPRINT_QUEUES, GI
from .test_gang import EMR_GROUPS


def pod_dict(name: str, **spec: Any) -> dict[str, Any]:
    meta = spec.pop("metadata", {})
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "spark-team-a", "uid": f"uid-{name}", **meta},
        "spec": {
            "containers": [{"name": "main", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}],
            **spec,
        },
    }


def node_dict(name: str, ready: str = "True", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"NodeGroupType": "SparkMemoryOptimized"}},
        "spec": spec,
        "status": {
            "allocatable": {"cpu": "15890m", "memory": "120Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": ready}],
        },
    }


def test_effective_requests_follow_kubernetes_rules() -> None:
    spec = {
        "containers": [
            {
                "name": "a",
                "resources": {"requests": {"cpu": "500m"}, "limits": {"cpu": "1", "memory": "2Gi"}},
            },
            {"name": "b", "resources": {"limits": {"memory": "1Gi", "nvidia.com/gpu": "1"}}},
        ],
        "initContainers": [{"name": "init", "resources": {"requests": {"cpu": "2", "memory": "512Mi"}}}],
        "overhead": {"cpu": "100m"},
    }
    requests = Converter().requests(spec)
    # cpu: max(0.5 + 0, init 2) + 0.1 overhead; memory: the limits stand in for missing requests
    assert requests.as_dict() == {"cpu": 2100, "memory": 3 * GI, "nvidia.com/gpu": 1, "pods": 1}


def test_pods_of_another_scheduler_are_left_alone_and_priority_classes_fill_in_priority() -> None:
    snap = snapshot_from_objects(
        [
            pod_dict("mine", schedulerName="yunikorn", priorityClassName="high"),
            pod_dict("default", priorityClassName="unknown"),
            pod_dict("theirs", schedulerName="volcano"),
        ],
        [node_dict("n1")],
        None,
        None,
        1000.0,
        priority_classes={"high": 1000},
    )
    assert [(p.name, p.priority, p.yunikorn) for p in snap.pods] == [
        ("mine", 1000, True),
        ("default", 0, False),
    ]


def test_nodes_carry_readiness_cordon_and_taints() -> None:
    snap = snapshot_from_objects(
        [],
        [
            node_dict("n1", taints=[{"key": "spark-memory-optimized", "effect": "NoSchedule"}]),
            node_dict("n2", ready="False", unschedulable=True),
        ],
        None,
        None,
        0,
    )
    n1, n2 = snap.nodes
    assert n1.allocatable.as_dict() == {"cpu": 15890, "memory": 120 * GI, "pods": 110}
    assert n1.taints[0].key == "spark-memory-optimized" and n1.ready and not n1.unschedulable
    assert not n2.ready and n2.unschedulable


def test_without_a_queues_config_each_namespace_gets_its_own_queue() -> None:
    snap = snapshot_from_objects(
        [pod_dict("p", schedulerName="yunikorn", metadata={"labels": {"spark-app-selector": "spark-1"}})],
        [node_dict("n1")],
        None,
        None,
        0,
    )
    decision = schedule(snap)
    assert decision.apps["spark-1"].queue == "root.spark-team-a"
    assert [b.node for b in decision.binds] == ["n1"]


def test_timestamps_are_read_as_epoch_seconds() -> None:
    assert timestamp("1970-01-01T00:01:40Z") == 100.0
    assert timestamp("1970-01-01T01:01:40+01:00") == 100.0
    assert timestamp(None) == 0.0


def test_a_creation_timestamp_without_a_zone_is_an_error_naming_the_field() -> None:
    pod = pod_dict("p", metadata={"creationTimestamp": "2026-01-05T09:00:00"})
    with pytest.raises(TimestampError, match=r'^metadata\.creationTimestamp: "2026-01-05T09:00:00" has no'):
        snapshot_from_objects([pod], [node_dict("n1")], None, None, 0.0)


def test_the_blueprint_gang_driver_template_reserves_its_placeholders() -> None:
    driver = pod_dict(
        "ny-taxi-driver",
        schedulerName="yunikorn",
        nodeSelector={"NodeGroupType": "SparkMemoryOptimized"},
        tolerations=[{"key": "spark-memory-optimized", "operator": "Exists", "effect": "NoSchedule"}],
        metadata={
            "labels": {"applicationId": "ny-taxi-yunikorn", "queue": "root.test"},
            "annotations": {
                "yunikorn.apache.org/schedulingPolicyParameters": (
                    "placeholderTimeoutInSeconds=30 gangSchedulingStyle=Hard"
                ),
                "yunikorn.apache.org/task-group-name": "spark-driver",
                "yunikorn.apache.org/task-groups": EMR_GROUPS,
            },
            "creationTimestamp": "2026-01-05T09:00:00Z",
        },
    )
    nodes = [
        node_dict(f"r5-{i}", taints=[{"key": "spark-memory-optimized", "effect": "NoSchedule"}])
        for i in range(3)
    ]
    snap = snapshot_from_objects([driver], nodes, BLUEPRINT_QUEUES, None, "2026-01-05T09:00:05Z")
    decision = schedule(snap)
    app = decision.apps["ny-taxi-yunikorn"]
    assert app.queue == "root.test"
    # 21 placeholders of 1200m / 15Gi: 8 fit per 120Gi node, 3 nodes take 21
    assert len(decision.placeholders_to_create) == 21
    assert sum(1 for b in decision.binds if b.placeholder) == 21
    assert app.state == AppState.RUNNING
    manifest = decision.placeholders_to_create[0].manifest()
    assert manifest["metadata"]["ownerReferences"][0]["uid"] == "uid-ny-taxi-driver"
    assert manifest["spec"]["tolerations"][0]["key"] == "spark-memory-optimized"
