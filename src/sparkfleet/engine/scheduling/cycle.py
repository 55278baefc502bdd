"""The mutable state of one scheduling cycle and the effects it gathers for the decision."""

from __future__ import annotations

from dataclasses import dataclass, field

from sparkfleet.api.wire import EventType
from sparkfleet.engine.scheduling.asks import AppWork
from sparkfleet.engine.scheduling.decision import (
    Bind,
    PodFailure,
    PodRef,
    Preemption,
    Release,
    SchedulerEvent,
)
from sparkfleet.engine.scheduling.fit import NodeSortPolicy
from sparkfleet.engine.scheduling.gang import PlaceholderPod
from sparkfleet.engine.scheduling.nodes import NodeTable
from sparkfleet.engine.scheduling.placement import Placer
from sparkfleet.engine.scheduling.queues import QueueTree
from sparkfleet.engine.scheduling.resources import ResourceIndex, Resources
from sparkfleet.engine.scheduling.snapshot import AppState, AppTransition, Constraints, PodRecord, Snapshot
from sparkfleet.engine.scheduling.states import restart, transition


def ref(pod: PodRecord) -> PodRef:
    return PodRef(pod.namespace, pod.name, pod.uid)


@dataclass(eq=False)
class Cycle:
    snap: Snapshot
    index: ResourceIndex
    table: NodeTable
    tree: QueueTree
    placer: Placer
    policy: NodeSortPolicy
    apps: dict[str, AppWork] = field(default_factory=dict)
    binds: list[Bind] = field(default_factory=list)
    creates: list[PlaceholderPod] = field(default_factory=list)
    releases: dict[tuple[str, str], Release] = field(default_factory=dict)
    failures: list[PodFailure] = field(default_factory=list)
    preemptions: list[Preemption] = field(default_factory=list)
    events: list[SchedulerEvent] = field(default_factory=list)
    transitions: list[AppTransition] = field(default_factory=list)
    nominations: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    """Pending pods waiting on a node for preempted or terminating pods: (node, message)."""
    capacity_failed: set[tuple[Constraints, Resources]] = field(default_factory=set)
    """Asks that found no node this cycle (free capacity only shrinks, so they will not fit later)."""
    terminating_rows: set[int] = field(default_factory=set)
    """Nodes with terminating pods (preemption victims on their way out)."""

    @property
    def now(self) -> float:
        return self.snap.now

    def move(
        self,
        app: AppWork,
        to: AppState,
        reason: str,
        message: str,
        event: EventType | None = EventType.NORMAL,
    ) -> None:
        """Take an edge of the state table, and tell the user on the application's originator pod."""
        app.status = transition(app.status, to, self.now, reason, message)
        self.transitions.append(app.status.history[-1])
        if event is not None:
            self.app_event(app, event, reason, message)

    def restart(self, app: AppWork, reason: str, message: str) -> None:
        """Take an edge into New: the application's pods that have not ended start a new run, from its
        originator, submitted when the oldest of them was created."""
        pods = app.pods
        origin = pods.originator
        times = [p.created for p in (*pods.pending, *pods.bound, *pods.placeholders) if p.created]
        app.status = restart(
            app.status,
            self.now,
            reason,
            message,
            originator=origin.uid if origin is not None else "",
            submitted_at=min(times) if times else self.now,
            user=origin.user if origin is not None else app.status.user,
        )
        self.transitions.append(app.status.history[-1])

    def app_event(self, app: AppWork, kind: EventType, reason: str, message: str) -> None:
        pod = app.pods.originator
        if pod is not None:
            self.events.append(SchedulerEvent(ref(pod), kind, reason, message, app.app_id))

    def pod_event(self, pod: PodRecord, kind: EventType, reason: str, message: str) -> None:
        self.events.append(SchedulerEvent(ref(pod), kind, reason, message, pod.app_id))

    def release(self, pod: PodRecord, reason: str, message: str) -> None:
        key = (pod.namespace, pod.name)
        if key not in self.releases:
            self.releases[key] = Release(ref(pod), pod.app_id, reason, message)

    def released(self, pod: PodRecord) -> bool:
        return (pod.namespace, pod.name) in self.releases

    def fail(self, pod: PodRecord, reason: str, message: str) -> None:
        self.failures.append(PodFailure(ref(pod), reason, message))
