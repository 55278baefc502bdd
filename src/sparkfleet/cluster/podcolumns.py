"""A pod's columns as kubectl shows them: READY, STATUS and RESTARTS worked out from the phase and the
containers' states the way the API server's printPod does (init containers and sidecars first, then the
main containers, last to first; `Completed`, `Error`, `ContainerCreating`, `Terminating`, ...).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sparkfleet.api.wire import CONDITION_POD_SCHEDULED, REASON_SCHEDULING_GATED
from sparkfleet.cluster.port import Obj
from sparkfleet.cluster.tablecells import (
    AGE,
    NAME,
    Column,
    age,
    condition_true,
    get,
    items,
    or_none,
    string_column,
)

__all__ = ["POD_COLUMNS"]

# The reason the node lifecycle controller gives pods of a node that stopped answering.
_NODE_UNREACHABLE = "NodeLost"


def _restartable(container: Any) -> bool:
    """A sidecar: an init container that keeps running (`restartPolicy: Always`)."""
    return isinstance(container, dict) and container.get("restartPolicy") == "Always"


def _terminated_reason(terminated: dict[str, Any], prefix: str = "") -> str:
    if terminated.get("reason"):
        return prefix + str(terminated["reason"])
    if terminated.get("signal"):
        return f"{prefix}Signal:{terminated['signal']}"
    return f"{prefix}ExitCode:{terminated.get('exitCode', 0)}"


class _PodSummary:
    """READY, STATUS and RESTARTS of a pod, worked out together as printPod does."""

    def __init__(self, pod: Obj) -> None:
        spec, status = pod.get("spec") or {}, pod.get("status") or {}
        init_specs = {c.get("name"): c for c in items(spec.get("initContainers"))}
        self.total = len(items(spec.get("containers"))) + sum(map(_restartable, init_specs.values()))
        self.ready = 0
        self.restarts = 0
        self.last_restart = ""
        phase = str(status.get("phase") or "")
        self.reason = str(status.get("reason") or phase)
        for condition in items(status.get("conditions")):
            if (
                condition.get("type") == CONDITION_POD_SCHEDULED
                and condition.get("reason") == REASON_SCHEDULING_GATED
            ):
                self.reason = REASON_SCHEDULING_GATED
        initializing, sidecar_restarts, sidecar_last = self._init_containers(status, init_specs)
        if not initializing or condition_true(status.get("conditions"), "Initialized"):
            self.restarts, self.last_restart = sidecar_restarts, sidecar_last
            self._containers(status)
        if get(pod, "metadata", "deletionTimestamp"):
            if status.get("reason") == _NODE_UNREACHABLE:
                self.reason = "Unknown"
            elif phase not in ("Succeeded", "Failed"):
                self.reason = "Terminating"

    def _restarted(self, container: dict[str, Any]) -> str:
        self.restarts += int(container.get("restartCount") or 0)
        finished = str(get(container, "lastState", "terminated", "finishedAt") or "")
        self.last_restart = max(self.last_restart, finished)
        return finished

    def _init_containers(self, status: dict[str, Any], specs: dict[Any, Any]) -> tuple[bool, int, str]:
        sidecar_restarts, sidecar_last = 0, ""
        statuses = items(status.get("initContainerStatuses"))
        for index, container in enumerate(statuses):
            finished = self._restarted(container)
            sidecar = _restartable(specs.get(container.get("name")))
            if sidecar:
                sidecar_restarts += int(container.get("restartCount") or 0)
                sidecar_last = max(sidecar_last, finished)
            state = container.get("state") or {}
            terminated, waiting = state.get("terminated"), state.get("waiting")
            if terminated and terminated.get("exitCode", 0) == 0:
                continue
            if sidecar and container.get("started"):
                self.ready += bool(container.get("ready"))
                continue
            if terminated:
                self.reason = _terminated_reason(terminated, "Init:")
            elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
                self.reason = f"Init:{waiting['reason']}"
            else:
                self.reason = f"Init:{index}/{len(specs)}"
            return True, sidecar_restarts, sidecar_last
        return False, sidecar_restarts, sidecar_last

    def _containers(self, status: dict[str, Any]) -> None:
        running = False
        for container in reversed(items(status.get("containerStatuses"))):
            self._restarted(container)
            state = container.get("state") or {}
            waiting, terminated = state.get("waiting") or {}, state.get("terminated")
            if waiting.get("reason"):
                self.reason = str(waiting["reason"])
            elif terminated is not None:
                self.reason = _terminated_reason(terminated)
            elif container.get("ready") and state.get("running") is not None:
                running = True
                self.ready += 1
        if self.reason == "Completed" and running:
            self.reason = "Running" if condition_true(status.get("conditions"), "Ready") else "NotReady"


def _pod_ready(pod: Obj, _: datetime) -> str:
    summary = _PodSummary(pod)
    return f"{summary.ready}/{summary.total}"


def _pod_status(pod: Obj, _: datetime) -> str:
    return _PodSummary(pod).reason


def _pod_restarts(pod: Obj, now: datetime) -> str:
    summary = _PodSummary(pod)
    if summary.restarts and summary.last_restart:
        return f"{summary.restarts} ({age(summary.last_restart, now)} ago)"
    return str(summary.restarts)


def _pod_ip(pod: Obj, _: datetime) -> str:
    ips = items(get(pod, "status", "podIPs"))
    return or_none(ips[0].get("ip") if ips else get(pod, "status", "podIP"))


def _readiness_gates(pod: Obj, _: datetime) -> str:
    gates = items(get(pod, "spec", "readinessGates"))
    if not gates:
        return "<none>"
    conditions = {c.get("type"): c.get("status") for c in items(get(pod, "status", "conditions"))}
    met = sum(conditions.get(g.get("conditionType")) == "True" for g in gates)
    return f"{met}/{len(gates)}"


POD_COLUMNS: tuple[Column, ...] = (
    NAME,
    string_column("Ready", _pod_ready, "The aggregate readiness state of this pod for accepting traffic."),
    string_column("Status", _pod_status, "The aggregate status of the containers in this pod."),
    string_column(
        "Restarts",
        _pod_restarts,
        "The number of times the containers in this pod have been restarted and when the last container in "
        "this pod has restarted.",
    ),
    AGE,
    string_column("IP", _pod_ip, "The IP address allocated to the pod.", 1),
    string_column(
        "Node", lambda o, _: or_none(get(o, "spec", "nodeName")), "The node the pod is bound to.", 1
    ),
    string_column(
        "Nominated Node",
        lambda o, _: or_none(get(o, "status", "nominatedNodeName")),
        "The node the scheduler has nominated for the pod, when it preempted others.",
        1,
    ),
    string_column("Readiness Gates", _readiness_gates, "Readiness gates met, of those the pod has.", 1),
)
