"""Executor state tracking: status.executorState follows the executor pods, bounded in size.

As the operator does: an executor whose pod disappeared is COMPLETED when the application completed,
FAILED when the driver is no longer running, UNKNOWN while it still runs. The map is capped (default
1000 entries) because an application with dynamic allocation can start executors without end and the
status must stay far below etcd's object size limit; terminated executors are dropped oldest first,
then, only if still needed, the newest live ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sparkfleet.api.pod import Pod
from sparkfleet.api.sparkstatus import ApplicationStateType, ExecutorStateType
from sparkfleet.api.wire import LABEL_SPARK_APP_SELECTOR, LABEL_SPARK_EXECUTOR_ID
from sparkfleet.engine.lifecycle.driver import executor_state, executor_terminated

__all__ = ["ExecutorChange", "ExecutorTracking", "executor_id", "track_executors"]

_TRAILING_NUMBER = re.compile(r"-(\d+)$")
_TERMINATED = frozenset({ExecutorStateType.COMPLETED, ExecutorStateType.FAILED})


@dataclass(frozen=True, slots=True)
class ExecutorChange:
    pod: str
    old: ExecutorStateType | None
    new: ExecutorStateType
    exit_code: int | None = None
    reason: str | None = None
    pod_message: str | None = None
    observed: bool = True
    """False when inferred for a pod that is gone (no Event is recorded for those, as in the operator)."""


@dataclass(frozen=True, slots=True)
class ExecutorTracking:
    states: dict[str, ExecutorStateType]
    changes: tuple[ExecutorChange, ...]
    spark_application_id: str | None
    dropped: int
    """Entries removed to respect the cap."""


def executor_id(name: str, labels: Mapping[str, str] | None = None) -> int:
    """Spark numbers executors 1, 2, ... per application: the `spark-exec-id` label, else the pod name's
    trailing number (`<prefix>-exec-7` -> 7); 0 when neither says."""
    if labels is not None:
        value = labels.get(LABEL_SPARK_EXECUTOR_ID, "")
        if value.isdigit():
            return int(value)
    match = _TRAILING_NUMBER.search(name)
    return int(match.group(1)) if match else 0


def _failure_details(pod: Pod) -> tuple[int, str, str | None]:
    terminated = executor_terminated(pod)
    message = pod.status.message if pod.status is not None else None
    if terminated is None:
        # The operator's unambiguous values when the container state cannot be found.
        return -1, "Unknown (Container not Found)", message
    return terminated.exitCode, terminated.reason or "", message


def _cap(states: dict[str, ExecutorStateType], ids: Mapping[str, int], capacity: int) -> int:
    if capacity <= 0 or len(states) <= capacity:
        return 0
    before = len(states)
    evictable = sorted(
        (ids.get(name, executor_id(name)), name)
        for name, state in states.items()
        if state in _TERMINATED or state == ExecutorStateType.UNKNOWN
    )
    for _, name in evictable:
        if len(states) <= capacity:
            break
        del states[name]
    if len(states) > capacity:
        live = sorted((-ids.get(name, executor_id(name)), name) for name in states)
        for _, name in live:
            if len(states) <= capacity:
                break
            del states[name]
    return before - len(states)


def track_executors(
    previous: Mapping[str, ExecutorStateType],
    pods: Sequence[Pod],
    app_state: ApplicationStateType,
    capacity: int,
) -> ExecutorTracking:
    """The new executorState map for `pods` (this submission's executor pods) and what changed."""
    states = dict(previous)
    changes: list[ExecutorChange] = []
    seen: set[str] = set()
    ids: dict[str, int] = {}
    app_id: str | None = None
    for pod in pods:
        name = pod.metadata.name
        if not name:
            continue
        seen.add(name)
        ids[name] = executor_id(name, pod.metadata.labels)
        new = executor_state(pod)
        old = previous.get(name)
        if old != new:
            if new == ExecutorStateType.FAILED:
                code, reason, message = _failure_details(pod)
                changes.append(ExecutorChange(name, old, new, code, reason, message))
            else:
                changes.append(ExecutorChange(name, old, new))
        states[name] = new
        app_id = app_id or pod.metadata.labels.get(LABEL_SPARK_APP_SELECTOR)
    for name, old in previous.items():
        if name in seen or old in _TERMINATED:
            continue
        if app_state == ApplicationStateType.RUNNING:
            inferred = ExecutorStateType.UNKNOWN
        elif app_state == ApplicationStateType.COMPLETED:
            inferred = ExecutorStateType.COMPLETED
        else:
            inferred = ExecutorStateType.FAILED
        if inferred != old:
            changes.append(ExecutorChange(name, old, inferred, observed=False))
            states[name] = inferred
    dropped = _cap(states, ids, capacity)
    return ExecutorTracking(states, tuple(changes), app_id, dropped)
