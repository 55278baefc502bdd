"""The ScheduledSparkApplication controller: start runs on the cron schedule, keep the run history.

One reconcile: get the schedule and its runs (SparkApplications labelled
`sparkoperator.k8s.io/scheduled-app-name=<name>`), `engine.lifecycle.decide_schedule`, then delete the
runs it names, create the new run (owned by the schedule, so deleting the schedule deletes its runs),
write the status and record the Events. It asks to be looked at again when the next run is due, and runs
changing state wake it too, so the history limits apply as soon as a run finishes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from pydantic import ValidationError

from sparkfleet.api.scheduledsparkapplication import ScheduledSparkApplication
from sparkfleet.api.sparkstatus import ApplicationStateType, ScheduledSparkApplicationStatus
from sparkfleet.api.timefmt import parse_optional_rfc3339
from sparkfleet.api.wire import LABEL_SCHEDULED_APP_NAME
from sparkfleet.clock import Clock
from sparkfleet.cluster import AlreadyExists, Cluster, Conflict, NotFound, Obj, WatchEvent, record_event
from sparkfleet.engine.lifecycle import Run, ScheduleConfig, ScheduleDecision, decide_schedule
from sparkfleet.reconcile import Result

__all__ = ["ScheduledSparkApplicationReconciler", "system_local_zone"]

log = logging.getLogger("sparkfleet.controllers.scheduledsparkapplication")

Key = tuple[str, str]
_MAX_CONFLICTS = 5
_STATES = {state.value: state for state in ApplicationStateType}


def system_local_zone() -> tzinfo:
    """The zone this machine runs in: $TZ, else /etc/localtime's zone name, else the current UTC offset."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    for name in candidates:
        if name:
            with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):
                return zoneinfo.ZoneInfo(name)
    return datetime.now().astimezone().tzinfo or UTC


def _meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _run(obj: Obj) -> Run:
    """A run as the schedule sees it, read straight from the stored object (no full parse needed)."""
    meta = _meta(obj)
    state_value = ((obj.get("status") or {}).get("applicationState") or {}).get("state", "")
    state = _STATES.get(state_value, ApplicationStateType.UNKNOWN)
    created = parse_optional_rfc3339(meta.get("creationTimestamp"), field="metadata.creationTimestamp")
    return Run(meta.get("name", ""), created, state)


class ScheduledSparkApplicationReconciler:
    """Reconciler (see sparkfleet.reconcile) for ScheduledSparkApplications, keyed by (namespace, name)."""

    name = "scheduledsparkapplication"

    def __init__(
        self,
        cluster: Cluster,
        clock: Clock,
        *,
        config: ScheduleConfig | None = None,
        component: str = "spark-operator",
    ) -> None:
        self.cluster = cluster
        self.clock = clock
        self.config = config or ScheduleConfig(local_zone=system_local_zone())
        self.component = component

    def watches(self) -> Sequence[str]:
        return ("ScheduledSparkApplication", "SparkApplication")

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        obj = event.object
        meta = _meta(obj)
        namespace = meta.get("namespace") or "default"
        if obj.get("kind") == "ScheduledSparkApplication":
            return [(namespace, meta.get("name", ""))]
        owner = (meta.get("labels") or {}).get(LABEL_SCHEDULED_APP_NAME)
        return [(namespace, owner)] if owner else []

    def reconcile(self, key: Key) -> Result:
        for attempt in range(_MAX_CONFLICTS):
            try:
                return self._once(key)
            except Conflict:
                if attempt == _MAX_CONFLICTS - 1:
                    raise
        return Result()

    def _once(self, key: Key) -> Result:
        namespace, name = key
        try:
            obj = self.cluster.get("ScheduledSparkApplication", namespace, name)
        except NotFound:
            return Result()
        try:
            sched = ScheduledSparkApplication.model_validate(obj)
        except ValidationError as exc:
            log.warning(
                "ScheduledSparkApplication %s/%s does not parse; skipping it: %s", namespace, name, exc
            )
            return Result()
        runs = self.cluster.list(
            "SparkApplication", namespace, label_selector={LABEL_SCHEDULED_APP_NAME: name}
        ).items
        now = self.clock.now()
        decision = decide_schedule(sched, [_run(r) for r in runs], now, self.config)
        for run in decision.delete:
            with contextlib.suppress(NotFound):
                self.cluster.delete("SparkApplication", namespace, run)
        if decision.create is not None:
            with contextlib.suppress(AlreadyExists):  # the same firing's run, created before a crash
                self.cluster.create(decision.create.to_dict())
        if decision.status_changed:
            obj = self._write_status(obj, decision)
        for event in decision.events:
            record_event(
                self.cluster, obj, event.type.value, event.reason, event.message, now, self.component
            )
        return Result(decision.requeue_after)

    def _write_status(self, obj: Obj, decision: ScheduleDecision) -> Obj:
        body = dict(obj)
        status: ScheduledSparkApplicationStatus = decision.status
        body["status"] = status.model_dump(mode="json", exclude_none=True)
        return self.cluster.update_status(body)
