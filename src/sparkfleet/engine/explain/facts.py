"""The facts of one application, read from stored objects: the SparkApplication, its pods (driver,
executors, placeholders), the Events about them and about NodeClaims, the NodeClaims, and the scheduler's
application statuses (its `yunikorn-state`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sparkfleet.api.timefmt import TimestampError, parse_rfc3339
from sparkfleet.api.wire import (
    ANNOTATION_PLANNED_CAPACITY_TYPE,
    ANNOTATION_PLANNED_INSTANCE_TYPE,
    ANNOTATION_PLANNED_ZONE,
    CONDITION_POD_SCHEDULED,
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_TYPE,
    LABEL_NODEPOOL,
    LABEL_SPARK_ROLE,
    LABEL_ZONE,
    SparkRole,
)
from sparkfleet.engine.explain.model import AppFacts, ClaimFacts, EventFacts, PodFacts, QueueFacts
from sparkfleet.engine.scheduling import AppState, AppStatus, app_id_of, is_placeholder

__all__ = [
    "claim_facts",
    "event_facts",
    "expected_executors",
    "facts_from_objects",
    "pod_facts",
    "scheduler_app_id",
]

Obj = Mapping[str, Any]
# States of an application that has not started: a gang still reserving waits too.
_WAITING_STATES = frozenset({AppState.NEW, AppState.SUBMITTED, AppState.ACCEPTED, AppState.RESERVING})
_GANG_STATES = frozenset({AppState.RESERVING, AppState.RESUMING})


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_rfc3339(value)
    except TimestampError:
        return None


def _meta(obj: Obj) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def pod_facts(obj: Obj) -> PodFacts:
    status = obj.get("status") or {}
    condition: Mapping[str, Any] = next(
        (c for c in status.get("conditions") or [] if c.get("type") == CONDITION_POD_SCHEDULED), {}
    )
    waiting = condition.get("status") == "False"
    return PodFacts(
        name=str(_meta(obj).get("name") or ""),
        phase=str(status.get("phase") or "Pending"),
        node=(obj.get("spec") or {}).get("nodeName") or None,
        scheduled_reason=str(condition.get("reason") or "") if waiting else "",
        scheduled_message=str(condition.get("message") or "") if waiting else "",
        scheduled_since=_time(condition.get("lastTransitionTime")),
        started=_time(status.get("startTime")),
    )


def event_facts(obj: Obj) -> EventFacts:
    involved = obj.get("involvedObject") or {}
    return EventFacts(
        kind=str(involved.get("kind") or ""),
        name=str(involved.get("name") or ""),
        reason=str(obj.get("reason") or ""),
        message=str(obj.get("message") or ""),
        at=_time(obj.get("lastTimestamp")) or _time(obj.get("eventTime")) or _time(obj.get("firstTimestamp")),
    )


def claim_facts(obj: Obj) -> ClaimFacts:
    meta = _meta(obj)
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    conditions = {c.get("type"): c.get("status") for c in (obj.get("status") or {}).get("conditions") or []}
    return ClaimFacts(
        name=str(meta.get("name") or ""),
        node_pool=str(labels.get(LABEL_NODEPOOL) or ""),
        instance_type=str(
            labels.get(LABEL_INSTANCE_TYPE) or annotations.get(ANNOTATION_PLANNED_INSTANCE_TYPE) or ""
        ),
        capacity_type=str(
            labels.get(LABEL_CAPACITY_TYPE) or annotations.get(ANNOTATION_PLANNED_CAPACITY_TYPE) or ""
        ),
        zone=str(labels.get(LABEL_ZONE) or annotations.get(ANNOTATION_PLANNED_ZONE) or ""),
        launched=conditions.get("Launched") == "True",
        registered=conditions.get("Registered") == "True",
    )


def expected_executors(spec: Mapping[str, Any]) -> int:
    """The executors an application starts with, from its spec as Spark counts its initial target
    (SchedulerBackendUtils.getInitialTargetExecutorNumber): with dynamic allocation the largest of its
    minimum, initial and instances, else `executor.instances` (Spark's default 2)."""
    instances = (spec.get("executor") or {}).get("instances")
    dynamic = spec.get("dynamicAllocation") or {}
    if dynamic.get("enabled"):
        minimum = int(dynamic.get("minExecutors") or 0)
        initial = int(dynamic.get("initialExecutors") or minimum)
        return max(minimum, initial, int(instances or 0))
    return int(instances) if instances is not None else 2


def _epoch(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _queue_facts(app_id: str, apps: Mapping[str, AppStatus]) -> QueueFacts | None:
    status = apps.get(app_id)
    if status is None:
        return None
    ahead = sum(
        1
        for other in apps.values()
        if other.app_id != app_id
        and other.queue == status.queue
        and other.state in _WAITING_STATES
        and other.submitted_at < status.submitted_at
    )
    return QueueFacts(
        state=status.state.value,
        queue=status.queue,
        message=status.message,
        since=_epoch(status.state_since),
        ahead=ahead,
        gang=status.placeholders_created or status.state in _GANG_STATES,
    )


def scheduler_app_id(app: Obj, driver: Obj | None) -> str:
    """The id the scheduler knows the application by: its driver pod's (the shim reads `applicationId`
    and the like, which need not be the `spark-app-selector` the status records), else the status's."""
    if driver is not None:
        m = _meta(driver)
        namespace = str(m.get("namespace") or _meta(app).get("namespace") or "default")
        return app_id_of(m.get("labels") or {}, m.get("annotations") or {}, namespace)
    return str((app.get("status") or {}).get("sparkApplicationId") or "")


def facts_from_objects(
    app: Obj,
    pods: Iterable[Obj],
    events: Iterable[Obj] = (),
    claims: Iterable[Obj] = (),
    scheduler_apps: Mapping[str, AppStatus] | None = None,
) -> AppFacts:
    """The facts of `app` from its pods (driver and executors by their `spark-role`, placeholders by the
    YuniKorn keys), the Events about them and the NodeClaims, and the scheduler's statuses by id."""
    meta = _meta(app)
    status = app.get("status") or {}
    state = (status.get("applicationState") or {}).get("state") or ""
    transitions = status.get("transitions") or []
    state_since = _time(transitions[-1].get("time")) if transitions else None
    driver_name = (status.get("driverInfo") or {}).get("podName")
    drivers, executors, placeholders = [], [], []
    for obj in pods:
        m = _meta(obj)
        labels, annotations = m.get("labels") or {}, m.get("annotations") or {}
        if is_placeholder(labels, annotations):
            placeholders.append(pod_facts(obj))
        elif labels.get(LABEL_SPARK_ROLE) == SparkRole.DRIVER.value:
            drivers.append((m.get("name") != driver_name, str(m.get("creationTimestamp") or ""), obj))
        elif labels.get(LABEL_SPARK_ROLE) == SparkRole.EXECUTOR.value:
            executors.append(pod_facts(obj))
    # The driver the status names, else the newest (a retry replaces an ended one).
    drivers.sort(key=lambda d: d[1], reverse=True)
    drivers.sort(key=lambda d: d[0])
    driver = pod_facts(drivers[0][2]) if drivers else None
    app_id = scheduler_app_id(app, drivers[0][2] if drivers else None)
    return AppFacts(
        namespace=str(meta.get("namespace") or "default"),
        name=str(meta.get("name") or ""),
        created=_time(meta.get("creationTimestamp")),
        state=state,
        state_since=state_since or _time(status.get("terminationTime")),
        error=str((status.get("applicationState") or {}).get("errorMessage") or ""),
        expected_executors=expected_executors(app.get("spec") or {}),
        driver=driver,
        executors=tuple(sorted(executors, key=lambda p: p.name)),
        placeholders=tuple(sorted(placeholders, key=lambda p: p.name)),
        scheduler=_queue_facts(app_id, scheduler_apps or {}) if app_id else None,
        claims={c.name: c for c in (claim_facts(o) for o in claims)},
        events=tuple(
            sorted((event_facts(e) for e in events), key=lambda e: e.at.timestamp() if e.at else 0.0)
        ),
    )
