"""YuniKorn's REST API: the paths tools read, answered in yunikorn-core's JSON shapes and error bodies."""

from __future__ import annotations

from typing import Any

import pytest

from sparkfleet.cluster import Obj
from support.schedulerworld import APP_ID, NODE

from ..builders import TestClient

GI = 1024**3
BASE = "/ws/v1/partition/default"


def get(client: TestClient, path: str, status: int = 200) -> Any:
    response = client.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json; charset=UTF-8"
    assert response.headers["access-control-allow-origin"] == "*"
    return response.json()


def test_the_api_needs_the_token_like_every_other_path(anonymous: TestClient) -> None:
    assert anonymous.get("/ws/v1/partitions").status_code == 401


def test_partitions_list_the_default_partition_with_capacity_usage_and_app_counts(client: TestClient) -> None:
    (partition,) = get(client, "/ws/v1/partitions")
    assert partition == {
        "clusterId": "mycluster",
        "name": "default",
        "capacity": {
            "capacity": {"vcore": 4000, "memory": 16 * GI, "pods": 110},
            "usedCapacity": {"vcore": 2000, "memory": 3 * GI, "pods": 2},
            "utilization": {"vcore": 50, "memory": 18, "pods": 1},
        },
        "nodeSortingPolicy": {"type": "binpacking", "resourceWeights": {"memory": 1.0, "vcore": 1.0}},
        "preemptionEnabled": True,
        "quotaPreemptionEnabled": False,
        "totalNodes": 1,
        "applications": {"Running": 1, "Completed": 1, "Rejected": 1, "total": 3},
        "totalContainers": 2,
        "state": "Active",
    }


def test_queues_are_one_tree_from_root_with_the_dao_field_names(client: TestClient) -> None:
    root = get(client, f"{BASE}/queues")
    assert root["queuename"] == "root" and root["partition"] == "default"
    assert root["isLeaf"] is False and root["childNames"] == ["prod", "test"]
    assert "parent" not in root  # omitempty
    prod, test = root["children"]
    assert test == {
        "queuename": "root.test",
        "status": "Active",
        "partition": "default",
        "pendingResource": {"vcore": 1000, "memory": GI},
        "maxResource": {"vcore": 8000, "memory": 32 * GI},
        "guaranteedResource": {"vcore": 2000, "memory": 4 * GI},
        "allocatedResource": {"vcore": 2000, "memory": 3 * GI},
        "headroom": {"vcore": 6000, "memory": 29 * GI},
        "isLeaf": True,
        "isManaged": True,
        "properties": {"application.sort.policy": "fifo"},
        "parent": "root",
        "absUsedCapacity": {"vcore": 25, "memory": 9},
        "runningApps": 1,
        "currentPriority": 0,
        "sortingPolicy": "fifo",
        "prioritySorting": True,
        "preemptionEnabled": True,
        "isPreemptionFence": False,
        "preemptionDelay": "30s",
        "isPriorityFence": False,
    }
    assert prod["maxRunningApps"] == 5 and prod["maxResource"] == {"vcore": 16000}
    # Fields the core never leaves out are there with their zero values.
    for key in ("isLeaf", "isManaged", "currentPriority", "prioritySorting", "isPriorityFence"):
        assert key in prod


def test_one_queue_with_its_subtree_only_when_asked(client: TestClient) -> None:
    assert "children" not in get(client, f"{BASE}/queue/root")
    assert [c["queuename"] for c in get(client, f"{BASE}/queue/root?subtree")["children"]] == [
        "root.prod",
        "root.test",
    ]
    assert get(client, f"{BASE}/queue/root.test")["queuename"] == "root.test"


