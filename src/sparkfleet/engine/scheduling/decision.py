"""What the scheduler answers: the effects a controller applies, and the state to hand back next time.

In the style of Ray autoscaler v2's Reply: everything is listed explicitly, including what could not be
done and why, so the controller does no scheduling thinking of its own. The records that come by the
ten thousand (PodRef, Bind, Release, Unschedulable) are named tuples: immutable and cheap to build.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from sparkfleet.api.wire import EventType
from sparkfleet.engine.scheduling.gang import PlaceholderPod
from sparkfleet.engine.scheduling.resources import Resources
from sparkfleet.engine.scheduling.snapshot import AppStatus, AppTransition


class PendingKind(StrEnum):
    """Why a pod stays Pending; only CAPACITY means that more nodes would help (the provisioner's cue)."""

    CAPACITY = "Capacity"
    """No node fits now (resources, selector, affinity, taints)."""
    QUEUE_LIMIT = "QueueLimit"
    """Queue max, maxapplications or a user/group limit: new nodes would not help."""
    GANG = "Gang"
    """Waiting for the gang: placeholders not all bound yet, or another gang's reservation goes first."""
    APPLICATION = "Application"
    """The application is not (or no longer) schedulable: rejected, failed, not yet accepted."""
    PREEMPTION = "Preemption"
    """Victims were chosen for this pod and are terminating."""


class PodRef(NamedTuple):
    namespace: str
    name: str
    uid: str = ""
    """Empty for placeholders created in the same decision (the store assigns the uid)."""


class Bind(NamedTuple):
    pod: PodRef
    node: str
    app_id: str
    placeholder: bool = False
    replaces: PodRef | None = None
    """A real pod taking a placeholder's place: delete that placeholder first, then bind."""


class Release(NamedTuple):
    """A placeholder to delete, and why (replaced, timeout, application finished, larger real pod)."""

    pod: PodRef
    app_id: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class Preemption:
    victim: PodRef
    preemptor: PodRef
    node: str
    message: str


@dataclass(frozen=True, slots=True)
class PodFailure:
    """A pending pod to mark Failed (phase Failed, with reason and message): the application cannot run."""

    pod: PodRef
    reason: str
    message: str


class Unschedulable(NamedTuple):
    """A pod left Pending: record PodScheduled=False with this reason and an Event with the message."""

    pod: PodRef
    app_id: str
    kind: PendingKind
    message: str
    task_group: str | None = None
    placeholder: bool = False
    nominated_node: str | None = None


@dataclass(frozen=True, slots=True)
class SchedulerEvent:
    """An Event to record on a pod (application events go to the application's originator pod)."""

    pod: PodRef
    type: EventType
    reason: str
    message: str
    app_id: str = ""


@dataclass(frozen=True, slots=True)
class QueueReport:
    """One queue's figures after the decision, for `get queues` and metrics."""

    path: str
    leaf: bool
    dynamic: bool
    guaranteed: Resources
    max: Resources
    allocated: Resources
    pending: Resources
    running_apps: int
    max_apps: int
    apps: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SchedulingDecision:
    binds: tuple[Bind, ...] = ()
    placeholders_to_create: tuple[PlaceholderPod, ...] = ()
    """Create these pods (`manifest()`); those that were also placed appear in `binds`."""
    releases: tuple[Release, ...] = ()
    preemptions: tuple[Preemption, ...] = ()
    failures: tuple[PodFailure, ...] = ()
    unschedulable: tuple[Unschedulable, ...] = ()
    apps: Mapping[str, AppStatus] = field(default_factory=dict)
    """Every live application's status: pass it back as the next snapshot's `apps`."""
    transitions: tuple[AppTransition, ...] = ()
    events: tuple[SchedulerEvent, ...] = ()
    queues: tuple[QueueReport, ...] = ()
