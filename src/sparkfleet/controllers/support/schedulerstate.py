"""The scheduler's persisted state: the ConfigMap `yunikorn/yunikorn-state`, its format, read and write.

The scheduler writes it after a cycle that changed something, so that a restarted scheduler resumes its
gang timeouts and another process (the command line) can show queues and applications without running
the scheduler. Its `data` holds three keys, each a text:

- `apps.json`: a JSON object, application id -> status:
  `{"state": "Running", "submittedAt": 1767603600.0, "stateSince": ..., "queue": "root.test" | null,
  "user": "nobody", "firstPlaceholderAt": 1767603601.0 | null, "placeholdersCreated": true,
  "originator": "<driver pod uid>", "message": "", "history": [{"from": "New", "to": "Accepted",
  "at": ..., "reason": "...", "message": "..."}, ...]}`; times are seconds since the epoch.
- `queues.json`: a JSON list of queue figures, one per queue, in the scheduler's order:
  `{"path": "root.test", "leaf": true, "dynamic": false, "guaranteed": {...}, "max": {...},
  "allocated": {...}, "pending": {...}, "runningApps": 1, "maxApps": 0, "apps": ["app-id", ...]}`;
  resources map Kubernetes resource names to integer amounts (cpu in millicores, memory in bytes).
- `queues.yaml` (absent until one was applied): the last valid queues.yaml, verbatim; a restart with an
  invalid queues ConfigMap falls back to it.

Version: this is format 1, the only one; it has no version key. A reader ignores keys it does not know and
fills missing optional fields with their defaults, so a later format may add keys (and must add a
`version` key before it changes the meaning of an existing one). JSON texts are written with sorted keys
so that equal states give equal data and an unchanged state is not written again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sparkfleet.api.wire import LABEL_MANAGED_BY
from sparkfleet.cluster import AlreadyExists, Cluster, NotFound, Obj
from sparkfleet.engine.scheduling import AppState, AppStatus, AppTransition, QueueReport, Resources

__all__ = [
    "NAMESPACE",
    "STATE_APPS",
    "STATE_CONFIG",
    "STATE_CONFIGMAP",
    "STATE_QUEUES",
    "SchedulerState",
    "decode_state",
    "encode_state",
    "read_state",
    "write_state",
]

log = logging.getLogger("sparkfleet.controllers.scheduler")

NAMESPACE = "yunikorn"
"""Where the queues ConfigMap is read and the state ConfigMap is written."""
STATE_CONFIGMAP = "yunikorn-state"
STATE_APPS = "apps.json"
STATE_QUEUES = "queues.json"
STATE_CONFIG = "queues.yaml"


@dataclass(frozen=True, slots=True)
class SchedulerState:
    """What the scheduler keeps in `yunikorn-state`: application statuses, queue figures, the config."""

    apps: Mapping[str, AppStatus]
    queues: tuple[QueueReport, ...] = ()
    config: str | None = None


def _transition_json(t: AppTransition) -> dict[str, Any]:
    return {
        "from": t.from_state.value,
        "to": t.to_state.value,
        "at": t.at,
        "reason": t.reason,
        "message": t.message,
    }


def _status_json(s: AppStatus) -> dict[str, Any]:
    return {
        "state": s.state.value,
        "submittedAt": s.submitted_at,
        "stateSince": s.state_since,
        "queue": s.queue,
        "user": s.user,
        "firstPlaceholderAt": s.first_placeholder_at,
        "placeholdersCreated": s.placeholders_created,
        "originator": s.originator,
        "message": s.message,
        "history": [_transition_json(t) for t in s.history],
    }


def _report_json(q: QueueReport) -> dict[str, Any]:
    return {
        "path": q.path,
        "leaf": q.leaf,
        "dynamic": q.dynamic,
        "guaranteed": q.guaranteed.as_dict(),
        "max": q.max.as_dict(),
        "allocated": q.allocated.as_dict(),
        "pending": q.pending.as_dict(),
        "runningApps": q.running_apps,
        "maxApps": q.max_apps,
        "apps": list(q.apps),
    }


def encode_state(state: SchedulerState) -> dict[str, str]:
    """The state as ConfigMap data (JSON texts, keys sorted so that equal states compare equal)."""
    data = {
        STATE_APPS: json.dumps(
            {app_id: _status_json(s) for app_id, s in sorted(state.apps.items())}, sort_keys=True
        ),
        STATE_QUEUES: json.dumps([_report_json(q) for q in state.queues], sort_keys=True),
    }
    if state.config is not None:
        data[STATE_CONFIG] = state.config
    return data


def _decode_status(app_id: str, raw: Mapping[str, Any]) -> AppStatus:
    history = tuple(
        AppTransition(
            app_id,
            AppState(t["from"]),
            AppState(t["to"]),
            float(t["at"]),
            str(t.get("reason") or ""),
            str(t.get("message") or ""),
        )
        for t in raw.get("history") or ()
    )
    first = raw.get("firstPlaceholderAt")
    return AppStatus(
        app_id=app_id,
        state=AppState(raw["state"]),
        submitted_at=float(raw["submittedAt"]),
        state_since=float(raw["stateSince"]),
        queue=raw.get("queue"),
        user=str(raw.get("user") or "nobody"),
        first_placeholder_at=None if first is None else float(first),
        placeholders_created=bool(raw.get("placeholdersCreated")),
        originator=str(raw.get("originator") or ""),
        message=str(raw.get("message") or ""),
        history=history,
    )


def _decode_report(raw: Mapping[str, Any]) -> QueueReport:
    return QueueReport(
        path=str(raw["path"]),
        leaf=bool(raw.get("leaf")),
        dynamic=bool(raw.get("dynamic")),
        guaranteed=Resources(raw.get("guaranteed") or {}),
        max=Resources(raw.get("max") or {}),
        allocated=Resources(raw.get("allocated") or {}),
        pending=Resources(raw.get("pending") or {}),
        running_apps=int(raw.get("runningApps") or 0),
        max_apps=int(raw.get("maxApps") or 0),
        apps=tuple(str(a) for a in raw.get("apps") or ()),
    )


def decode_state(data: Mapping[str, str]) -> SchedulerState:
    """The state from ConfigMap data; ValueError (or KeyError/TypeError) when it is not ours."""
    apps_raw = json.loads(data.get(STATE_APPS) or "{}")
    queues_raw = json.loads(data.get(STATE_QUEUES) or "[]")
    if not isinstance(apps_raw, dict) or not isinstance(queues_raw, list):
        raise ValueError(f"{STATE_CONFIGMAP}: {STATE_APPS} must hold an object and {STATE_QUEUES} a list")
    return SchedulerState(
        apps={str(k): _decode_status(str(k), v) for k, v in apps_raw.items()},
        queues=tuple(_decode_report(q) for q in queues_raw),
        config=data.get(STATE_CONFIG),
    )


def read_state(cluster: Cluster, namespace: str = NAMESPACE) -> SchedulerState | None:
    """The state the scheduler last wrote; None when it has not run yet (or the ConfigMap is unreadable)."""
    try:
        obj = cluster.get("ConfigMap", namespace, STATE_CONFIGMAP)
    except NotFound:
        return None
    try:
        return decode_state(obj.get("data") or {})
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("%s/%s cannot be read: %s", namespace, STATE_CONFIGMAP, exc)
        return None


def write_state(cluster: Cluster, data: Mapping[str, str], namespace: str, managed_by: str) -> None:
    """Replace the ConfigMap's data with `data` (from `encode_state`), creating it the first time."""
    # Every key of ours is named, so a key the new data lacks (queues.yaml) is removed by the merge patch.
    patch_data: dict[str, str | None] = {STATE_APPS: None, STATE_QUEUES: None, STATE_CONFIG: None}
    patch_data.update(data)
    try:
        cluster.patch("ConfigMap", namespace, STATE_CONFIGMAP, {"data": patch_data})
        return
    except NotFound:
        pass
    body: Obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": STATE_CONFIGMAP,
            "namespace": namespace,
            "labels": {LABEL_MANAGED_BY: managed_by},
        },
        "data": dict(data),
    }
    try:
        cluster.create(body)
    except AlreadyExists:
        cluster.patch("ConfigMap", namespace, STATE_CONFIGMAP, {"data": patch_data})
