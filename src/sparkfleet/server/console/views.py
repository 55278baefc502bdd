"""What each console page shows, read from the cluster: plain rows for the templates.

Everything is read in one pass per page (blocking: run it off the event loop). Cost and timeline come
from the SparkApplication's annotations through `api.appinsight`; absent, they are "not yet known".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sparkfleet.api.appinsight import AppCost, Phase, cost_of, current_phase, timeline_of
from sparkfleet.api.podrequests import resource_amounts
from sparkfleet.api.timefmt import TimestampError, parse_rfc3339
from sparkfleet.api.wire import (
    ANNOTATION_PLANNED_CAPACITY_TYPE,
    ANNOTATION_PLANNED_INSTANCE_TYPE,
    ANNOTATION_PLANNED_ZONE,
    ANNOTATION_PRICE_PER_HOUR,
    ANNOTATION_TASK_GROUP_NAME,
    ANNOTATION_UNAVAILABLE_OFFERINGS,
    LABEL_APP_NAME,
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_TYPE,
    LABEL_NODEPOOL,
    LABEL_QUEUE,
    LABEL_QUEUE_PREFIXED,
    LABEL_SPARK_ROLE,
    LABEL_ZONE,
    spark_ui_proxy_path,
)
from sparkfleet.cluster import Cluster, Obj
from sparkfleet.engine.scheduling import QueueReport, Resources, format_resources
from sparkfleet.server.yunikornrest import PodView, SchedulerView, pod_view

__all__ = [
    "AppRow",
    "ClaimRow",
    "EventRow",
    "NodeRow",
    "QueueRow",
    "applications",
    "events",
    "node_claims",
    "nodes",
    "queues",
]

_MAX_EVENTS = 200


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _labels(obj: Mapping[str, Any]) -> Mapping[str, str]:
    return _meta(obj).get("labels") or {}


def _annotations(obj: Mapping[str, Any]) -> Mapping[str, str]:
    return _meta(obj).get("annotations") or {}


def _time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return parse_rfc3339(text)
    except TimestampError:
        return None


def _price(obj: Mapping[str, Any]) -> float | None:
    try:
        return float(_annotations(obj)[ANNOTATION_PRICE_PER_HOUR])
    except (KeyError, ValueError):
        return None


# --- queues ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueRow:
    path: str
    depth: int
    name: str
    leaf: bool
    guaranteed: str
    max: str
    used: str
    pending: str
    running: str
    apps: tuple[str, ...]


def _res(res: Resources) -> str:
    return format_resources(res, yunikorn=True) if res else "-"


def _queue_row(q: QueueReport) -> QueueRow:
    return QueueRow(
        path=q.path,
        depth=q.path.count("."),
        name=q.path.rsplit(".", 1)[-1],
        leaf=q.leaf,
        guaranteed=_res(q.guaranteed),
        max=_res(q.max),
        used=_res(q.allocated),
        pending=_res(q.pending),
        running=f"{q.running_apps}/{q.max_apps}" if q.max_apps else str(q.running_apps),
        apps=q.apps,
    )


def queues(view: SchedulerView) -> list[QueueRow]:
    return [_queue_row(q) for q in view.queues]


# --- applications ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AppRow:
    namespace: str
    name: str
    state: str
    app_id: str
    queue: str
    scheduler_state: str
    submitted: datetime | None
    gang: str
    executors: str
    nodes: tuple[str, ...]
    pods: tuple[tuple[str, str, str, str], ...]
    """(name, role, phase, node) of each live pod of the application."""
    cost: AppCost | None
    timeline: tuple[Phase, ...] | None
    blocker: Phase | None
    spark_ui: str | None
    history: str | None
    message: str


def _app_pods(app: Obj, pods: Sequence[PodView]) -> tuple[str, list[PodView]]:
    """The scheduler's application id of a SparkApplication, and its pods (ended ones included)."""
    meta = _meta(app)
    ns, name = meta.get("namespace"), meta.get("name")
    spark_id = (app.get("status") or {}).get("sparkApplicationId")
    mine = [
        p
        for p in pods
        if p.namespace == ns
        and (_labels(p.obj).get(LABEL_APP_NAME) == name or (spark_id and p.app_id == spark_id))
    ]
    app_id = next((p.app_id for p in mine if not p.placeholder), None) or spark_id or ""
    mine += [p for p in pods if p.app_id == app_id and p.namespace == ns and p not in mine]
    return app_id, mine


def _live(pod: PodView) -> bool:
    return (pod.obj.get("status") or {}).get("phase") not in ("Succeeded", "Failed")


