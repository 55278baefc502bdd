"""YuniKorn gang scheduling for a submission (the operator's internal/scheduler/yunikorn, made exact).

With `batchScheduler: yunikorn` (or the platform's default), driver and executors get
`schedulerName: yunikorn`, the `queue` label and `yunikorn.apache.org/task-group-name`; the driver (the
originator pod) carries `yunikorn.apache.org/task-groups`: a driver group of 1 and an executor group of
the initial executor count (left out when that is 0, as YuniKorn refuses minMember 0).

minResource is read from the built pods, not recomputed from the spec: it is the pod's effective request
as Kubernetes computes it (`sparkfleet.api.podrequests`: all containers, so sidecars count, at least each
init container, plus `spec.overhead`), with Spark's memory overhead, PySpark and off-heap memory already
in it. Placeholders are therefore never smaller than the pods that replace them, which the operator's own
computation does not guarantee (an unset `memory` counts as 0 there, sidecars are ignored, and its node
selector merge is always empty).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sparkfleet.api.podrequests import pod_requests
from sparkfleet.api.quantity import format_cpu
from sparkfleet.engine.submission.kube import Obj

DRIVER_GROUP = "spark-driver"
EXECUTOR_GROUP = "spark-executor"
MIB = 1 << 20


def format_min_resource(requests: Mapping[str, int]) -> dict[str, str]:
    """minResource as the operator writes it: cpu as a quantity, memory in whole `Mi` (rounded up)."""
    out: dict[str, str] = {}
    for name in sorted(requests, key=lambda n: (n not in ("cpu", "memory"), n)):
        amount = requests[name]
        if name == "cpu":
            out[name] = format_cpu(amount)
        elif name in ("memory", "ephemeral-storage") or name.startswith("hugepages-"):
            out[name] = f"{-(-amount // MIB)}Mi"
        else:
            out[name] = str(amount)
    return out


def task_group(name: str, min_member: int, pod: Obj, labels: Mapping[str, str]) -> dict[str, Any]:
    """One group, shaped like the operator's taskGroup struct (empty fields left out)."""
    spec = pod.get("spec") or {}
    group: dict[str, Any] = {
        "name": name,
        "minMember": min_member,
        "minResource": format_min_resource(pod_requests(spec)),
    }
    if spec.get("nodeSelector"):
        group["nodeSelector"] = spec["nodeSelector"]
    if spec.get("tolerations"):
        group["tolerations"] = spec["tolerations"]
    if spec.get("affinity"):
        group["affinity"] = spec["affinity"]
    if labels:
        group["labels"] = dict(labels)
    return group


def task_groups(
    driver_pod: Obj,
    executor_pod: Obj,
    initial_executors: int,
    driver_labels: Mapping[str, str],
    executor_labels: Mapping[str, str],
) -> list[dict[str, Any]]:
    groups = [task_group(DRIVER_GROUP, 1, driver_pod, driver_labels)]
    if initial_executors > 0:
        groups.append(task_group(EXECUTOR_GROUP, initial_executors, executor_pod, executor_labels))
    return groups


def task_groups_json(groups: list[dict[str, Any]]) -> str:
    """Compact JSON, as Go's json.Marshal writes the annotation."""
    return json.dumps(groups, separators=(",", ":"))
