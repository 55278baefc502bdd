"""A small scheduled world with figures known in advance, for the YuniKorn REST API and the console.

One node (4 vcore, 16Gi, 110 pods, on-demand m5.xlarge at $0.192/h) in NodePool `default`; one
SparkApplication `spark-team-a/pi` whose scheduler application `spark-0001` runs in `root.test`: its
driver (1 vcore, 2Gi) and one placeholder (1 vcore, 1Gi) are bound to the node, one executor (1 vcore,
1Gi) waits. A second application `spark-0002` completed and a third `spark-0003` was rejected. The
scheduler's state says what the scheduler controller would have written; cost and timeline
annotations say what the cost and timeline controllers would have written.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sparkfleet.api.wire import (
    ANNOTATION_COST,
    ANNOTATION_PLANNED_CAPACITY_TYPE,
    ANNOTATION_PLANNED_INSTANCE_TYPE,
    ANNOTATION_PLANNED_ZONE,
    ANNOTATION_PRICE_PER_HOUR,
    ANNOTATION_TASK_GROUP_NAME,
    ANNOTATION_TASK_GROUPS,
    ANNOTATION_TIMELINE,
    ANNOTATION_UNAVAILABLE_OFFERINGS,
    LABEL_APP_NAME,
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_TYPE,
    LABEL_NODEPOOL,
    LABEL_PLACEHOLDER,
    LABEL_SPARK_APP_SELECTOR,
    LABEL_SPARK_ROLE,
    LABEL_ZONE,
)
from sparkfleet.cluster import Cluster
from sparkfleet.controllers.support.schedulerstate import NAMESPACE, SchedulerState, encode_state, write_state
from sparkfleet.engine.scheduling import AppState, AppStatus, AppTransition, QueueReport, Resources
from support.objects import Obj, spark_app

__all__ = [
    "APP",
    "APP_ID",
    "NODE",
    "NS",
    "QUEUES_YAML",
    "T0",
    "seed_world",
]

NS = "spark-team-a"
APP = "pi"
APP_ID = "spark-0001"
NODE = "ip-10-0-1-23.ec2.internal"
CLAIM = "default-x7k2p"
T0 = datetime(2026, 1, 2, 3, 0, 0, tzinfo=UTC).timestamp()
GI = 1024**3

QUEUES_YAML = """\
partitions:
  - name: default
    nodesortpolicy: {type: binpacking}
    preemption: {enabled: true}
    queues:
      - name: root
        queues:
          - name: test
            resources:
              guaranteed: {vcore: 2, memory: 4Gi}
              max: {vcore: 8, memory: 32Gi}
            properties: {application.sort.policy: fifo}
          - name: prod
            maxapplications: 5
            resources:
              max: {vcore: 16}
