"""Cost snapshots from stored objects: priced Nodes, and the pods that hold room on them."""

from __future__ import annotations

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
from sparkfleet.engine.cost import CostNode, CostPod, cost_node, snapshot_from_objects

GIB = 1024**3


def node(name: str, price: str | None = "0.192") -> dict[str, Any]:
    annotations = {ANNOTATION_PRICE_PER_HOUR: price} if price is not None else {}
    return {
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {LABEL_CAPACITY_TYPE: "spot", LABEL_NODEPOOL: "pool-a"},
            "annotations": annotations,
        },
        "status": {"allocatable": {"cpu": "4", "memory": "16Gi"}},
    }


def pod(name: str, on: str | None, phase: str = "Running", **labels: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "ns", "labels": labels}
    spec: dict[str, Any] = {
        "containers": [{"name": "c", "resources": {"requests": {"cpu": "1", "memory": "2Gi"}}}]
    }
    if on is not None:
        spec["nodeName"] = on
    return {"kind": "Pod", "metadata": meta, "spec": spec, "status": {"phase": phase}}


def test_a_node_is_priced_by_its_annotation_with_its_pool_capacity_type_and_allocatable() -> None:
    assert cost_node(node("n1")) == CostNode("n1", 0.192, "spot", "pool-a", {"cpu": 4000, "memory": 16 * GIB})


def test_a_node_without_a_valid_price_is_left_out() -> None:
    assert cost_node(node("n1", None)) is None
    assert cost_node(node("n1", "free")) is None
    assert cost_node(node("n1", "-1")) is None
    assert cost_node(node("n1", "inf")) is None


def test_bound_pods_that_have_not_ended_hold_room_and_placeholders_belong_to_their_application() -> None:
    app = {LABEL_APPLICATION_ID: "spark-1", LABEL_QUEUE: "root.q"}
    pods = [
        pod("driver", "n1", **app, **{LABEL_APP_NAME: "etl"}),
        pod("waiting", None, "Pending", **app, **{LABEL_APP_NAME: "etl"}),
        pod("done", "n1", "Succeeded", **app, **{LABEL_APP_NAME: "etl"}),
        pod("elsewhere", "unpriced", **app, **{LABEL_APP_NAME: "etl"}),
        pod("ph", "n1", "Pending", **app),
        pod("lonely", "n1"),
    ]
    pods[4]["metadata"]["annotations"] = {ANNOTATION_PLACEHOLDER: "true"}
    snapshot = snapshot_from_objects([node("n1"), node("unpriced", None)], pods, {"spark-1": "root.prod"})
    requests = {"cpu": 1000, "memory": 2 * GIB}
    assert [n.name for n in snapshot.nodes] == ["n1"]
    assert snapshot.pods == (
        CostPod("ns", "driver", "n1", requests, "etl", "root.prod"),
        CostPod("ns", "ph", "n1", requests, "etl", "root.prod", placeholder=True),
        CostPod("ns", "lonely", "n1", requests),
    )


def test_a_pod_asks_for_its_queue_until_the_scheduler_has_placed_its_application() -> None:
    snapshot = snapshot_from_objects([node("n1")], [pod("driver", "n1", **{LABEL_QUEUE: "root.q"})])
    assert snapshot.pods[0].queue == "root.q"