def _gang(every: Sequence[PodView]) -> str:
    """Gang progress over the live pods; an ended gang is still said to have been one."""
    gang = [p for p in every if p.placeholder or _annotations(p.obj).get(ANNOTATION_TASK_GROUP_NAME)]
    if not gang:
        return "not gang scheduled"
    pods = [p for p in gang if _live(p)]
    if not pods:
        return f"gang of {len(gang)} members, ended"
    placeholders = [p for p in pods if p.placeholder]
    members = [p for p in pods if not p.placeholder]
    bound_ph = sum(1 for p in placeholders if p.node)
    bound = sum(1 for p in members if p.node)
    return f"placeholders {bound_ph}/{len(placeholders)} bound, members {bound}/{len(members)} bound"


def _executors(app: Obj) -> str:
    status = app.get("status") or {}
    running = sum(1 for s in (status.get("executorState") or {}).values() if s == "RUNNING")
    wanted = ((app.get("spec") or {}).get("executor") or {}).get("instances") or 1
    return f"{running} of {wanted} running"


def applications(cluster: Cluster, view: SchedulerView, history_server: str) -> list[AppRow]:
    rows: list[AppRow] = []
    every_pod = [pod_view(p) for p in cluster.list("Pod").items]
    for app in cluster.list("SparkApplication").items:
        meta = _meta(app)
        status = app.get("status") or {}
        app_id, pods = _app_pods(app, every_pod)
        sched = view.apps.get(app_id)
        options = (app.get("spec") or {}).get("batchSchedulerOptions") or {}
        labels = _labels(app)
        queue = (
            (sched.queue if sched else None)
            or options.get("queue")
            or labels.get(LABEL_QUEUE_PREFIXED)
            or labels.get(LABEL_QUEUE)
            or ""
        )
        timeline = timeline_of(app)
        spark_id = status.get("sparkApplicationId")
        rows.append(
            AppRow(
                namespace=str(meta.get("namespace") or ""),
                name=str(meta.get("name") or ""),
                state=str((status.get("applicationState") or {}).get("state") or "NEW"),
                app_id=app_id,
                queue=queue,
                scheduler_state=sched.state.value if sched else "",
                submitted=_time(meta.get("creationTimestamp")),
                gang=_gang(pods),
                executors=_executors(app),
                nodes=tuple(sorted({p.node for p in pods if p.node})),
                pods=tuple(
                    (
                        p.name,
                        "placeholder" if p.placeholder else str(_labels(p.obj).get(LABEL_SPARK_ROLE) or "-"),
                        str((p.obj.get("status") or {}).get("phase") or "Pending"),
                        p.node or "",
                    )
                    for p in sorted(pods, key=lambda p: (p.placeholder, p.name))
                ),
                cost=cost_of(app),
                timeline=timeline,
                blocker=current_phase(timeline) if timeline else None,
                spark_ui=spark_ui_proxy_path(app),
                history=f"{history_server}/history/{spark_id}/" if spark_id else None,
                message=str((status.get("applicationState") or {}).get("errorMessage") or ""),
            )
        )
    rows.sort(key=lambda r: (r.submitted is None, -(r.submitted.timestamp() if r.submitted else 0), r.name))
    return rows


# --- nodes and claims -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NodeRow:
    name: str
    pool: str
    instance_type: str
    capacity_type: str
    zone: str
    price: float | None
    ready: bool
    allocatable: str
    pods: tuple[str, ...]


def _ready(node: Mapping[str, Any]) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (node.get("status") or {}).get("conditions") or ()
    )


