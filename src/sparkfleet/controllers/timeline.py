"""The timeline controller: keeps each SparkApplication's `sparkfleet.io/timeline` annotation up to date.

One reconcile: read the application's facts (`read_facts`: its pods, the Events about them and about
NodeClaims, the NodeClaims, the scheduler's statuses), ask `engine.explain` where it is and why, and
advance the timeline by that observation. A new phase or reason is written at once; a message that only
changed (`2 of 5 placeholders bound` -> `3 of 5`) at most once per `message_seconds`. Each phase run that
a write ends is observed in `sparkfleet_application_phase_seconds`. A waiting application is looked at
again every `refresh_seconds` (its queue's figures change without an event of its own).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sparkfleet.api.appinsight import timeline_of
from sparkfleet.api.wire import ANNOTATION_TIMELINE, LABEL_APP_NAME, LABEL_APPLICATION_ID
from sparkfleet.clock import Clock
from sparkfleet.cluster import Cluster, ClusterError, NotFound, Obj, WatchEvent, WatchEventType
from sparkfleet.controllers.support import NAMESPACE, InsightMetrics, read_state
from sparkfleet.controllers.support.schedulerstate import STATE_CONFIGMAP
from sparkfleet.engine.explain import (
    WAITING_PHASES,
    AppFacts,
    TimelinePhase,
    TimelineUpdate,
    advance,
    facts_from_objects,
    format_timeline,
    observe,
)
from sparkfleet.engine.lifecycle import TERMINAL_STATES
from sparkfleet.engine.scheduling import AppStatus, app_id_of
from sparkfleet.reconcile import Result

__all__ = ["TimelineReconciler", "explain_now", "read_facts"]

log = logging.getLogger("sparkfleet.controllers.timeline")

Key = tuple[str, str]
MESSAGE_SECONDS = 10.0
REFRESH_SECONDS = 15.0
_TERMINAL = frozenset({TimelinePhase.COMPLETED.value, TimelinePhase.FAILED.value})


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _pod_app_id(pod: Obj, namespace: str) -> str:
    meta = _meta(pod)
    return app_id_of(meta.get("labels") or {}, meta.get("annotations") or {}, namespace)


def read_facts(cluster: Cluster, app: Obj, scheduler_apps: Mapping[str, AppStatus] | None = None) -> AppFacts:
    """The facts of one stored SparkApplication, read from `cluster` (`scheduler_apps`: the scheduler's
    statuses, read from its state when not given)."""
    meta = _meta(app)
    namespace = str(meta.get("namespace") or "default")
    name = str(meta.get("name") or "")
    pods = cluster.list("Pod", namespace, label_selector={LABEL_APP_NAME: name}).items
    # Placeholders carry the scheduler's application id, not the operator's labels.
    for app_id in {_pod_app_id(p, namespace) for p in pods}:
        pods += cluster.list("Pod", namespace, label_selector={LABEL_APPLICATION_ID: app_id}).items
    unique = {str(_meta(p).get("name")): p for p in pods}
    names = set(unique)
    pod_events = [
        e
        for e in cluster.list("Event", namespace, field_selector="involvedObject.kind=Pod").items
        if (e.get("involvedObject") or {}).get("name") in names
    ]
    claim_events = cluster.list("Event", None, field_selector="involvedObject.kind=NodeClaim").items
    claims = cluster.list("NodeClaim").items
    if scheduler_apps is None:
        state = read_state(cluster)
        scheduler_apps = state.apps if state is not None else {}
    return facts_from_objects(app, unique.values(), [*pod_events, *claim_events], claims, scheduler_apps)


def explain_now(cluster: Cluster, app: Obj, now: datetime) -> TimelineUpdate:
    """The application's timeline as kept, advanced by what its objects say at `now` (what the controller
    would write next)."""
    facts = read_facts(cluster, app)
    return advance(timeline_of(app) or (), observe(facts), facts.created, now)


class TimelineReconciler:
    name = "timeline"

    def __init__(
        self,
        cluster: Cluster,
        clock: Clock,
        *,
        metrics: InsightMetrics | None = None,
        message_seconds: float = MESSAGE_SECONDS,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self.cluster = cluster
        self.clock = clock
        self.metrics = metrics
        self.message_seconds = message_seconds
        self.refresh_seconds = refresh_seconds
        self._by_app_id: dict[tuple[str, str], Key] = {}
        self._by_pod: dict[tuple[str, str], Key] = {}
        self._open: set[Key] = set()
        self._capacity: set[Key] = set()
        self._written_at: dict[Key, datetime] = {}

    def watches(self) -> tuple[str, ...]:
        return ("SparkApplication", "Pod", "Event", "ConfigMap", "NodeClaim")

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        obj = event.object
        kind = obj.get("kind")
        meta = _meta(obj)
        namespace = str(meta.get("namespace") or "default")
        if kind == "SparkApplication":
            key = (namespace, str(meta.get("name") or ""))
            app_id = (obj.get("status") or {}).get("sparkApplicationId")
            if event.type == WatchEventType.DELETED:
                self._forget(key)
                return []
            if app_id:
                self._by_app_id[(namespace, str(app_id))] = key
            return [key]
        if kind == "Pod":
            return self._pod_keys(event, obj, meta, namespace)
        if kind == "Event":
            involved = obj.get("involvedObject") or {}
            if involved.get("kind") == "Pod":
                found = self._by_pod.get((namespace, str(involved.get("name") or "")))
                return [found] if found else []
            if involved.get("kind") in ("NodeClaim", "NodePool"):
                return list(self._capacity)
            return []
        if kind == "ConfigMap":
            if namespace == NAMESPACE and meta.get("name") == STATE_CONFIGMAP:
                return list(self._open)
            return []
        if kind == "NodeClaim":
            return list(self._capacity)
        return []

    def _pod_keys(self, event: WatchEvent, obj: Obj, meta: Mapping[str, Any], namespace: str) -> list[Key]:
        labels = meta.get("labels") or {}
        name = labels.get(LABEL_APP_NAME)
        app_id = app_id_of(labels, meta.get("annotations") or {}, namespace)
        key: Key | None = (namespace, str(name)) if name else None
        if key is None:
            key = self._by_app_id.get((namespace, app_id))
        elif event.type != WatchEventType.DELETED:
            self._by_app_id[(namespace, app_id)] = key  # its placeholders name only this id
        pod = (namespace, str(meta.get("name") or ""))
        if key is None:
            return []
        if event.type == WatchEventType.DELETED:
            self._by_pod.pop(pod, None)
        else:
            self._by_pod[pod] = key
        return [key]

    def _forget(self, key: Key) -> None:
        self._open.discard(key)
        self._capacity.discard(key)
        self._written_at.pop(key, None)
        self._by_app_id = {k: v for k, v in self._by_app_id.items() if v != key}
        self._by_pod = {k: v for k, v in self._by_pod.items() if v != key}

    def reconcile(self, key: Key) -> Result:
        namespace, name = key
        try:
            app = self.cluster.get("SparkApplication", namespace, name)
        except NotFound:
            self._forget(key)
            return Result()
        now = self.clock.now()
        app_id = (app.get("status") or {}).get("sparkApplicationId")
        if app_id:
            self._by_app_id[(namespace, str(app_id))] = key
        previous = timeline_of(app) or ()
        state = ((app.get("status") or {}).get("applicationState") or {}).get("state")
        if previous and previous[-1].phase in _TERMINAL and state in TERMINAL_STATES:
            # An ended run's timeline is final: a resync over a long history reads nothing more of it.
            self._track(key, previous[-1].phase)
            return Result()
        facts = read_facts(self.cluster, app)
        update = advance(previous, observe(facts), facts.created, now)
        current = update.current
        self._track(key, current.phase if current else "")
        text = format_timeline(update.entries)
        if text == (_meta(app).get("annotations") or {}).get(ANNOTATION_TIMELINE):
            return self._next(current.phase if current else "")
        same_step = (
            previous
            and current is not None
            and previous[-1].phase == current.phase
            and previous[-1].reason == current.reason
            and len(previous) == len(update.entries)
        )
        last = self._written_at.get(key)
        if same_step and last is not None and (now - last).total_seconds() < self.message_seconds:
            return Result(requeue_after=self.message_seconds - (now - last).total_seconds())
        try:
            self.cluster.patch(
                "SparkApplication",
                namespace,
                name,
                {"metadata": {"annotations": {ANNOTATION_TIMELINE: text}}},
            )
        except NotFound:
            self._forget(key)
            return Result()
        except ClusterError as exc:
            log.warning("timeline of %s/%s not written: %s", namespace, name, exc)
            return Result(requeue_after=self.refresh_seconds)
        self._written_at[key] = now
        if self.metrics is not None:
            for run in update.finished:
                self.metrics.observe_phase(run.phase, run.seconds)
        return self._next(current.phase if current else "")

    def _track(self, key: Key, phase: str) -> None:
        if phase in _TERMINAL:
            self._open.discard(key)
        else:
            self._open.add(key)
        if phase == TimelinePhase.WAITING_FOR_CAPACITY.value:
            self._capacity.add(key)
        else:
            self._capacity.discard(key)

    def _next(self, phase: str) -> Result:
        if phase in {p.value for p in WAITING_PHASES}:
            return Result(requeue_after=self.refresh_seconds)
        return Result()
