"""Driver start timeout: a driver Pending too long fails the attempt, with an explanation of why.

The operator leaves such applications in SUBMITTED forever (kubeflow/spark-operator #2667, #2872); here
the attempt fails with reason DriverStartTimedOut (then restartPolicy decides about a retry) and the
message says why the pod is still Pending: the scheduler's PodScheduled=False reason and message, the
waiting reason of a container that did not start (image pulls), and the YuniKorn queue and gang the pod
belongs to, so the user knows whether to fix the queue, the gang size or the image.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sparkfleet.api.pod import Pod
from sparkfleet.api.timefmt import parse_optional_rfc3339
from sparkfleet.api.wire import (
    ANNOTATION_QUEUE,
    ANNOTATION_TASK_GROUP_NAME,
    ANNOTATION_TASK_GROUPS,
    CONDITION_POD_SCHEDULED,
    LABEL_QUEUE,
)
from sparkfleet.engine.lifecycle.timefmt import go_duration

__all__ = ["StartTimeout", "check_start_timeout", "pending_explanation"]


@dataclass(frozen=True, slots=True)
class StartTimeout:
    timed_out: bool
    due_in: float
    """Seconds left before the timeout (<= 0 once timed out)."""
    detail: str = ""
    """The Event message: how long, and why the pod is Pending."""
    error: str = ""
    """The application's errorMessage."""


def _scheduling(pod: Pod) -> str:
    conditions = pod.status.conditions if pod.status is not None else []
    scheduled = next((c for c in conditions if c.type == CONDITION_POD_SCHEDULED), None)
    if scheduled is None:
        return "no scheduling decision yet (no PodScheduled condition)"
    if scheduled.status != "True":
        parts = [part for part in (scheduled.reason, scheduled.message) if part]
        return ": ".join(parts) if parts else "not scheduled (PodScheduled=False without a reason)"
    waiting = []
    for status in pod.status.containerStatuses if pod.status is not None else []:
        state = status.state.waiting if status.state is not None else None
        if state is not None and (state.reason or state.message):
            why = ": ".join(part for part in (state.reason, state.message) if part)
            waiting.append(f"container {status.name} waiting: {why}")
    node = f" on node {pod.spec.nodeName}" if pod.spec.nodeName else ""
    return "; ".join(waiting) if waiting else f"scheduled{node}, containers not started"


def _gang(pod: Pod) -> str | None:
    annotations = pod.metadata.annotations
    member = annotations.get(ANNOTATION_TASK_GROUP_NAME)
    raw = annotations.get(ANNOTATION_TASK_GROUPS)
    groups: list[str] = []
    if raw:
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            for group in parsed:
                if isinstance(group, dict) and "name" in group:
                    groups.append(f"{group['name']} (minMember {group.get('minMember', '?')})")
    if not member and not groups:
        return None
    text = f"gang member of task group {member}" if member else "gang"
    return f"{text}; task groups {', '.join(groups)}" if groups else text


def pending_explanation(pod: Pod) -> str:
    """Why the pod is Pending, with its queue and gang when it has them."""
    parts = [_scheduling(pod)]
    queue = pod.metadata.labels.get(LABEL_QUEUE) or pod.metadata.annotations.get(ANNOTATION_QUEUE)
    if queue:
        parts.append(f"queue {queue}")
    gang = _gang(pod)
    if gang:
        parts.append(gang)
    if pod.spec.schedulerName:
        parts.append(f"scheduler {pod.spec.schedulerName}")
    return "; ".join(parts)


def check_start_timeout(
    pod: Pod, pending_since: datetime | None, now: datetime, timeout_seconds: float | None
) -> StartTimeout | None:
    """None when no timeout applies (disabled, or no start time known); otherwise whether it expired."""
    if timeout_seconds is None or timeout_seconds <= 0:
        return None
    since = pending_since or parse_optional_rfc3339(
        pod.metadata.creationTimestamp, field="metadata.creationTimestamp"
    )
    if since is None:
        return None
    elapsed = (now - since).total_seconds()
    due_in = timeout_seconds - elapsed
    if due_in > 0:
        return StartTimeout(False, due_in)
    why = pending_explanation(pod)
    name = pod.metadata.name
    detail = (
        f"Driver pod {name} has been Pending for {go_duration(round(elapsed))} "
        f"(start timeout {go_duration(timeout_seconds)}): {why}"
    )
    error = f"driver pod {name} did not start within {go_duration(timeout_seconds)}: {why}"
    return StartTimeout(True, due_in, detail, error)
