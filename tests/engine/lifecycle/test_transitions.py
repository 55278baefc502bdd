"""Every edge of the transition table is taken by the engine in a situation that calls for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from sparkfleet.api.pod import Pod
from sparkfleet.api.sparkstatus import ApplicationStateType as S
from sparkfleet.engine.lifecycle import (
    TRANSITIONS,
    Action,
    FailedCreate,
    LifecycleDecision,
    Observation,
    decide,
    transition,
)
from sparkfleet.engine.lifecycle.transitions import IllegalTransition

from .builders import app, at, driver, ids, terminated

O = Observation  # noqa: E741
ALWAYS = {"type": "Always"}
NEVER = {"type": "Never"}
SUSPEND = {"suspend": True}
STALE = "spec-of-an-earlier-generation"


@dataclass
class Case:
    """One situation: the application, what is observed, and (for a SUBMIT) how the submission ends."""

    status: dict[str, Any] = field(default_factory=dict)
    spec: dict[str, Any] = field(default_factory=dict)
    driver: Pod | None = None
    seconds: float = 30.0
    fingerprint: str = "current"
    submit_error: str | None = None


def _pending_for_rerun(**extra: Any) -> dict[str, Any]:
    return {"driverInfo": {}, "executionAttempts": 1, **extra}


def _adoptable() -> Pod:
    return driver("Pending", submission_id="sub-2")


CASES: dict[tuple[S, Observation], Case] = {
    (S.NEW, O.SUBMISSION_SUCCEEDED): Case(),
    (S.NEW, O.SUBMISSION_FAILED): Case(submit_error="image registry unreachable"),
    (S.NEW, O.DRIVER_ADOPTED): Case(driver=driver("Pending", submission_id="sub-1")),
    (S.NEW, O.SUSPEND_REQUESTED): Case(spec=SUSPEND),
    (S.SUBMITTED, O.DRIVER_RUNNING): Case(driver=driver("Running")),
    (S.SUBMITTED, O.DRIVER_SUCCEEDED): Case(driver=driver("Succeeded")),
    (S.SUBMITTED, O.DRIVER_FAILED): Case(driver=driver("Failed", container_state=terminated(1, "Error"))),
    (S.SUBMITTED, O.DRIVER_UNKNOWN): Case(driver=driver("Unknown")),
    (S.SUBMITTED, O.DRIVER_MISSING): Case(seconds=11),
    (S.SUBMITTED, O.DRIVER_START_TIMED_OUT): Case(driver=driver("Pending"), seconds=601),
    (S.SUBMITTED, O.SPEC_CHANGED): Case(driver=driver("Pending"), fingerprint=STALE),
    (S.SUBMITTED, O.SUSPEND_REQUESTED): Case(driver=driver("Pending"), spec=SUSPEND),
    (S.RUNNING, O.DRIVER_PENDING): Case(driver=driver("Pending")),
    (S.RUNNING, O.DRIVER_SUCCEEDED): Case(driver=driver("Succeeded")),
    (S.RUNNING, O.DRIVER_FAILED): Case(
        driver=driver("Running", container_state=terminated(137, "OOMKilled"))
    ),
    (S.RUNNING, O.DRIVER_UNKNOWN): Case(driver=driver("Unknown")),
    (S.RUNNING, O.DRIVER_MISSING): Case(seconds=3),
    (S.RUNNING, O.SPEC_CHANGED): Case(driver=driver("Running"), fingerprint=STALE),
    (S.RUNNING, O.SUSPEND_REQUESTED): Case(driver=driver("Running"), spec=SUSPEND),
    (S.UNKNOWN, O.DRIVER_PENDING): Case(driver=driver("Pending")),
    (S.UNKNOWN, O.DRIVER_RUNNING): Case(driver=driver("Running")),
    (S.UNKNOWN, O.DRIVER_SUCCEEDED): Case(
        driver=driver("Failed", container_state=terminated(0, "Completed"))
    ),
    (S.UNKNOWN, O.DRIVER_FAILED): Case(driver=driver("Failed", container_state=terminated(2, "Error"))),
    (S.UNKNOWN, O.DRIVER_MISSING): Case(),
    (S.UNKNOWN, O.SPEC_CHANGED): Case(driver=driver("Unknown"), fingerprint=STALE),
    (S.UNKNOWN, O.SUSPEND_REQUESTED): Case(driver=driver("Unknown"), spec=SUSPEND),
    (S.SUCCEEDING, O.RESTART_ALWAYS): Case(driver=driver("Succeeded"), spec={"restartPolicy": ALWAYS}),
    (S.SUCCEEDING, O.NO_RESTART): Case(driver=driver("Succeeded")),
    (S.SUCCEEDING, O.SPEC_CHANGED): Case(driver=driver("Succeeded"), fingerprint=STALE),
    (S.SUCCEEDING, O.SUSPEND_REQUESTED): Case(driver=driver("Succeeded"), spec=SUSPEND),
    (S.FAILING, O.RETRY_DUE): Case(driver=driver("Failed"), spec={"restartPolicy": ALWAYS}),
    (S.FAILING, O.RETRIES_EXHAUSTED): Case(driver=driver("Failed"), spec={"restartPolicy": NEVER}),
    (S.FAILING, O.SPEC_CHANGED): Case(driver=driver("Failed"), fingerprint=STALE),
    (S.FAILING, O.SUSPEND_REQUESTED): Case(driver=driver("Failed"), spec=SUSPEND),
    (S.SUBMISSION_FAILED, O.SUBMISSION_SUCCEEDED): Case(spec={"restartPolicy": ALWAYS}),
    (S.SUBMISSION_FAILED, O.SUBMISSION_FAILED): Case(
        spec={"restartPolicy": ALWAYS}, submit_error="quota exceeded"
    ),
    (S.SUBMISSION_FAILED, O.DRIVER_ADOPTED): Case(spec={"restartPolicy": ALWAYS}, driver=_adoptable()),
    (S.SUBMISSION_FAILED, O.RETRIES_EXHAUSTED): Case(spec={"restartPolicy": NEVER}),
    (S.SUBMISSION_FAILED, O.SPEC_CHANGED): Case(fingerprint=STALE),
    (S.SUBMISSION_FAILED, O.SUSPEND_REQUESTED): Case(spec=SUSPEND),
    (S.PENDING_RERUN, O.SUBMISSION_SUCCEEDED): Case(status=_pending_for_rerun()),
    (S.PENDING_RERUN, O.SUBMISSION_FAILED): Case(status=_pending_for_rerun(), submit_error="quota exceeded"),
    (S.PENDING_RERUN, O.DRIVER_ADOPTED): Case(status=_pending_for_rerun(), driver=_adoptable()),
    (S.PENDING_RERUN, O.SPEC_CHANGED): Case(status=_pending_for_rerun(), fingerprint=STALE),
    (S.PENDING_RERUN, O.SUSPEND_REQUESTED): Case(status=_pending_for_rerun(), spec=SUSPEND),
    (S.INVALIDATING, O.CLEANUP_STARTED): Case(driver=driver("Running")),
    (S.INVALIDATING, O.SUSPEND_REQUESTED): Case(driver=driver("Running"), spec=SUSPEND),
    (S.SUSPENDING, O.CLEANUP_STARTED): Case(driver=driver("Running"), spec=SUSPEND),
    (S.SUSPENDED, O.RESUME_REQUESTED): Case(),
    (S.RESUMING, O.SUBMISSION_SUCCEEDED): Case(),
    (S.RESUMING, O.SUBMISSION_FAILED): Case(submit_error="image registry unreachable"),
    (S.RESUMING, O.DRIVER_ADOPTED): Case(driver=_adoptable()),
    (S.RESUMING, O.SUSPEND_REQUESTED): Case(spec=SUSPEND),
    (S.COMPLETED, O.SPEC_CHANGED): Case(driver=driver("Succeeded"), fingerprint=STALE),
    (S.FAILED, O.SPEC_CHANGED): Case(driver=driver("Failed"), fingerprint=STALE),
}


def run(state: S, case: Case) -> LifecycleDecision:
    application = app(state, status=case.status, fingerprint=case.fingerprint, **case.spec)
    now = at(case.seconds)
    decision = decide(application, case.driver, [], now, submission_ids=ids)
    if decision.has(Action.SUBMIT) and case.submit_error is not None and decision.submission_id:
        # The controller could not create the objects: its next pass decides with the failure.
        failed = FailedCreate(decision.submission_id, case.submit_error)
        decision = decide(application, case.driver, [], now, submission_ids=ids, failed_create=failed)
    return decision


def test_every_edge_of_the_table_has_a_case() -> None:
    assert set(CASES) == set(TRANSITIONS)


EDGES = [
    pytest.param(edge, case, id=f"{edge[0].value or 'NEW'}-{edge[1].value}") for edge, case in CASES.items()
]


@pytest.mark.parametrize(("edge", "case"), EDGES)
def test_the_engine_takes_the_edge(edge: tuple[S, Observation], case: Case) -> None:
    state, observation = edge
    expected = transition(state, observation)
    decision = run(state, case)
    first = decision.transitions[0]
    assert (first.previous, first.next, first.reason) == (state, expected.next, expected.reason)
    assert first.reason in [event.reason for event in decision.events], "one Event per transition"
    history = decision.status.transitions[-len(decision.transitions) :]
    assert [(h.state, h.reason) for h in history] == [(t.next, t.reason) for t in decision.transitions]
    if expected.delete_resources:
        assert decision.has(Action.DELETE_RESOURCES)


def test_a_pair_outside_the_table_is_refused() -> None:
    with pytest.raises(IllegalTransition, match="no transition from COMPLETED on DriverRunning"):
        transition(S.COMPLETED, Observation.DRIVER_RUNNING)


def test_terminal_states_move_only_on_a_spec_change() -> None:
    for terminal in (S.COMPLETED, S.FAILED):
        assert {obs for (state, obs) in TRANSITIONS if state == terminal} == {Observation.SPEC_CHANGED}


def test_every_live_state_can_be_suspended() -> None:
    live = set(S) - {S.COMPLETED, S.FAILED, S.SUSPENDING, S.SUSPENDED}
    assert {state for (state, obs) in TRANSITIONS if obs == Observation.SUSPEND_REQUESTED} == live
