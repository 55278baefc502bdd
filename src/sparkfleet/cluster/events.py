"""Kubernetes v1 Events: why something happened, attached to the object it happened to.

Repeats are aggregated as Kubernetes' event correlator does: the same (object, type, reason, message,
source) within ten minutes of the last occurrence increments `count` and `lastTimestamp` of the existing
Event instead of creating another.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sparkfleet.clock import format_rfc3339, parse_rfc3339
from sparkfleet.cluster.errors import AlreadyExists, Conflict, Invalid, NotFound
from sparkfleet.cluster.kinds import lookup
from sparkfleet.cluster.port import Cluster, Obj
from sparkfleet.cluster.selectors import FieldOperator, FieldRequirement, FieldSelector

__all__ = ["AGGREGATION_WINDOW", "EventType", "events_for", "record_event"]

AGGREGATION_WINDOW = timedelta(minutes=10)
# Cluster-scoped objects (nodes, node claims) have their events in "default", as the kubelet does.
_CLUSTER_EVENTS_NAMESPACE = "default"
_MAX_NAME_PREFIX = 253 - 17  # room for "." and 16 hex digits
_RETRIES = 8


class EventType(StrEnum):
    NORMAL = "Normal"
    WARNING = "Warning"


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
    selector = _selector(ref["kind"], ref.get("namespace", ""), ref["name"], ref.get("uid"), reason)
    for _ in range(_RETRIES):
        series = [
            e
            for e in cluster.list("Event", namespace, field_selector=selector).items
            if _same_series(e, event_type.value, message, source_component, now)
        ]
        if not series:
            break
        latest = max(
            series, key=lambda e: (e.get("lastTimestamp") or "", int(e["metadata"]["resourceVersion"]))
        )
        try:
            return cluster.patch(
                "Event",
                namespace,
                latest["metadata"]["name"],
                {
                    "metadata": {"resourceVersion": latest["metadata"]["resourceVersion"]},
                    "count": int(latest.get("count") or 1) + 1,
                    "lastTimestamp": stamp,
                },
            )
        except (Conflict, NotFound):
            continue  # someone else counted or removed it meanwhile: look again

    # Named like the Kubernetes event recorder: <object>.<time in hex nanoseconds>, unique per instant.
    nanos = int(now.timestamp()) * 1_000_000_000 + now.microsecond * 1000
    for offset in range(_RETRIES * 8):
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": f"{ref['name'][:_MAX_NAME_PREFIX]}.{nanos + offset:x}",
                "namespace": namespace,
            },
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
        try:
            return cluster.create(event)
        except AlreadyExists:
            continue
    raise AlreadyExists(f'events "{ref["name"]}": no free event name at {stamp}', kind="events")


def events_for(cluster: Cluster, kind: str, namespace: str | None, name: str) -> list[Obj]:
    """Events about the object `kind`/`namespace`/`name` (any incarnation of it), oldest first."""
    info = lookup(kind)
    object_namespace = (namespace or "default") if info.namespaced else ""
    events_namespace = object_namespace or _CLUSTER_EVENTS_NAMESPACE
    items = cluster.list(
        "Event", events_namespace, field_selector=_selector(info.kind, object_namespace, name)
    ).items
    return sorted(
        items,
        key=lambda e: (
            e.get("lastTimestamp") or "",
            e.get("firstTimestamp") or "",
            int(e["metadata"]["resourceVersion"]),
        ),
    )
