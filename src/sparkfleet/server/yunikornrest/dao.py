"""YuniKorn's REST objects (yunikorn-core pkg/webservice/dao) built from a `SchedulerView`.

Field names, nesting and which fields are left out when empty follow the DAO structs' JSON tags, so a
tool written for YuniKorn's REST API reads these unchanged. Conventions of the originals:
- resources are maps of YuniKorn's names to integers (`vcore` in millicores, `memory` in bytes, `pods`
  counted, one per allocation, as the k8s shim adds it);
- times are nanoseconds since the epoch, but an application's `startTime` is milliseconds;
- states are the core's application states (New, Accepted, Running, Completing, Completed, Failing,
  Failed, Rejected, Expired, Resuming): the shim's Submitted reads New, and Reserving reads Accepted
  until a placeholder holds a node, Running after (the core runs an application from its first
  allocation, placeholders included).
What sparkfleet does not track is left out rather than made up: `maxUsedResource`, allocation logs,
reservations, the placeholders replaced or timed out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sparkfleet.api.podrequests import pod_requests, resource_amounts
from sparkfleet.api.timefmt import TimestampError, parse_rfc3339
from sparkfleet.api.wire import ANNOTATION_TASK_GROUP_NAME, ANNOTATION_TASK_GROUPS
from sparkfleet.api.yunikorn import (
    APPLICATION_SORT_POLICY,
    APPLICATION_SORT_PRIORITY,
    PREEMPTION_DELAY,
    PREEMPTION_POLICY,
    PRIORITY_OFFSET,
    PRIORITY_POLICY,
    QueueConfig,
    iter_queues,
)
from sparkfleet.engine.scheduling import (
    AppState,
    AppStatus,
    QueueReport,
    Resources,
    TaskGroupError,
    parse_task_groups,
)
from sparkfleet.server.yunikornrest.source import PodView, SchedulerView

__all__ = [
    "ACTIVE_STATUSES",
    "COMPLETED_STATES",
    "PARTITION",
    "REJECTED_STATES",
    "allocation_dao",
    "application_dao",
    "ask_dao",
    "core_state",
    "core_state_name",
    "dao_resources",
    "meta_of",
    "node_capacity",
    "node_dao",
    "omit_empty",
    "partition_dao",
    "queue_dao",
]

PARTITION = "default"
"""The only partition on Kubernetes."""
COMPLETED_STATES = frozenset({"Completed", "Failed", "Expired"})
"""What `applications/completed` lists (the partition's terminated applications)."""
REJECTED_STATES = frozenset({"Rejected"})
ACTIVE_STATUSES = ("new", "accepted", "running", "completing", "failing", "resuming")
"""The `?status=` values `applications/active` accepts, as the core's handler names them."""

_NS = 1_000_000_000
_PODS = "pods"


def dao_resources(res: Resources, pods: int = 0) -> dict[str, int]:
    """A resource map in YuniKorn's names (`cpu` reads `vcore`); `pods` added when asked."""
    out = {("vcore" if name == "cpu" else name): amount for name, amount in res.items()}
    if pods:
        out[_PODS] = out.get(_PODS, 0) + pods
    return out


def _ns(seconds: float | None) -> int | None:
    return None if seconds is None else int(seconds * _NS)


def _rfc3339_ns(text: Any) -> int | None:
    if not isinstance(text, str):
        return None
    try:
        return int(parse_rfc3339(text).timestamp() * _NS)
    except TimestampError:
        return None


def omit_empty(obj: dict[str, Any], keep: Iterable[str]) -> dict[str, Any]:
    """Leave out empty values but those `keep` names: Go's `omitempty`."""
    kept = set(keep)
    return {k: v for k, v in obj.items() if k in kept or v not in (None, "", 0, False, [], {})}


def _percent(used: Mapping[str, int], capacity: Mapping[str, int]) -> dict[str, int]:
    """YuniKorn's absolute used capacity: used over capacity in whole percent, per resource it limits."""
    return {k: int(used.get(k, 0) * 100 // v) for k, v in capacity.items() if v > 0}


def core_state_name(state: AppState, allocated: bool) -> str:
    """The core's name for a shim application state (`allocated`: the application holds a node)."""
    if state in (AppState.NEW, AppState.SUBMITTED):
        return "New"
    if state is AppState.RESERVING:
        return "Running" if allocated else "Accepted"
    return state.value


def core_state(status: AppStatus, allocations: int) -> str:
    return core_state_name(status.state, allocations > 0)


# --- partitions -----------------------------------------------------------------------------------------


def node_capacity(node: Mapping[str, Any]) -> Resources:
    status = node.get("status") or {}
    return Resources(resource_amounts(status.get("allocatable") or status.get("capacity") or {}))


def partition_dao(view: SchedulerView, cluster_id: str) -> dict[str, Any]:
    capacity = sum((node_capacity(n) for n in view.nodes), Resources())
    bound = [p for p in view.pods if p.node]
    used = sum((p.request for p in bound), Resources())
    total_capacity = dao_resources(capacity)
    used_capacity = dao_resources(used, pods=len(bound))
    counts: dict[str, int] = {}
    for app_id, status in view.apps.items():
        state = core_state(status, sum(1 for p in bound if p.app_id == app_id))
        counts[state] = counts.get(state, 0) + 1
    counts["total"] = len(view.apps)
    policy = view.partition.nodesortpolicy
    preemption = view.partition.preemption
    return omit_empty(
        {
            "clusterId": cluster_id,
            "name": PARTITION,
            "capacity": omit_empty(
                {
                    "capacity": total_capacity,
                    "usedCapacity": used_capacity,
                    "utilization": _percent(used_capacity, total_capacity),
                },
                (),
            ),
            "nodeSortingPolicy": omit_empty(
                {
                    "type": str(policy.type) if policy else "fair",
                    "resourceWeights": dict(policy.resourceweights)
                    if policy and policy.resourceweights
                    else {"memory": 1.0, "vcore": 1.0},
                },
                (),
            ),
            "preemptionEnabled": bool(preemption and preemption.enabled),
            "quotaPreemptionEnabled": bool(preemption and preemption.quotapreemptionenabled),
            "totalNodes": len(view.nodes),
            "applications": counts,
            "totalContainers": len(bound),
            "state": "Active",
        },
        ("clusterId", "name", "capacity", "nodeSortingPolicy", "preemptionEnabled", "quotaPreemptionEnabled"),
    )


# --- queues ---------------------------------------------------------------------------------------------

_QUEUE_KEEP = (
    "queuename",
    "partition",
    "isLeaf",
    "isManaged",
    "currentPriority",
    "prioritySorting",
    "preemptionEnabled",
    "isPreemptionFence",
    "isPriorityFence",
)


def _headroom(report: QueueReport, by_path: Mapping[str, QueueReport]) -> dict[str, int]:
    """What may still be allocated in the queue: the smallest max - allocated up the tree, per limited
    resource (YuniKorn leaves out resources no queue on the path limits)."""
    room: dict[str, int] = {}
    path = report.path
    while path:
        q = by_path.get(path)
        if q is not None:
            for name, limit in q.max.items():
                free = max(0, limit - q.allocated.get(name))
                room[name] = min(room.get(name, free), free)
        path = path.rpartition(".")[0]
    return dao_resources(Resources(room)) if room else {}


def queue_dao(
    report: QueueReport, view: SchedulerView, *, subtree: bool = True, parent: str | None = None
) -> dict[str, Any]:
    """One queue (PartitionQueueDAOInfo) with its children when `subtree`."""
    configs: dict[str, QueueConfig] = dict(iter_queues(view.partition))
    config = configs.get(report.path)
    by_path = {q.path: q for q in view.queues}
    children = [q for q in view.queues if q.path.rpartition(".")[0] == report.path and q.path != report.path]
    properties = dict(config.properties) if config else {}

    def prop(key: str) -> str:
        value = config.property_value(key) if config else None
        return value or ""

    allocated = dao_resources(report.allocated)
    maximum = dao_resources(report.max)
    priority_offset = prop(PRIORITY_OFFSET)
    out = {
        "queuename": report.path,
        "status": "Active",
        "partition": PARTITION,
        "pendingResource": dao_resources(report.pending),
        "maxResource": maximum,
        "guaranteedResource": dao_resources(report.guaranteed),
        "allocatedResource": allocated,
        "headroom": _headroom(report, by_path),
        "isLeaf": report.leaf,
        "isManaged": not report.dynamic,
        "properties": properties,
        "parent": parent if parent is not None else report.path.rpartition(".")[0],
        "childNames": [c.path.rsplit(".", 1)[-1] for c in children],
        "absUsedCapacity": _percent(allocated, maximum),
        "maxRunningApps": report.max_apps,
        "runningApps": report.running_apps,
        "currentPriority": 0,
        "sortingPolicy": prop(APPLICATION_SORT_POLICY) if report.leaf else "",
        "prioritySorting": prop(APPLICATION_SORT_PRIORITY).lower() != "disabled",
        "preemptionEnabled": bool(view.partition.preemption and view.partition.preemption.enabled),
        "isPreemptionFence": prop(PREEMPTION_POLICY).lower() == "fence",
        "preemptionDelay": prop(PREEMPTION_DELAY),
        "isPriorityFence": prop(PRIORITY_POLICY).lower() == "fence",
        "priorityOffset": int(priority_offset) if priority_offset.lstrip("-").isdigit() else 0,
    }
    if subtree and children:
        out["children"] = [queue_dao(c, view, parent=report.path) for c in children]
    return omit_empty(out, _QUEUE_KEEP)


# --- applications ---------------------------------------------------------------------------------------


def meta_of(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _bound_at(pod: PodView) -> int | None:
    for cond in (pod.obj.get("status") or {}).get("conditions") or ():
        if cond.get("type") == "PodScheduled" and cond.get("status") == "True":
            return _rfc3339_ns(cond.get("lastTransitionTime"))
    return None


def _allocation_common(pod: PodView, originator: str) -> dict[str, Any]:
    annotations = meta_of(pod.obj).get("annotations") or {}
    return {
        "allocationKey": pod.uid,
        "allocationTags": {
            "kubernetes.io/meta/namespace": pod.namespace,
            "kubernetes.io/meta/podName": pod.name,
        },
        "requestTime": _rfc3339_ns(meta_of(pod.obj).get("creationTimestamp")),
        "resource": dao_resources(pod.request, pods=1),
        "priority": str((pod.obj.get("spec") or {}).get("priority") or 0),
        "applicationId": pod.app_id,
        "placeholder": pod.placeholder,
        "taskGroupName": annotations.get(ANNOTATION_TASK_GROUP_NAME) or "",
        "originator": bool(originator) and pod.uid == originator,
    }


def allocation_dao(pod: PodView, originator: str = "") -> dict[str, Any]:
    out = _allocation_common(pod, originator)
    allocated = _bound_at(pod) or out["requestTime"]
    out["allocationTime"] = allocated
    if allocated is not None and out["requestTime"] is not None:
        out["allocationDelay"] = allocated - out["requestTime"]
    out["nodeId"] = pod.node
    return omit_empty(out, ("allocationKey",))


def ask_dao(pod: PodView, originator: str = "") -> dict[str, Any]:
    out = _allocation_common(pod, originator)
    out["schedulingAttempted"] = any(
        c.get("type") == "PodScheduled" for c in (pod.obj.get("status") or {}).get("conditions") or ()
    )
    return omit_empty(out, ("allocationKey",))


def _placeholder_data(pods: tuple[PodView, ...], status: AppStatus) -> list[dict[str, Any]]:
    originator = next((p for p in pods if p.uid == status.originator), None)
    text = (
        (meta_of(originator.obj).get("annotations") or {}).get(ANNOTATION_TASK_GROUPS) if originator else None
    )
    if not text or not status.placeholders_created:
        return []
    try:
        groups = parse_task_groups(text)
    except TaskGroupError:
        return []
    return [
        omit_empty(
            {"taskGroupName": g.name, "count": g.min_member, "minResource": dao_resources(g.min_resource)}, ()
        )
        for g in groups
    ]


def application_dao(app_id: str, status: AppStatus, view: SchedulerView) -> dict[str, Any]:
    pods = view.pods_of(app_id)
    bound = [p for p in pods if p.node]
    asked = [p for p in pods if not p.node]
    state = core_state(status, len(bound))
    terminated = state in COMPLETED_STATES or state in REJECTED_STATES
    running_since = next((t.at for t in status.history if t.to_state is AppState.RUNNING), None)
    out = {
        "applicationID": app_id,
        "usedResource": dao_resources(sum((p.request for p in bound), Resources()), pods=len(bound)),
        "pendingResource": dao_resources(sum((p.request for p in asked), Resources()), pods=len(asked)),
        "partition": PARTITION,
        "queueName": status.queue or "",
        "submissionTime": _ns(status.submitted_at),
        "finishedTime": _ns(status.state_since) if terminated else None,
        "requests": [ask_dao(p, status.originator) for p in asked],
        "allocations": [allocation_dao(p, status.originator) for p in bound],
        "applicationState": state,
        "user": status.user,
        "rejectedMessage": status.message if status.state is AppState.REJECTED else "",
        "stateLog": [
            {"time": _ns(t.at), "applicationState": core_state_name(t.to_state, bool(bound))}
            for t in status.history
        ],
        "placeholderData": _placeholder_data(pods, status),
        "startTime": int(running_since * 1000) if running_since is not None else None,
    }
    return omit_empty(out, ("applicationID", "partition", "queueName"))


# --- nodes ----------------------------------------------------------------------------------------------


def node_dao(node: Mapping[str, Any], view: SchedulerView) -> dict[str, Any]:
    name = str(meta_of(node).get("name") or "")
    capacity = node_capacity(node)
    ours = view.pods_on(name)
    foreign = [p for p in view.other_pods if (p.get("spec") or {}).get("nodeName") == name]
    allocated = sum((p.request for p in ours), Resources())
    occupied = sum((Resources(pod_requests(p.get("spec") or {})) for p in foreign), Resources())
    available = capacity - allocated - occupied
    labels = dict(meta_of(node).get("labels") or {})
    cap = dao_resources(capacity)
    alloc = dao_resources(allocated, pods=len(ours))
    out = {
        "nodeID": name,
        "hostName": name,
        "attributes": labels,
        "capacity": cap,
        "allocated": alloc,
        "occupied": dao_resources(occupied, pods=len(foreign)),
        "available": dao_resources(available, pods=-(len(ours) + len(foreign))),
        "utilized": _percent(alloc, cap),
        "allocations": [allocation_dao(p, _originator(view, p.app_id)) for p in ours],
        "foreignAllocations": [
            omit_empty(
                {
                    "allocationKey": str(meta_of(p).get("uid") or ""),
                    "allocationTime": _rfc3339_ns(meta_of(p).get("creationTimestamp")),
                    "resource": dao_resources(Resources(pod_requests(p.get("spec") or {})), pods=1),
                    "priority": str((p.get("spec") or {}).get("priority") or 0),
                    "nodeId": name,
                },
                ("allocationKey",),
            )
            for p in foreign
        ],
        "schedulable": not bool((node.get("spec") or {}).get("unschedulable")),
        "isReserved": False,
    }
    return omit_empty(out, ("nodeID", "schedulable", "isReserved"))


def _originator(view: SchedulerView, app_id: str) -> str:
    status = view.apps.get(app_id)
    return status.originator if status is not None else ""
