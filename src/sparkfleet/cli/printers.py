"""How objects look in `get` tables: the columns users know from kubectl and the operator's CRD printers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sparkfleet.clock import parse_rfc3339

Obj = dict[str, Any]
Column = tuple[str, Callable[[Obj, datetime], str]]


def age(timestamp: str | None, now: datetime) -> str:
    """kubectl's short ages: 45s, 12m, 3h, 5d."""
    if not timestamp:
        return "<unknown>"
    seconds = int((now - parse_rfc3339(timestamp)).total_seconds())
    if seconds < 120:
        return f"{max(seconds, 0)}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def _get(obj: Obj, *path: str) -> Any:
    cur: Any = obj
    for part in path:
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def _text(value: Any) -> str:
    return "<none>" if value in (None, "") else str(value)


def _name(o: Obj, _: datetime) -> str:
    return str(o["metadata"]["name"])


def _age(o: Obj, now: datetime) -> str:
    return age(_get(o, "metadata", "creationTimestamp"), now)


def _app_state(o: Obj, _: datetime) -> str:
    state = _get(o, "status", "applicationState", "state")
    return state or "<none>"


def _pod_ready(o: Obj, _: datetime) -> str:
    statuses = _get(o, "status", "containerStatuses") or []
    total = len(_get(o, "spec", "containers") or [])
    return f"{sum(1 for s in statuses if s.get('ready'))}/{total}"


def _pod_status(o: Obj, _: datetime) -> str:
    reason = _get(o, "status", "reason")
    return str(reason or _get(o, "status", "phase") or "Pending")


def _node_status(o: Obj, _: datetime) -> str:
    conditions = _get(o, "status", "conditions") or []
    ready = next((c for c in conditions if c.get("type") == "Ready"), None)
    text = "Ready" if ready and ready.get("status") == "True" else "NotReady"
    if _get(o, "spec", "unschedulable"):
        text += ",SchedulingDisabled"
    return text


def _label(key: str) -> Callable[[Obj, datetime], str]:
    return lambda o, _: _text((_get(o, "metadata", "labels") or {}).get(key))


def _annotation(key: str) -> Callable[[Obj, datetime], str]:
    return lambda o, _: _text((_get(o, "metadata", "annotations") or {}).get(key))


def _field(*path: str) -> Callable[[Obj, datetime], str]:
    return lambda o, _: _text(_get(o, *path))


def _condition(kind: str) -> Callable[[Obj, datetime], str]:
    def read(o: Obj, _: datetime) -> str:
        for c in _get(o, "status", "conditions") or []:
            if c.get("type") == kind:
                return str(c.get("status", "Unknown"))
        return "Unknown"

    return read


COLUMNS: dict[str, list[Column]] = {
    "SparkApplication": [
        ("NAME", _name),
        ("STATUS", _app_state),
        ("ATTEMPTS", _field("status", "executionAttempts")),
        ("START", _field("status", "lastSubmissionAttemptTime")),
        ("FINISH", _field("status", "terminationTime")),
        ("AGE", _age),
    ],
    "ScheduledSparkApplication": [
        ("NAME", _name),
        ("SCHEDULE", _field("spec", "schedule")),
        ("SUSPEND", _field("spec", "suspend")),
        ("LAST RUN", _field("status", "lastRun")),
        ("LAST RUN NAME", _field("status", "lastRunName")),
        ("AGE", _age),
    ],
    "Pod": [
        ("NAME", _name),
        ("READY", _pod_ready),
        ("STATUS", _pod_status),
        ("NODE", _field("spec", "nodeName")),
        ("AGE", _age),
    ],
    "Node": [
        ("NAME", _name),
        ("STATUS", _node_status),
        ("INSTANCE-TYPE", _label("node.kubernetes.io/instance-type")),
        ("CAPACITY-TYPE", _label("karpenter.sh/capacity-type")),
        ("ZONE", _label("topology.kubernetes.io/zone")),
        ("NODEPOOL", _label("karpenter.sh/nodepool")),
        ("PRICE/H", _annotation("sparkfleet.io/price-per-hour")),
        ("AGE", _age),
    ],
    "NodeClaim": [
        ("NAME", _name),
        ("TYPE", _label("node.kubernetes.io/instance-type")),
        ("CAPACITY", _label("karpenter.sh/capacity-type")),
        ("ZONE", _label("topology.kubernetes.io/zone")),
        ("NODE", _field("status", "nodeName")),
        ("READY", _condition("Ready")),
        ("PRICE/H", _annotation("sparkfleet.io/price-per-hour")),
        ("AGE", _age),
    ],
    "NodePool": [
        ("NAME", _name),
        ("NODECLASS", _field("spec", "template", "spec", "nodeClassRef", "name")),
        ("WEIGHT", _field("spec", "weight")),
        ("AGE", _age),
    ],
    "Event": [
        ("LAST SEEN", lambda o, now: age(o.get("lastTimestamp"), now)),
        ("TYPE", _field("type")),
        ("REASON", _field("reason")),
        (
            "OBJECT",
            lambda o, _: f"{_get(o, 'involvedObject', 'kind')}/{_get(o, 'involvedObject', 'name')}".lower(),
        ),
        ("MESSAGE", _field("message")),
    ],
}
DEFAULT_COLUMNS: list[Column] = [("NAME", _name), ("AGE", _age)]


def columns_for(kind: str) -> list[Column]:
    return COLUMNS.get(kind, DEFAULT_COLUMNS)