def test_active_applications_carry_their_allocations_asks_and_gang(
    client: TestClient, world: dict[str, Obj]
) -> None:
    (app,) = get(client, f"{BASE}/applications/active")
    assert app["applicationID"] == APP_ID
    assert app["queueName"] == "root.test" and app["partition"] == "default"
    assert app["applicationState"] == "Running"  # Reserving with a placeholder bound: the core runs it
    assert app["usedResource"] == {"vcore": 2000, "memory": 3 * GI, "pods": 2}
    assert app["pendingResource"] == {"vcore": 1000, "memory": GI, "pods": 1}
    assert app["submissionTime"] == 1767322800 * 10**9
    assert app["user"] == "nobody"
    driver, placeholder = sorted(
        app["allocations"], key=lambda a: a["allocationTags"]["kubernetes.io/meta/podName"]
    )
    assert driver["allocationKey"] == world["pi-driver"]["metadata"]["uid"]
    assert driver["originator"] is True and driver["nodeId"] == NODE
    assert driver["taskGroupName"] == "spark-driver"
    assert driver["resource"] == {"vcore": 1000, "memory": 2 * GI, "pods": 1}
    assert placeholder["placeholder"] is True and "originator" not in placeholder
    (ask,) = app["requests"]
    assert ask["allocationTags"]["kubernetes.io/meta/podName"] == "pi-exec-1" and "nodeId" not in ask
    assert app["placeholderData"] == [
        {"taskGroupName": "spark-driver", "count": 1, "minResource": {"vcore": 1000, "memory": 2 * GI}},
        {"taskGroupName": "spark-executor", "count": 2, "minResource": {"vcore": 1000, "memory": GI}},
    ]
    assert [s["applicationState"] for s in app["stateLog"]] == ["New", "Accepted", "Running"]
    assert "finishedTime" not in app


def test_applications_by_state_and_status(client: TestClient) -> None:
    assert [a["applicationID"] for a in get(client, f"{BASE}/applications/completed")] == ["spark-0002"]
    (rejected,) = get(client, f"{BASE}/applications/rejected")
    assert rejected["applicationID"] == "spark-0003"
    assert rejected["rejectedMessage"] == "queue full" and rejected["queueName"] == ""
    assert "finishedTime" in rejected
    assert [a["applicationID"] for a in get(client, f"{BASE}/applications/active?status=running")] == [APP_ID]
    assert get(client, f"{BASE}/applications/active?status=new") == []
    assert get(client, f"{BASE}/applications/ACTIVE")[0]["applicationID"] == APP_ID  # case as upstream


def test_applications_of_a_queue_and_one_application(client: TestClient) -> None:
    assert [a["applicationID"] for a in get(client, f"{BASE}/queue/root.test/applications")] == [APP_ID]
    assert get(client, f"{BASE}/queue/root.prod/applications") == []  # its one application completed
    assert [a["applicationID"] for a in get(client, f"{BASE}/queue/root.test/applications/active")] == [
        APP_ID
    ]
    assert get(client, f"{BASE}/application/{APP_ID}")["applicationID"] == APP_ID
    assert get(client, f"{BASE}/queue/root.test/application/{APP_ID}")["queueName"] == "root.test"
    get(client, f"{BASE}/queue/root.prod/application/{APP_ID}", 404)


def test_nodes_with_capacity_allocations_and_attributes(client: TestClient) -> None:
    (node,) = get(client, f"{BASE}/nodes")
    assert node["nodeID"] == NODE and node["hostName"] == NODE
    assert node["capacity"] == {"vcore": 4000, "memory": 16 * GI, "pods": 110}
    assert node["allocated"] == {"vcore": 2000, "memory": 3 * GI, "pods": 2}
    assert node["available"] == {"vcore": 2000, "memory": 13 * GI, "pods": 108}
    assert node["utilized"] == {"vcore": 50, "memory": 18, "pods": 1}
    assert node["attributes"]["node.kubernetes.io/instance-type"] == "m5.xlarge"
    assert sorted(a["allocationTags"]["kubernetes.io/meta/podName"] for a in node["allocations"]) == [
        "pi-driver",
        "tg-pi-spark-executor-0",
    ]
    assert node["schedulable"] is True and node["isReserved"] is False
    assert get(client, f"{BASE}/node/{NODE}") == node


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/ws/v1/partition/other/queues", 404, "Partition not found"),
        (f"{BASE}/queue/root.nope", 404, "Queue not found"),
        (f"{BASE}/queue/root.b%20d", 400, "invalid queue name, max 64 characters"),
        (f"{BASE}/application/nope", 404, "Application not found"),
        (f"{BASE}/node/nope", 404, "Node not found"),
        (f"{BASE}/applications/finished", 400, "Only following application states are allowed"),
        (f"{BASE}/applications/active?status=done", 400, "Only following active statuses are allowed"),
        (f"{BASE}/queue/root.test/applications/completed", 400, "allowed: active"),
    ],
)
def test_errors_are_yunikorns_error_bodies(client: TestClient, path: str, status: int, message: str) -> None:
    body = get(client, path, status)
    assert body["status_code"] == status
    assert message in body["message"] and body["description"] == body["message"]
