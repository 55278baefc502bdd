"""Kubernetes v1 Events: why something happened, attached to the object it happened to.

Repeats are aggregated as Kubernetes' event correlator does: the same (object, type, reason, message,
source) within ten minutes of the last occurrence increments `count` and `lastTimestamp` of the existing
Event instead of creating another.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sparkfleet.api.timefmt import format_rfc3339, parse_rfc3339
from sparkfleet.api.wire import EventType
from sparkfleet.cluster.errors import AlreadyExists, Conflict, Invalid, NotFound
from sparkfleet.cluster.kinds import lookup
from sparkfleet.cluster.port import Cluster, Obj
from sparkfleet.cluster.selectors import FieldOperator, FieldRequirement, FieldSelector

__all__ = ["AGGREGATION_WINDOW", "EventType", "event_order", "events_for", "record_event"]

AGGREGATION_WINDOW = timedelta(minutes=10)
# Cluster-scoped objects (nodes, node claims) have their events in "default", as the kubelet does.
_CLUSTER_EVENTS_NAMESPACE = "default"
_MAX_NAME_PREFIX = 253 - 17  # room for "." and 16 hex digits
_RETRIES = 8
_NEVER = datetime.min.replace(tzinfo=UTC)


def _reference(involved: Obj) -> dict[str, Any]:
    metadata = involved.get("metadata") or {}
    ref: dict[str, Any] = {"kind": involved.get("kind"), "name": metadata.get("name")}
    if metadata.get("namespace"):
        ref["namespace"] = metadata["namespace"]
    for field in ("uid", "resourceVersion"):
        if metadata.get(field):
            ref[field] = metadata[field]
    if involved.get("apiVersion"):
        ref["apiVersion"] = involved["apiVersion"]
    return ref


def _selector(
    kind: str, namespace: str, name: str, uid: str | None = None, reason: str | None = None
) -> FieldSelector:
    terms = [
        FieldRequirement("involvedObject.name", FieldOperator.EQUALS, name),
        FieldRequirement("involvedObject.kind", FieldOperator.EQUALS, kind),
        FieldRequirement("involvedObject.namespace", FieldOperator.EQUALS, namespace),
    ]
    if uid:
        terms.append(FieldRequirement("involvedObject.uid", FieldOperator.EQUALS, uid))
    if reason is not None:
        terms.append(FieldRequirement("reason", FieldOperator.EQUALS, reason))
    return FieldSelector(tuple(terms))


def _same_series(event: Obj, type_: str, message: str, component: str, now: datetime) -> bool:
    if event.get("type") != type_ or event.get("message") != message:
        return False
    if (event.get("source") or {}).get("component") != component:
        return False
    last = event.get("lastTimestamp") or event.get("firstTimestamp")
    return isinstance(last, str) and now - parse_rfc3339(last) <= AGGREGATION_WINDOW


def record_event(
    cluster: Cluster,
    involved: Obj,
    type: EventType | str,
    reason: str,
    message: str,
    now: datetime,
    source_component: str,
) -> Obj:
    """Record that `reason`/`message` happened to `involved` at `now`; returns the stored Event."""
    try:
        event_type = EventType(type)
    except ValueError:
        raise Invalid(f'Event type "{type}" must be Normal or Warning', kind="Event") from None
    ref = _reference(involved)
    if not ref["kind"] or not ref["name"]:
        raise Invalid("the involved object needs a kind and metadata.name", kind="Event")
    namespace = ref.get("namespace") or _CLUSTER_EVENTS_NAMESPACE
    stamp = format_rfc3339(now)
    # One series, one name: a repeat is found with a single get instead of a search through every event
    # of the namespace, so recording stays O(1) however many events the cluster holds.
    series_key = "\x1f".join(
        (ref["kind"], ref.get("uid") or ref["name"], event_type.value, reason, message, source_component)
    )
    name = f"{ref['name'][:_MAX_NAME_PREFIX]}.{hashlib.sha256(series_key.encode()).hexdigest()[:16]}"
    fresh: Obj = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": namespace},
        "involvedObject": ref,
        "reason": reason,
        "message": message,
        "type": event_type.value,
        "count": 1,
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "source": {"component": source_component},
        "reportingComponent": source_component,
    }
    for _ in range(_RETRIES):
        # Create first: most series are new (a pod is scheduled once), so one request records them over HTTP.
        try:
            return cluster.create(fresh)
        except AlreadyExists:
            pass  # a repeat: count it
        try:
            current = cluster.get("Event", namespace, name)
        except NotFound:
            continue  # deleted meanwhile (expired): start it again
        precondition = {"resourceVersion": current["metadata"]["resourceVersion"]}
        try:
            if _same_series(current, event_type.value, message, source_component, now):
                patch = {"metadata": precondition, "count": int(current.get("count") or 1) + 1}
                return cluster.patch("Event", namespace, name, {**patch, "lastTimestamp": stamp})
            # The series went quiet for longer than the window: keep it under a name of its own (as the
            # event recorder names events, <object>.<hex nanoseconds>) and start the series again.
            restarted = cluster.update({**fresh, "metadata": {**fresh["metadata"], **precondition}})
            _archive(cluster, current)
            return restarted
        except (Conflict, NotFound):
            continue
    raise Conflict(f'events "{name}": too many concurrent writers', kind="events")


def _archive(cluster: Cluster, event: Obj) -> None:
    first = parse_rfc3339(event.get("firstTimestamp") or event["metadata"]["creationTimestamp"])
    nanos = int(first.timestamp()) * 1_000_000_000 + first.microsecond * 1000
    base = event["metadata"]["name"].rsplit(".", 1)[0]
    meta = {"name": "", "namespace": event["metadata"]["namespace"]}
    body = {k: v for k, v in event.items() if k != "metadata"}
    for offset in range(_RETRIES):
        meta["name"] = f"{base}.{nanos + offset:x}"
        try:
            cluster.create({**body, "metadata": meta})
            return
        except AlreadyExists:
            continue


def event_order(event: Obj) -> tuple[datetime, int]:
    """Oldest first: by when an event last happened, then, within the same second (timestamps have no
    finer grain), in the order the store recorded them."""
    meta = event.get("metadata") or {}
    stamp = (
        event.get("lastTimestamp")
        or event.get("eventTime")
        or event.get("firstTimestamp")
        or meta.get("creationTimestamp")
    )
    when = parse_rfc3339(stamp) if isinstance(stamp, str) and stamp else _NEVER
    version = str(meta.get("resourceVersion") or "")
    return when, int(version) if version.isdigit() else 0


def events_for(
    cluster: Cluster, kind: str, namespace: str | None, name: str, uid: str | None = None
) -> list[Obj]:
    """Events about the object `kind`/`namespace`/`name`, oldest first: those of the incarnation `uid`
    only when given (as kubectl describe shows them), else of any object that had the name."""
    info = lookup(kind)
    object_namespace = (namespace or "default") if info.namespaced else ""
    events_namespace = object_namespace or _CLUSTER_EVENTS_NAMESPACE
    items = cluster.list(
        "Event", events_namespace, field_selector=_selector(info.kind, object_namespace, name, uid)
    ).items
    return sorted(items, key=event_order)
