"""Pod status as a kubelet reports it: phase, conditions, addresses and container statuses.

Only the containers the kubelet runs are reported: the main container of a pod (the Spark container of
a driver or an executor, else the first one). Conditions other than the ones a kubelet owns
(PodScheduled, set when the pod was bound, and anything custom) are kept as they were.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.runtime.local.podenv import POD_IP, pod_ip
from sparkfleet.runtime.port import ContainerResult

__all__ = [
    "ContainerReport",
    "container_report",
    "pod_status",
    "running",
    "terminated",
    "waiting",
]

Obj = dict[str, Any]
_KUBELET_CONDITIONS = ("Initialized", "ContainersReady", "Ready")
PHASE_PENDING = "Pending"
PHASE_RUNNING = "Running"
PHASE_SUCCEEDED = "Succeeded"
PHASE_FAILED = "Failed"


@dataclass(frozen=True, slots=True)
class ContainerReport:
    """One container's state, ready to be written as a containerStatuses entry."""

    started_at: datetime
    exit_code: int | None = None
    """None while it runs."""
    reason: str | None = None
    message: str | None = None
    finished_at: datetime | None = None
    container_id: str | None = None
    waiting: bool = False
    """Not started: `reason` says why (CreateContainerConfigError)."""
    ready: bool = True
    """While it runs: whether its readiness probe passes (the pod is Ready only then)."""

    @property
    def running(self) -> bool:
        return self.exit_code is None and not self.waiting

    def state(self) -> Obj:
        if self.waiting:
            return {"waiting": {"reason": self.reason or "", "message": self.message or ""}}
        started = format_rfc3339(self.started_at)
        if self.exit_code is None:
            return {"running": {"startedAt": started}}
        body: Obj = {"exitCode": self.exit_code, "startedAt": started}
        if self.reason:
            body["reason"] = self.reason
        if self.message:
            body["message"] = self.message
        body["finishedAt"] = format_rfc3339(self.finished_at or self.started_at)
        if self.container_id:
            body["containerID"] = self.container_id
        return {"terminated": body}


def container_report(result: ContainerResult) -> ContainerReport:
    return ContainerReport(
        result.started_at,
        exit_code=result.exit_code,
        reason=result.reason,
        message=result.message,
        finished_at=result.finished_at,
        container_id=f"process://{result.pid}" if result.pid else None,
    )


def running(started_at: datetime, container_id: str | None = None) -> ContainerReport:
    return ContainerReport(started_at, container_id=container_id)


def waiting(now: datetime, reason: str, message: str) -> ContainerReport:
    """A container the kubelet cannot create yet (the pod stays Pending)."""
    return ContainerReport(now, reason=reason, message=message, waiting=True)


def terminated(
    started_at: datetime, finished_at: datetime, exit_code: int, reason: str, message: str | None = None
) -> ContainerReport:
    return ContainerReport(
        started_at, exit_code=exit_code, reason=reason, message=message, finished_at=finished_at
    )


def _condition(kind: str, ok: bool, when: str, reason: str | None, previous: Mapping[str, Any]) -> Obj:
    status = "True" if ok else "False"
    # A condition's transition time moves only when its status does.
    since = previous.get("lastTransitionTime") if previous.get("status") == status else None
    condition: Obj = {"type": kind, "status": status, "lastTransitionTime": since or when}
    if reason:
        condition["reason"] = reason
    return condition


def pod_status(
    pod: Mapping[str, Any], container: Mapping[str, Any], report: ContainerReport, now: datetime
) -> Obj:
    """The whole status the kubelet writes for `pod` whose main `container` is in `report`'s state."""
    old = pod.get("status") or {}
    old_conditions = {c.get("type"): c for c in old.get("conditions") or [] if isinstance(c, Mapping)}
    when = format_rfc3339(now)
    reason: str | None
    if report.waiting:
        phase, ready, reason = PHASE_PENDING, False, "ContainersNotReady"
    elif report.running:
        phase, ready, reason = PHASE_RUNNING, report.ready, None if report.ready else "ContainersNotReady"
    else:
        phase = PHASE_SUCCEEDED if report.exit_code == 0 else PHASE_FAILED
        ready, reason = False, "PodCompleted" if report.exit_code == 0 else "PodFailed"
    conditions = [c for kind, c in old_conditions.items() if kind not in _KUBELET_CONDITIONS]
    conditions.append(_condition("Initialized", True, when, None, old_conditions.get("Initialized") or {}))
    for kind in ("ContainersReady", "Ready"):
        conditions.append(_condition(kind, ready, when, reason, old_conditions.get(kind) or {}))
    entry: Obj = {
        "name": container.get("name"),
        "image": container.get("image") or "",
        "imageID": "",
        "ready": ready,
        "started": report.running,
        "restartCount": 0,
        "state": report.state(),
    }
    if report.container_id:
        entry["containerID"] = report.container_id
    status: Obj = {
        "phase": phase,
        "conditions": conditions,
        "hostIP": POD_IP,
        "hostIPs": [{"ip": POD_IP}],
        "podIP": pod_ip(pod),
        "podIPs": [{"ip": pod_ip(pod)}],
        "startTime": old.get("startTime") or format_rfc3339(report.started_at),
        "containerStatuses": [entry],
    }
    for key in ("qosClass", "nominatedNodeName"):
        if key in old:
            status[key] = old[key]
    return status


def same_status(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether writing `new` would change what `old` says (transition times aside)."""

    def strip(status: Mapping[str, Any]) -> Any:
        conditions = [
            {k: v for k, v in c.items() if k != "lastTransitionTime"}
            for c in status.get("conditions") or []
            if isinstance(c, Mapping)
        ]
        return {**status, "conditions": sorted(conditions, key=lambda c: str(c.get("type")))}

    return bool(strip(old) == strip(new))