"""


def _when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _status(app_id: str, state: AppState, queue: str | None, at: float, **extra: Any) -> AppStatus:
    history = (
        AppTransition(app_id, AppState.NEW, AppState.SUBMITTED, at, "", ""),
        AppTransition(app_id, AppState.SUBMITTED, AppState.ACCEPTED, at + 1, "", ""),
    )
    if state not in (AppState.ACCEPTED, AppState.REJECTED):
        history += (AppTransition(app_id, AppState.ACCEPTED, state, at + 5, "", ""),)
    if state is AppState.REJECTED:
        history = (AppTransition(app_id, AppState.NEW, AppState.REJECTED, at + 1, "", "queue full"),)
    return AppStatus(
        app_id=app_id,
        state=state,
        submitted_at=at,
        state_since=history[-1].at,
        queue=queue,
        user="nobody",
        first_placeholder_at=extra.get("first_placeholder_at"),
        placeholders_created=bool(extra.get("placeholders_created")),
        originator=str(extra.get("originator") or ""),
        message=str(extra.get("message") or ""),
        history=history,
    )


def _pod(name: str, role: str, cpu: str, memory: str, **meta: Any) -> Obj:
    labels = {LABEL_SPARK_APP_SELECTOR: APP_ID, LABEL_APP_NAME: APP, **meta.pop("labels", {})}
    if role != "placeholder":
        labels[LABEL_SPARK_ROLE] = role
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": NS,
            "labels": labels,
            "annotations": meta.pop("annotations", {}),
        },
        "spec": {
            "schedulerName": "yunikorn",
            "containers": [
                {
                    "name": "main",
                    "image": "spark:4.0.1",
                    "resources": {"requests": {"cpu": cpu, "memory": memory}},
                }
            ],
        },
    }


def seed_world(cluster: Cluster) -> dict[str, Obj]:
    """Create the world in `cluster`; returns the stored pods by name."""
    cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": NODE,
            "labels": {
                LABEL_NODEPOOL: "default",
                LABEL_INSTANCE_TYPE: "m5.xlarge",
                LABEL_CAPACITY_TYPE: "on-demand",
                LABEL_ZONE: "us-west-2a",
            },
            "annotations": {ANNOTATION_PRICE_PER_HOUR: "0.192"},
        },
        "spec": {},
    }
    cluster.create(node)
    ready = {"type": "Ready", "status": "True", "lastTransitionTime": _when(T0)}
    allocatable = {"cpu": "4", "memory": "16Gi", "pods": "110"}
    cluster.patch(
        "Node",
        None,
        NODE,
        {"status": {"allocatable": allocatable, "capacity": allocatable, "conditions": [ready]}},
        subresource="status",
    )

    task_groups = json.dumps(
        [
            {"name": "spark-driver", "minMember": 1, "minResource": {"cpu": "1", "memory": "2Gi"}},
            {"name": "spark-executor", "minMember": 2, "minResource": {"cpu": "1", "memory": "1Gi"}},
        ]
    )
    driver = cluster.create(
        _pod(
            "pi-driver",
            "driver",
            "1",
            "2Gi",
            annotations={ANNOTATION_TASK_GROUP_NAME: "spark-driver", ANNOTATION_TASK_GROUPS: task_groups},
        )
    )
    placeholder = cluster.create(
        _pod(
            "tg-pi-spark-executor-0",
            "placeholder",
            "1",
            "1Gi",
            labels={LABEL_PLACEHOLDER: "true"},
            annotations={ANNOTATION_TASK_GROUP_NAME: "spark-executor"},
        )
    )
    executor = cluster.create(
        _pod("pi-exec-1", "executor", "1", "1Gi", annotations={ANNOTATION_TASK_GROUP_NAME: "spark-executor"})
    )
    cluster.bind(NS, "pi-driver", NODE)
    cluster.bind(NS, "tg-pi-spark-executor-0", NODE)

    app = spark_app(APP, NS, batchSchedulerOptions={"queue": "root.test"})
    app["metadata"]["annotations"] = {
        ANNOTATION_COST: json.dumps(
            {
                "currency": "USD",
                "total": 0.0123,
                "spot": 0.0,
                "onDemand": 0.0123,
                "placeholderWaste": 0.0011,
                "asOf": _when(T0 + 300),
            }
        ),
        ANNOTATION_TIMELINE: json.dumps(
            [
                {"phase": "Submitted", "since": _when(T0), "until": _when(T0 + 1), "reason": "Submitted"},
                {
                    "phase": "GangReserving",
                    "since": _when(T0 + 1),
                    "reason": "PlaceholdersPending",
                    "message": "1 of 2 executor placeholders bound",
                },
            ]
        ),
    }
    cluster.create(app)
    cluster.patch(
        "SparkApplication",
        NS,
        APP,
        {
            "status": {
                "sparkApplicationId": APP_ID,
                "applicationState": {"state": "SUBMITTED"},
                "driverInfo": {"podName": "pi-driver", "webUIServiceName": "pi-ui-svc", "webUIPort": 4040},
            }
        },
        subresource="status",
    )

    apps = {
        APP_ID: _status(
            APP_ID,
            AppState.RESERVING,
            "root.test",
            T0,
            placeholders_created=True,
            first_placeholder_at=T0 + 3,
            originator=driver["metadata"]["uid"],
        ),
        "spark-0002": _status("spark-0002", AppState.COMPLETED, "root.prod", T0 - 600),
        "spark-0003": _status("spark-0003", AppState.REJECTED, None, T0 - 60, message="queue full"),
    }
    allocated = Resources({"cpu": 2000, "memory": 3 * GI})
    pending = Resources({"cpu": 1000, "memory": GI})
    queues = (
        QueueReport("root", False, False, Resources(), Resources(), allocated, pending, 1, 0, ()),
        QueueReport(
            "root.prod",
            True,
            False,
            Resources(),
            Resources({"cpu": 16000}),
            Resources(),
            Resources(),
            0,
            5,
            (),
        ),
        QueueReport(
            "root.test",
            True,
            False,
            Resources({"cpu": 2000, "memory": 4 * GI}),
            Resources({"cpu": 8000, "memory": 32 * GI}),
            allocated,
            pending,
            1,
            0,
            (APP_ID,),
        ),
    )
    cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    write_state(cluster, encode_state(SchedulerState(apps, queues, QUEUES_YAML)), NAMESPACE, "sparkfleet")

    claim = {
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodeClaim",
        "metadata": {
            "name": CLAIM,
            "labels": {
                LABEL_NODEPOOL: "default",
                LABEL_INSTANCE_TYPE: "m5.xlarge",
                LABEL_CAPACITY_TYPE: "on-demand",
                LABEL_ZONE: "us-west-2a",
            },
            "annotations": {
                ANNOTATION_PRICE_PER_HOUR: "0.192",
                ANNOTATION_UNAVAILABLE_OFFERINGS: "m5.large/us-west-2a/spot",
                ANNOTATION_PLANNED_INSTANCE_TYPE: "m5.large",
                ANNOTATION_PLANNED_ZONE: "us-west-2a",
                ANNOTATION_PLANNED_CAPACITY_TYPE: "spot",
            },
        },
        "spec": {
            "requirements": [{"key": LABEL_NODEPOOL, "operator": "In", "values": ["default"]}],
            "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "default"},
        },
    }
    cluster.create(claim)
    cluster.patch("NodeClaim", None, CLAIM, {"status": {"nodeName": NODE}}, subresource="status")
    cluster.create(
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": f"{CLAIM}.1", "namespace": "default"},
            "involvedObject": {"apiVersion": "karpenter.sh/v1", "kind": "NodeClaim", "name": CLAIM},
            "reason": "InsufficientCapacityError",
            "message": "m5.large spot in us-west-2a: no capacity; fell back to m5.xlarge on-demand",
            "type": "Warning",
            "lastTimestamp": _when(T0 + 2),
            "count": 1,
        }
    )
    return {
        p["metadata"]["name"]: cluster.get("Pod", NS, p["metadata"]["name"])
        for p in (driver, placeholder, executor)
    }
