"""The vocabulary of "why is it waiting": the phases of an application's timeline, the typed reasons
within them, and the facts they are read from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

__all__ = [
    "WAITING_PHASES",
    "AppFacts",
    "ClaimFacts",
    "EventFacts",
    "Observation",
    "PodFacts",
    "QueueFacts",
    "TimelinePhase",
    "WaitReason",
]


class TimelinePhase(StrEnum):
    """Where an application is, in the order an application usually goes through them."""

    SUBMITTED = "Submitted"
    """Created; the operator has not made its driver pod yet."""
    QUEUED = "Queued"
    """The driver pod exists; its queue has not admitted the application yet."""
    GANG_RESERVING = "GangReserving"
    """Placeholders for the gang are being reserved."""
    WAITING_FOR_CAPACITY = "WaitingForCapacity"
    """Admitted, but no node has room: capacity is being provisioned (or cannot be)."""
    DRIVER_STARTING = "DriverStarting"
    """The driver is bound to a node and starting."""
    DRIVER_RUNNING = "DriverRunning"
    """The driver runs; not every executor runs yet."""
    EXECUTORS_RUNNING = "ExecutorsRunning"
    """The driver and every executor asked for run."""
    COMPLETED = "Completed"
    FAILED = "Failed"


WAITING_PHASES = frozenset(
    {
        TimelinePhase.SUBMITTED,
        TimelinePhase.QUEUED,
        TimelinePhase.GANG_RESERVING,
        TimelinePhase.WAITING_FOR_CAPACITY,
        TimelinePhase.DRIVER_STARTING,
    }
)
"""Phases in which the application has not started running."""


class WaitReason(StrEnum):
    """Why an application is in its phase: the typed form of the current blocker."""

    SUBMITTING = "Submitting"
    PENDING_RERUN = "PendingRerun"
    AWAITING_SCHEDULER = "AwaitingScheduler"
    QUEUE_MAX_REACHED = "QueueMaxReached"
    USER_LIMIT = "UserLimit"
    MAX_APPLICATIONS = "MaxApplications"
    NOT_ADMITTED = "NotAdmitted"
    PLACEHOLDERS_PENDING = "PlaceholdersPending"
    GANG_AHEAD = "GangAhead"
    PROVISIONING = "Provisioning"
    NODECLAIM_LAUNCHED = "NodeClaimLaunched"
    FALLBACK_TAKEN = "FallbackTaken"
    INSUFFICIENT_CAPACITY = "InsufficientCapacity"
    NODEPOOL_LIMIT = "NodePoolLimit"
    NO_CAPACITY = "NoCapacity"
    PREEMPTING = "Preempting"
    SCHEDULED = "Scheduled"
    EXECUTORS_PENDING = "ExecutorsPending"
    RUNNING = "Running"
    COMPLETED = "Completed"
    FAILED = "Failed"


@dataclass(frozen=True, slots=True)
class PodFacts:
    name: str
    phase: str
    node: str | None = None
    scheduled_reason: str = ""
    """The PodScheduled=False condition's reason ("" while none)."""
    scheduled_message: str = ""
    scheduled_since: datetime | None = None
    """When the PodScheduled condition last changed: the wait began, or the pod was bound."""
    started: datetime | None = None


@dataclass(frozen=True, slots=True)
class EventFacts:
    kind: str
    name: str
    reason: str
    message: str
    at: datetime | None


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    name: str
    node_pool: str
    instance_type: str
    capacity_type: str
    zone: str
    launched: bool
    registered: bool


@dataclass(frozen=True, slots=True)
class QueueFacts:
    """The application as the scheduler last saw it: its state, queue and who waits before it."""

    state: str
    queue: str | None
    message: str
    since: datetime | None
    ahead: int = 0
    """Applications of the same queue submitted earlier that have not started either."""
    gang: bool = False


@dataclass(frozen=True, slots=True)
class AppFacts:
    namespace: str
    name: str
    created: datetime | None
    state: str
    """The SparkApplication's `status.applicationState.state` ("" when new)."""
    state_since: datetime | None = None
    error: str = ""
    expected_executors: int = 0
    driver: PodFacts | None = None
    executors: tuple[PodFacts, ...] = ()
    placeholders: tuple[PodFacts, ...] = ()
    scheduler: QueueFacts | None = None
    claims: Mapping[str, ClaimFacts] = field(default_factory=dict)
    events: tuple[EventFacts, ...] = ()
    """Events of the application's pods and of the NodeClaims made for them, oldest first."""


@dataclass(frozen=True, slots=True)
class Observation:
    """Where the application is now and why; `since`, when known, is when this reason began."""

    phase: TimelinePhase
    reason: WaitReason
    message: str
    since: datetime | None = None