def nodes(cluster: Cluster, view: SchedulerView) -> list[NodeRow]:
    on_node: dict[str, list[str]] = {}
    for pod in cluster.list("Pod").items:
        node = (pod.get("spec") or {}).get("nodeName")
        if node and (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
            on_node.setdefault(node, []).append(f"{_meta(pod).get('namespace')}/{_meta(pod).get('name')}")
    rows = []
    for node in view.nodes:
        labels = _labels(node)
        name = str(_meta(node).get("name") or "")
        allocatable = Resources(resource_amounts((node.get("status") or {}).get("allocatable") or {}))
        rows.append(
            NodeRow(
                name=name,
                pool=labels.get(LABEL_NODEPOOL, ""),
                instance_type=labels.get(LABEL_INSTANCE_TYPE, ""),
                capacity_type=labels.get(LABEL_CAPACITY_TYPE, ""),
                zone=labels.get(LABEL_ZONE, ""),
                price=_price(node),
                ready=_ready(node),
                allocatable=format_resources(allocatable) if allocatable else "-",
                pods=tuple(sorted(on_node.get(name, ()))),
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class ClaimRow:
    name: str
    pool: str
    instance_type: str
    capacity_type: str
    zone: str
    price: float | None
    node: str
    conditions: tuple[tuple[str, str, str], ...]
    """(type, status, reason) of each condition."""
    fallbacks: tuple[str, ...]
    """The offerings EC2 had no capacity for, and a planned offering the launch did not get."""
    created: datetime | None
    events: tuple[str, ...] = field(default=())


def _fallbacks(claim: Obj) -> list[str]:
    annotations, labels = _annotations(claim), _labels(claim)
    found = [
        f"{offering} had no capacity"
        for offering in (annotations.get(ANNOTATION_UNAVAILABLE_OFFERINGS) or "").split(",")
        if offering.strip()
    ]
    planned = (
        annotations.get(ANNOTATION_PLANNED_INSTANCE_TYPE),
        annotations.get(ANNOTATION_PLANNED_ZONE),
        annotations.get(ANNOTATION_PLANNED_CAPACITY_TYPE),
    )
    launched = (labels.get(LABEL_INSTANCE_TYPE), labels.get(LABEL_ZONE), labels.get(LABEL_CAPACITY_TYPE))
    if all(planned) and all(launched) and planned != launched:
        found.append(f"planned {'/'.join(map(str, planned))}, launched {'/'.join(map(str, launched))}")
    return found


def node_claims(cluster: Cluster) -> list[ClaimRow]:
    claim_events: dict[str, list[tuple[float, str]]] = {}
    for event in cluster.list("Event").items:
        involved = event.get("involvedObject") or {}
        if involved.get("kind") == "NodeClaim":
            at = _event_time(event)
            claim_events.setdefault(str(involved.get("name")), []).append(
                (at.timestamp() if at else 0.0, f"{event.get('reason') or ''}: {event.get('message') or ''}")
            )
    rows = []
    for claim in cluster.list("NodeClaim").items:
        labels, annotations = _labels(claim), _annotations(claim)
        name = str(_meta(claim).get("name") or "")
        status = claim.get("status") or {}
        rows.append(
            ClaimRow(
                name=name,
                pool=labels.get(LABEL_NODEPOOL, ""),
                instance_type=labels.get(LABEL_INSTANCE_TYPE)
                or annotations.get(ANNOTATION_PLANNED_INSTANCE_TYPE, ""),
                capacity_type=labels.get(LABEL_CAPACITY_TYPE)
                or annotations.get(ANNOTATION_PLANNED_CAPACITY_TYPE, ""),
                zone=labels.get(LABEL_ZONE) or annotations.get(ANNOTATION_PLANNED_ZONE, ""),
                price=_price(claim),
                node=str(status.get("nodeName") or ""),
                conditions=tuple(
                    (str(c.get("type")), str(c.get("status")), str(c.get("reason") or ""))
                    for c in status.get("conditions") or ()
                ),
                fallbacks=tuple(_fallbacks(claim)),
                created=_time(_meta(claim).get("creationTimestamp")),
                events=tuple(text for _, text in sorted(claim_events.get(name, ()), key=lambda e: e[0])),
            )
        )
    rows.sort(key=lambda r: (r.created is None, -(r.created.timestamp() if r.created else 0), r.name))
    return rows


# --- events ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventRow:
    at: datetime | None
    type: str
    reason: str
    object: str
    message: str
    count: int


def _event_time(event: Obj) -> datetime | None:
    for key in ("lastTimestamp", "eventTime", "firstTimestamp"):
        found = _time(event.get(key))
        if found is not None:
            return found
    return _time(_meta(event).get("creationTimestamp"))


def events(cluster: Cluster) -> list[EventRow]:
    rows = []
    for event in cluster.list("Event").items:
        involved = event.get("involvedObject") or {}
        where = f"{involved.get('namespace')}/" if involved.get("namespace") else ""
        rows.append(
            EventRow(
                at=_event_time(event),
                type=str(event.get("type") or "Normal"),
                reason=str(event.get("reason") or ""),
                object=f"{involved.get('kind')} {where}{involved.get('name')}",
                message=str(event.get("message") or ""),
                count=int(event.get("count") or 1),
            )
        )
    rows.sort(key=lambda r: r.at.timestamp() if r.at else 0.0, reverse=True)
    return rows[:_MAX_EVENTS]
