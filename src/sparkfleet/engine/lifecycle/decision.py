"""What the lifecycle engine is given as settings and what it answers: a LifecycleDecision."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sparkfleet.api.sparkstatus import ApplicationStateType, SparkApplicationStatus
from sparkfleet.api.wire import EventType
from sparkfleet.engine.lifecycle.executors import ExecutorChange

__all__ = [
    "Action",
    "FailedCreate",
    "LifecycleConfig",
    "LifecycleDecision",
    "LifecycleEvent",
    "Obj",
    "TransitionRecord",
]

Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class LifecycleConfig:
    driver_pod_creation_grace_seconds: float = 10.0
    """How long after a submission a missing driver pod is not yet an error (the operator's flag)."""
    driver_start_timeout_seconds: float | None = 600.0
    """A driver Pending longer than this fails the attempt (DriverStartTimedOut); None disables it."""
    max_tracked_executors: int = 1000
    transition_history_limit: int = 50
    default_time_to_live_seconds: int | None = None
    """TTL for terminated applications that set none (the operator's DefaultTimeToLiveSeconds)."""
    cleanup_poll_seconds: float = 1.0
    """How soon to look again while waiting for deleted resources to disappear."""


class Action(StrEnum):
    SUBMIT = "Submit"
    """Create `creates` (the attempt's objects). The status already says SUBMITTED: write it only once
    they exist; when they cannot be created, decide again with the FailedCreate."""
    RESTORE = "Restore"
    """Create whichever of `creates` are missing: an adopted driver's objects lost in a crash. Failing
    to is not a failed submission (the driver runs)."""
    DELETE_RESOURCES = "DeleteResources"
    """Delete the attempt's driver pod, executor pods, services and config map."""
    DELETE_APPLICATION = "DeleteApplication"
    """timeToLiveSeconds passed after termination: delete the SparkApplication itself."""
    NONE = "None"


@dataclass(frozen=True, slots=True)
class FailedCreate:
    """A SUBMIT whose objects could not be created: what the controller saw, for the next decision."""

    submission_id: str
    error: str


@dataclass(frozen=True, slots=True)
class LifecycleEvent:
    """A Kubernetes Event to record on the SparkApplication."""

    type: EventType
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class TransitionRecord:
    previous: ApplicationStateType
    next: ApplicationStateType
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class LifecycleDecision:
    status: SparkApplicationStatus
    """The status to write (equal to the current one when nothing changed)."""
    actions: tuple[Action, ...] = (Action.NONE,)
    requeue_after: float | None = None
    """Look again after this many seconds even if nothing is observed to change."""
    events: tuple[LifecycleEvent, ...] = ()
    transitions: tuple[TransitionRecord, ...] = ()
    executor_changes: tuple[ExecutorChange, ...] = ()
    record_fingerprint: str | None = None
    """When set, store this spec fingerprint on the application (after writing the status); set only
    when the application does not carry it already."""
    submission_fingerprint: str | None = None
    """For SUBMIT: the spec fingerprint the driver pod carries (annotation ANNOTATION_SPEC_FINGERPRINT)."""
    submission_id: str | None = None
    """For SUBMIT and RESTORE: the id every object of `creates` carries (label LABEL_SUBMISSION_ID)."""
    creates: tuple[Obj, ...] = ()
    """For SUBMIT and RESTORE: the objects to create, in order, exactly as they are to be stored (labels,
    owner references, annotations): the conf ConfigMap, services, claims and extra objects, then the
    driver pod. Do not mutate them."""
    status_changed: bool = field(default=False)

    def has(self, action: Action) -> bool:
        return action in self.actions
