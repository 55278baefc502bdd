"""Applying one scheduling decision to the store, and the Events that say what was done.

Effects go in a fixed order, all in one transaction where the cluster has them: create placeholders,
bind (a replaced placeholder is deleted first), release placeholders, preempt, fail pods, explain pending
pods (PodScheduled=False and one Event, written only when the reason changes), record the engine's
events. Every effect is attempted; one that could not be applied makes the cycle ask for another look
soon.

Only a pending pod that more nodes would help is marked with reason `Unschedulable`: that is the
provisioner's cue, as Karpenter counts only such pods. Pods held by a queue limit, a gang reservation or
their application get a reason of their own, so no node is launched for them.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.api.wire import CONDITION_POD_SCHEDULED, REASON_UNSCHEDULABLE
from sparkfleet.cluster import (
    AlreadyExists,
    Cluster,
    ClusterError,
    Conflict,
    NotFound,
    Obj,
    Transactions,
    one_transaction,
    record_event,
)
from sparkfleet.controllers.scheduler.records import meta
from sparkfleet.engine.scheduling import (
    Bind,
    EventType,
    PendingKind,
    PodRef,
    SchedulingDecision,
    Unschedulable,
)

__all__ = ["EventSink", "apply_decision"]

log = logging.getLogger("sparkfleet.controllers.scheduler")

BINDS_IN_FLIGHT = 8
"""Binds sent at once where each is a round trip to the API server (no transactions to batch them)."""


@dataclass(frozen=True, slots=True)
class _Waiting:
    condition_reason: str
    event_type: EventType
    event_reason: str


_WAITING = {
    # Only this reason makes a provisioner launch nodes.
    PendingKind.CAPACITY: _Waiting(REASON_UNSCHEDULABLE, EventType.WARNING, "FailedScheduling"),
    PendingKind.QUEUE_LIMIT: _Waiting("QueueLimit", EventType.WARNING, "QueueLimit"),
    PendingKind.GANG: _Waiting("GangReservation", EventType.NORMAL, "GangReservation"),
    PendingKind.APPLICATION: _Waiting(
        "ApplicationNotSchedulable", EventType.WARNING, "ApplicationNotSchedulable"
    ),
    PendingKind.PREEMPTION: _Waiting("WaitingForPreemption", EventType.NORMAL, "WaitingForPreemption"),
}


@dataclass(frozen=True, slots=True)
class EventSink:
    """Records the scheduler's Events under its component; a failed write is logged, never raised (an
    Event is a note about a decision, not part of it)."""

    cluster: Cluster
    component: str

    def __call__(self, involved: Obj, type_: EventType, reason: str, message: str, now: datetime) -> None:
        try:
            record_event(self.cluster, involved, type_.value, reason, message, now, self.component)
        except ClusterError as exc:
            log.warning("event %s on %s not recorded: %s", reason, meta(involved).get("name"), exc)


def _pod_involved(ref: PodRef) -> Obj:
    m: dict[str, Any] = {"name": ref.name, "namespace": ref.namespace}
    if ref.uid:
        m["uid"] = ref.uid
    return {"apiVersion": "v1", "kind": "Pod", "metadata": m}


def apply_decision(
    cluster: Cluster, events: EventSink, pods: list[Obj], decision: SchedulingDecision, now: datetime
) -> bool:
    """Apply `decision` (made from a snapshot of `pods`); whether every effect went through. The effects
    are one transaction where the cluster has them: a cycle's thousands of binds cost one commit, and a
    crash leaves the cycle applied whole or not at all. Without transactions (over HTTP, where each write
    is a round trip) binds go out several at once, as kube-scheduler binds asynchronously."""
    with one_transaction(cluster):
        concurrent = not isinstance(cluster, Transactions)
        return _Effects(cluster, events, pods, now, concurrent=concurrent).apply(decision)


class _Effects:
    def __init__(
        self, cluster: Cluster, events: EventSink, pods: list[Obj], now: datetime, *, concurrent: bool
    ) -> None:
        self.cluster = cluster
        self.concurrent = concurrent
        self.events = events
        self.pods = pods
        self.now = now
        self.ok = True
        self._by_name: dict[tuple[str, str], Obj] | None = None

    def apply(self, decision: SchedulingDecision) -> bool:
        self._create_placeholders(decision)
        if self.concurrent and len(decision.binds) > 1:
            self._index()  # built before the threads share it
            with ThreadPoolExecutor(BINDS_IN_FLIGHT, thread_name_prefix="scheduler-bind") as pool:
                list(pool.map(self._swap_and_bind, decision.binds))
        else:
            for bind in decision.binds:
                self._swap_and_bind(bind)
        for release in decision.releases:
            self._delete(release.pod)
        for preemption in decision.preemptions:
            self._delete(preemption.victim)
            self._patch_status(preemption.preemptor, {"nominatedNodeName": preemption.node})
        for failure in decision.failures:
            self._patch_status(
                failure.pod, {"phase": "Failed", "reason": failure.reason, "message": failure.message}
            )
        for waiting in decision.unschedulable:
            self._explain(waiting)
        for event in decision.events:
            self.events(_pod_involved(event.pod), event.type, event.reason, event.message, self.now)
        return self.ok

    def _swap_and_bind(self, bind: Bind) -> None:
        if bind.replaces is not None:
            self._delete(bind.replaces)  # the placeholder's seat is freed before the pod takes it
        self._bind(bind.pod, bind.node)

    def _failed(self, what: str, exc: ClusterError) -> None:
        log.info("scheduler: %s: %s", what, exc)
        self.ok = False

    def _index(self) -> dict[tuple[str, str], Obj]:
        if self._by_name is None:
            self._by_name = {
                (obj["metadata"].get("namespace") or "default", obj["metadata"]["name"]): obj
                for obj in self.pods
            }
        return self._by_name

    def _pod(self, ref: PodRef) -> Obj | None:
        return self._index().get((ref.namespace, ref.name))

    def _create_placeholders(self, decision: SchedulingDecision) -> None:
        manifests = [ph.manifest() for ph in decision.placeholders_to_create]
        if not manifests:
            return
        try:
            created = self.cluster.create_many(manifests)
        except ClusterError:
            created = []
            for manifest in manifests:  # some exist already (asked again after a crash): one by one
                try:
                    created.append(self.cluster.create(manifest))
                except AlreadyExists:
                    continue
                except ClusterError as exc:
                    self._failed(f"create placeholder {manifest['metadata']['name']}", exc)
        index = self._index()
        for obj in created:
            m = obj["metadata"]
            index[(m["namespace"], m["name"])] = obj

    def _bind(self, ref: PodRef, node: str) -> None:
        try:
            bound = self.cluster.bind(ref.namespace, ref.name, node)
        except NotFound:
            self.ok = False  # deleted since the snapshot: the next cycle knows
            return
        except ClusterError as exc:
            self._failed(f"bind {ref.namespace}/{ref.name} to {node}", exc)
            return
        self._index()[(ref.namespace, ref.name)] = bound
        self.events(
            _pod_involved(ref._replace(uid=bound["metadata"].get("uid") or ref.uid)),
            EventType.NORMAL,
            "Scheduled",
            f"Successfully assigned {ref.namespace}/{ref.name} to node {node}",
            self.now,
        )

    def _delete(self, ref: PodRef) -> None:
        try:
            self.cluster.delete("Pod", ref.namespace, ref.name)
        except NotFound:
            pass
        except ClusterError as exc:
            self._failed(f"delete {ref.namespace}/{ref.name}", exc)

    def _patch_status(self, ref: PodRef, status: dict[str, Any]) -> None:
        try:
            patched = self.cluster.patch(
                "Pod", ref.namespace, ref.name, {"status": status}, subresource="status"
            )
        except NotFound:
            return
        except ClusterError as exc:
            self._failed(f"update the status of {ref.namespace}/{ref.name}", exc)
            return
        self._index()[(ref.namespace, ref.name)] = patched  # later effects start from this version

    def _explain(self, waiting: Unschedulable) -> None:
        """PodScheduled=False with the reason and message, and one Event, unless the pod says so already."""
        obj = self._pod(waiting.pod)
        if obj is None:
            return
        how = _WAITING[waiting.kind]
        status = obj.get("status") or {}
        conditions = list(status.get("conditions") or [])
        current = next((c for c in conditions if c.get("type") == CONDITION_POD_SCHEDULED), None)
        nominated = status.get("nominatedNodeName") or None
        if (
            current is not None
            and current.get("status") == "False"
            and current.get("reason") == how.condition_reason
            and current.get("message") == waiting.message
            and (waiting.nominated_node is None or nominated == waiting.nominated_node)
        ):
            return
        since = format_rfc3339(self.now)
        if current is not None and current.get("status") == "False" and current.get("lastTransitionTime"):
            since = current["lastTransitionTime"]
        condition = {
            "type": CONDITION_POD_SCHEDULED,
            "status": "False",
            "reason": how.condition_reason,
            "message": waiting.message,
            "lastProbeTime": None,
            "lastTransitionTime": since,
        }
        patch: dict[str, Any] = {
            "conditions": [c for c in conditions if c.get("type") != CONDITION_POD_SCHEDULED] + [condition]
        }
        if waiting.nominated_node is not None:
            patch["nominatedNodeName"] = waiting.nominated_node
        m = obj["metadata"]
        try:
            self.cluster.patch(
                "Pod",
                waiting.pod.namespace,
                waiting.pod.name,
                {"metadata": {"resourceVersion": m.get("resourceVersion")}, "status": patch},
                subresource="status",
            )
        except NotFound:
            return
        except Conflict:
            self.ok = False  # the pod changed since the snapshot: the next cycle decides again
            return
        except ClusterError as exc:
            self._failed(f"mark {waiting.pod.namespace}/{waiting.pod.name} pending", exc)
            return
        ref = waiting.pod._replace(uid=m.get("uid") or waiting.pod.uid)
        self.events(_pod_involved(ref), how.event_type, how.event_reason, waiting.message, self.now)
