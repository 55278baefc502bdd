"""The batch scheduler (YuniKorn semantics) as a pure engine: `schedule(snapshot) -> SchedulingDecision`.

Queues from `queues.yaml` (guaranteed, max up the tree, maxapplications, ACLs, user/group limits,
placement rules), gang scheduling with placeholder pods, fair sharing, node sorting, and preemption by
queue guarantees. No clock, no I/O, no randomness: the same snapshot always gives the same decision.
"""

from sparkfleet.api.wire import EventType
from sparkfleet.engine.scheduling.convert import snapshot_from_objects
from sparkfleet.engine.scheduling.decision import (
    Bind,
    PendingKind,
    PodFailure,
    PodRef,
    Preemption,
    QueueReport,
    Release,
    SchedulerEvent,
    SchedulingDecision,
    Unschedulable,
)
from sparkfleet.engine.scheduling.gang import PlaceholderPod
from sparkfleet.engine.scheduling.resources import Resources
from sparkfleet.engine.scheduling.schedule import schedule
from sparkfleet.engine.scheduling.snapshot import (
    AppState,
    AppStatus,
    AppTransition,
    Constraints,
    NodeRecord,
    PodRecord,
    Snapshot,
)

__all__ = [
    "AppState",
    "AppStatus",
    "AppTransition",
    "Bind",
    "Constraints",
    "EventType",
    "NodeRecord",
    "PendingKind",
    "PlaceholderPod",
    "PodFailure",
    "PodRecord",
    "PodRef",
    "Preemption",
    "QueueReport",
    "Release",
    "Resources",
    "SchedulerEvent",
    "SchedulingDecision",
    "Snapshot",
    "Unschedulable",
    "schedule",
    "snapshot_from_objects",
]
