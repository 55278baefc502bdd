"""What a driver pod or an executor pod says about the application (the operator's pod-state rules).

A driver pod's phase maps to an observation: Pending (also when no phase is reported yet, which the API
server would show as Pending), Running, Succeeded, Failed, anything else Unknown.
A pod still Running whose driver container has terminated is judged by the container's exit code (the
JVM exited but a sidecar keeps the pod alive), and so is a Failed pod whose driver exited 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from sparkfleet.api.pod import ContainerStateTerminated, Pod, PodPhase
from sparkfleet.api.sparkstatus import ExecutorStateType
from sparkfleet.api.wire import (
    DRIVER_CONTAINER,
    EXECUTOR_CONTAINERS,
    LABEL_SPARK_APP_SELECTOR,
    REASON_START_ERROR,
)
from sparkfleet.engine.lifecycle.transitions import Observation

__all__ = [
    "DriverView",
    "container_terminated",
    "driver_failure_message",
    "executor_state",
    "executor_terminated",
    "observe_driver",
]


@dataclass(frozen=True, slots=True)
class DriverView:
    observation: Observation
    error: str | None = None
    """For DRIVER_FAILED: why, in the operator's words."""
    spark_application_id: str | None = None


def container_terminated(pod: Pod, names: tuple[str, ...]) -> ContainerStateTerminated | None:
    """The terminated state of the first container named in `names` that has a status.

    When none of the names has a status but the pod reports exactly one container, that one is used:
    a runtime that names the container differently still has one obvious main container.
    """
    statuses = pod.status.containerStatuses if pod.status is not None else []
    for name in names:
        for status in statuses:
            if status.name == name:
                return status.state.terminated if status.state is not None else None
    if len(statuses) == 1 and statuses[0].state is not None:
        return statuses[0].state.terminated
    return None


def driver_failure_message(pod: Pod) -> str:
    terminated = container_terminated(pod, (DRIVER_CONTAINER,))
    if terminated is None:
        reason = pod.status.reason if pod.status is not None else None
        message = pod.status.message if pod.status is not None else None
        if reason or message:
            # An evicted or preempted pod has no terminated container but says why on the pod.
            return f"driver pod failed: {': '.join(part for part in (reason, message) if part)}"
        return "driver container status missing"
    text = f"driver container failed with ExitCode: {terminated.exitCode}, Reason: {terminated.reason or ''}"
    if terminated.reason == REASON_START_ERROR and terminated.message:
        # The operator stops at the reason; for a container that could not start, the message (a jar the
        # image does not have, a path the runtime refused) is the cause and the fix. A container that ran
        # and failed has its log tail there: that belongs to the logs, not to the state.
        return f"{text}, Message: {terminated.message}"
    return text


def observe_driver(pod: Pod) -> DriverView:
    """The observation a driver pod makes, with the failure message when it failed."""
    # A pod nobody has reported on yet has no phase; the API server would have said Pending.
    phase = (pod.status.phase if pod.status is not None else None) or PodPhase.PENDING
    app_id = pod.metadata.labels.get(LABEL_SPARK_APP_SELECTOR)
    if phase == PodPhase.PENDING:
        return DriverView(Observation.DRIVER_PENDING, spark_application_id=app_id)
    if phase in (PodPhase.RUNNING, PodPhase.FAILED):
        terminated = container_terminated(pod, (DRIVER_CONTAINER,))
        if terminated is not None and terminated.exitCode == 0:
            return DriverView(Observation.DRIVER_SUCCEEDED, spark_application_id=app_id)
        if phase == PodPhase.RUNNING and terminated is None:
            return DriverView(Observation.DRIVER_RUNNING, spark_application_id=app_id)
        return DriverView(Observation.DRIVER_FAILED, driver_failure_message(pod), app_id)
    if phase == PodPhase.SUCCEEDED:
        return DriverView(Observation.DRIVER_SUCCEEDED, spark_application_id=app_id)
    return DriverView(Observation.DRIVER_UNKNOWN, spark_application_id=app_id)


_EXECUTOR_STATES = {
    PodPhase.PENDING: ExecutorStateType.PENDING,
    PodPhase.RUNNING: ExecutorStateType.RUNNING,
    PodPhase.SUCCEEDED: ExecutorStateType.COMPLETED,
    PodPhase.FAILED: ExecutorStateType.FAILED,
}


def executor_state(pod: Pod) -> ExecutorStateType:
    phase = (pod.status.phase if pod.status is not None else None) or PodPhase.PENDING
    return _EXECUTOR_STATES.get(phase, ExecutorStateType.UNKNOWN)


def executor_terminated(pod: Pod) -> ContainerStateTerminated | None:
    return container_terminated(pod, EXECUTOR_CONTAINERS)
