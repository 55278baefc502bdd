"""Driver and executor pods mapped to observations and executor states, by the operator's rules."""

from __future__ import annotations

import pytest

from sparkfleet.api.sparkstatus import ExecutorStateType
from sparkfleet.engine.lifecycle import Observation, pod_from_obj
from sparkfleet.engine.lifecycle.driver import executor_state, observe_driver

from .builders import driver, executor, terminated


@pytest.mark.parametrize(
    ("phase", "container", "expected"),
    [
        pytest.param("Pending", None, Observation.DRIVER_PENDING, id="pending"),
        pytest.param("Running", None, Observation.DRIVER_RUNNING, id="running"),
        pytest.param("Running", {"running": {}}, Observation.DRIVER_RUNNING, id="running-container"),
        pytest.param(
            "Running", terminated(0, "Completed"), Observation.DRIVER_SUCCEEDED, id="running-exit-0"
        ),
        pytest.param("Running", terminated(1, "Error"), Observation.DRIVER_FAILED, id="running-exit-1"),
        pytest.param("Succeeded", None, Observation.DRIVER_SUCCEEDED, id="succeeded"),
        pytest.param("Failed", terminated(0, "Completed"), Observation.DRIVER_SUCCEEDED, id="failed-exit-0"),
        pytest.param("Failed", terminated(1, "Error"), Observation.DRIVER_FAILED, id="failed"),
        pytest.param("Unknown", None, Observation.DRIVER_UNKNOWN, id="unknown"),
        pytest.param(None, None, Observation.DRIVER_PENDING, id="no-phase-yet-is-pending"),
    ],
)
def test_the_driver_phase_and_container_give_the_observation(
    phase: str | None, container: dict[str, object] | None, expected: Observation
) -> None:
    assert observe_driver(driver(phase, container_state=container)).observation == expected


def test_a_failed_driver_message_quotes_exit_code_and_reason() -> None:
    view = observe_driver(driver("Failed", container_state=terminated(137, "OOMKilled")))
    assert view.error == "driver container failed with ExitCode: 137, Reason: OOMKilled"


def test_a_driver_that_could_not_start_says_why_after_the_operator_s_words() -> None:
    cause = "spec.mainApplicationFile: local:///opt/spark/jars/app.jar is not in the local runtime's image"
    view = observe_driver(driver("Failed", container_state=terminated(128, "StartError", cause)))
    assert view.error == f"driver container failed with ExitCode: 128, Reason: StartError, Message: {cause}"


def test_the_log_tail_of_a_driver_that_ran_stays_out_of_the_message() -> None:
    view = observe_driver(driver("Failed", container_state=terminated(1, "Error", "line 1\nline 2")))
    assert view.error == "driver container failed with ExitCode: 1, Reason: Error"


def test_a_single_differently_named_container_is_still_the_driver() -> None:
    pod = pod_from_obj(
        {
            "metadata": {"name": "pi-driver"},
            "spec": {"containers": [{"name": "main"}]},
            "status": {
                "phase": "Failed",
                "containerStatuses": [{"name": "main", "state": terminated(3, "Error")}],
            },
        }
    )
    assert observe_driver(pod).error == "driver container failed with ExitCode: 3, Reason: Error"


@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        ("Pending", ExecutorStateType.PENDING),
        ("Running", ExecutorStateType.RUNNING),
        ("Succeeded", ExecutorStateType.COMPLETED),
        ("Failed", ExecutorStateType.FAILED),
        ("Unknown", ExecutorStateType.UNKNOWN),
    ],
)
def test_the_executor_phase_gives_its_state(phase: str, expected: ExecutorStateType) -> None:
    assert executor_state(executor(1, phase)) == expected
