"""The batch scheduler (YuniKorn semantics) as a pure engine: `schedule(snapshot) -> SchedulingDecision`.

Queues from `queues.yaml` (guaranteed, max up the tree, maxapplications, ACLs, user/group limits,
placement rules), gang scheduling with placeholder pods, fair sharing, node sorting, and preemption by
queue guarantees. No clock, no I/O, no randomness: the same snapshot always gives the same decision.
"""

from sparkfleet.api.wire import EventType
from sparkfleet.engine.scheduling.apps import app_id_of, is_placeholder, queue_of
from sparkfleet.engine.scheduling.convert import Converter, partition_of, snapshot_from_objects, timestamp
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
from sparkfleet.engine.scheduling.gang import (
    PlaceholderPod,
    TaskGroupError,
    parse_policy_parameters,
    parse_task_groups,
)
from sparkfleet.engine.scheduling.resources import Resources, format_resources
from sparkfleet.engine.scheduling.schedule import schedule
from sparkfleet.engine.scheduling.snapshot import (
    PLACEHOLDER_IMAGE,
    AppState,
    AppStatus,
    AppTransition,
    Constraints,
    NodeRecord,
    PodRecord,
    Snapshot,
)

__all__ = [
    "PLACEHOLDER_IMAGE",
    "AppState",
    "AppStatus",
    "AppTransition",
    "Bind",
    "Constraints",
    "Converter",
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
    "TaskGroupError",
    "Unschedulable",
    "app_id_of",
    "format_resources",
    "is_placeholder",
    "parse_policy_parameters",
    "parse_task_groups",
    "partition_of",
    "queue_of",
    "schedule",
    "snapshot_from_objects",
    "timestamp",
]
