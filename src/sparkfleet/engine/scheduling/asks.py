"""The working state of one scheduling cycle: each application's asks, grouped for batch placement.

An ask group is a run of an application's pending pods that are interchangeable for the scheduler (same
requests, constraints, priority, task group): they are placed together, in one vectorised step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sparkfleet.engine.scheduling.apps import AppPods
from sparkfleet.engine.scheduling.decision import PendingKind
from sparkfleet.engine.scheduling.gang import PolicyParameters, TaskGroup
from sparkfleet.engine.scheduling.queues import Queue, UsageTracker
from sparkfleet.engine.scheduling.resources import ResourceIndex, Resources, Vector
from sparkfleet.engine.scheduling.snapshot import AppState, AppStatus, Constraints, PodRecord


@dataclass(slots=True)
class Block:
    """Why the rest of a group stays pending; `explain` computes the message at the end of the cycle."""

    kind: PendingKind
    message: str = ""
    explain: Callable[[], str] | None = None

    def text(self) -> str:
        if self.explain is not None:
            self.message = self.explain()
            self.explain = None
        return self.message


@dataclass(eq=False, slots=True)
class AskGroup:
    pods: list[PodRecord]
    request: Resources
    vec: Vector
    constraints: Constraints
    priority: int
    placeholder: bool
    task_group: str | None
    placed: int = 0
    block: Block | None = None

    @property
    def remaining(self) -> int:
        return len(self.pods) - self.placed

    @property
    def open(self) -> bool:
        return self.block is None and self.placed < len(self.pods)


def ask_order(pod: PodRecord) -> tuple[int, float, str]:
    """YuniKorn sorts an application's asks by priority, then by creation time."""
    return (-pod.priority, pod.created, pod.name)


def group_asks(pods: list[PodRecord], index: ResourceIndex) -> list[AskGroup]:
    """Runs of interchangeable pods in ask order."""
    groups: list[AskGroup] = []
    current: AskGroup | None = None
    for pod in sorted(pods, key=ask_order):
        if (
            current is not None
            and (pod.requests is current.request or pod.requests == current.request)
            and pod.constraints == current.constraints
            and pod.priority == current.priority
            and pod.task_group == current.task_group
            and pod.placeholder == current.placeholder
        ):
            current.pods.append(pod)
            continue
        current = AskGroup(
            pods=[pod],
            request=pod.requests,
            vec=index.vector(pod.requests),
            constraints=pod.constraints,
            priority=pod.priority,
            placeholder=pod.placeholder,
            task_group=pod.task_group,
        )
        groups.append(current)
    return groups


@dataclass(slots=True)
class Gang:
    groups: list[TaskGroup]
    params: PolicyParameters
    task_groups_json: str
    bound: dict[str, int] = field(default_factory=dict)
    """Placeholders bound per task group (observed plus placed this cycle)."""

    @property
    def wanted(self) -> int:
        return sum(g.min_member for g in self.groups)

    @property
    def bound_total(self) -> int:
        return sum(min(self.bound.get(g.name, 0), g.min_member) for g in self.groups)

    @property
    def complete(self) -> bool:
        return all(self.bound.get(g.name, 0) >= g.min_member for g in self.groups)


@dataclass(eq=False, slots=True)
class AppWork:
    app_id: str
    status: AppStatus
    pods: AppPods
    allocated: Vector
    queue: Queue | None = None
    trackers: list[UsageTracker] = field(default_factory=list)
    gang: Gang | None = None
    groups: list[AskGroup] = field(default_factory=list)
    started: bool = False
    """Has an allocation (counts as a running application for maxapplications)."""
    version: int = 0
    cursor: int = 0
    counted_active: bool = False
    hold: Block | None = None
    """Why the application's real pending pods wait (gang reservation, resuming, not accepted)."""
    gang_error: str = ""
    """Why the task-groups annotation cannot be used (the application is rejected with it)."""
    new_placeholders: list[PodRecord] = field(default_factory=list)
    """Placeholders created in this cycle (scheduled in the same cycle)."""
    waiting: list[PodRecord] = field(default_factory=list)
    """Pending real pods that are not asks this cycle (they wait with `hold` or a nomination)."""
    release_leftovers: bool = False
    """The placeholder timeout passed while running: placeholders left after the swaps are released."""

    @property
    def state(self) -> AppState:
        return self.status.state

    @property
    def submitted(self) -> float:
        return self.status.submitted_at

    def current(self) -> AskGroup | None:
        # groups only ever close, so the first open one is found by moving a cursor forward
        while self.cursor < len(self.groups):
            group = self.groups[self.cursor]
            if group.open:
                return group
            self.cursor += 1
        return None

    @property
    def active(self) -> bool:
        return self.current() is not None

    @property
    def priority(self) -> int:
        group = self.current()
        return group.priority if group is not None else 0

    def block_all(self, block: Block) -> None:
        for group in self.groups[self.cursor :]:
            if group.open:
                group.block = block


def zeros(index: ResourceIndex) -> Vector:
    return np.zeros(index.size, dtype=np.int64)
