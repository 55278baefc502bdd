"""THE SparkApplication transition table: (state, observation) -> (next state, reason, effects).

Every state change the lifecycle engine makes goes through `transition()`, so this table is the whole
state machine: the states and edges of kubeflow/spark-operator's controller, plus DriverStartTimedOut (a
driver left Pending past a deadline fails the attempt instead of sitting in SUBMITTED forever) and
DRIVER_ADOPTED (a driver pod created before a crash is taken over instead of submitted twice).
A pair missing from the table is not a legal move; `transition()` raises for it.

The edge's reason doubles as the reason of the Kubernetes Event recorded for the move, and its message
template (fields `{app}`, `{pod}`, `{error}`, `{grace}`, `{detail}`) as the Event's message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from sparkfleet.api.sparkstatus import ApplicationStateType as S
from sparkfleet.api.wire import EventType

__all__ = [
    "TERMINAL_STATES",
    "TRANSITIONS",
    "Edge",
    "IllegalTransition",
    "Observation",
    "Reset",
    "transition",
]


class Observation(StrEnum):
    """What the engine saw (or what its own step concluded) that can move an application."""

    SUBMISSION_SUCCEEDED = "SubmissionSucceeded"
    SUBMISSION_FAILED = "SubmissionFailed"
    DRIVER_ADOPTED = "DriverAdopted"
    """The driver pod of the attempt being submitted already exists (created before a crash)."""
    DRIVER_PENDING = "DriverPending"
    DRIVER_RUNNING = "DriverRunning"
    DRIVER_SUCCEEDED = "DriverSucceeded"
    DRIVER_FAILED = "DriverFailed"
    DRIVER_UNKNOWN = "DriverUnknown"
    DRIVER_MISSING = "DriverMissing"
    """No driver pod, and the creation grace period (if any applies) is over."""
    DRIVER_START_TIMED_OUT = "DriverStartTimedOut"
    RESTART_ALWAYS = "RestartAlways"
    NO_RESTART = "NoRestart"
    RETRY_DUE = "RetryDue"
    RETRIES_EXHAUSTED = "RetriesExhausted"
    CLEANUP_STARTED = "CleanupStarted"
    """Deletion of the attempt's driver pod, services and config map has been requested."""
    SPEC_CHANGED = "SpecChanged"
    SUSPEND_REQUESTED = "SuspendRequested"
    RESUME_REQUESTED = "ResumeRequested"


class Reset(StrEnum):
    """Which status fields an edge clears (the operator's resetSparkApplicationStatus)."""

    NONE = "None"
    RERUN = "Rerun"
    """A new attempt: application id, termination time, error, driver info and executors."""
    INVALIDATE = "Invalidate"
    """As RERUN, and the attempt counters and last submission time: the spec is a new application."""
    SUSPEND = "Suspend"
    """Application id, error, driver info and executors; the attempt counters are kept."""


@dataclass(frozen=True, slots=True)
class Edge:
    next: S
    reason: str
    event_type: EventType
    message: str
    delete_resources: bool = False
    reset: Reset = Reset.NONE


class IllegalTransition(ValueError):
    def __init__(self, state: S, observation: Observation) -> None:
        super().__init__(f"no transition from {state.value or 'New'} on {observation.value}")
        self.state = state
        self.observation = observation


TERMINAL_STATES = frozenset({S.COMPLETED, S.FAILED})

N, W = EventType.NORMAL, EventType.WARNING
On = Observation  # a short alias keeps the table one edge per entry

_SUBMITTED = "SparkApplication {app} was submitted successfully"
_ADOPTED = "SparkApplication {app} was submitted successfully (adopted the existing driver pod {pod})"
_SUBMIT_FAILED = "failed to submit SparkApplication {app}: {error}"
_PENDING_RERUN = "SparkApplication {app} is pending rerun"
_SPEC_CHANGED = "SparkApplication {app} spec changed: invalidating the current run to run it again"
_SUSPENDING = "SparkApplication {app} is suspending"
_NOT_FOUND = "Driver pod {pod} not found after grace period {grace}, marking application as Failing"

TRANSITIONS: Mapping[tuple[S, Observation], Edge] = {
    # New: the first submission created the driver pod.
    (S.NEW, On.SUBMISSION_SUCCEEDED): Edge(S.SUBMITTED, "SparkApplicationSubmitted", N, _SUBMITTED),
    # New: building or creating the submission's objects failed.
    (S.NEW, On.SUBMISSION_FAILED): Edge(
        S.SUBMISSION_FAILED, "SparkApplicationSubmissionFailed", W, _SUBMIT_FAILED
    ),
    # New: the driver pod of this very submission exists already (we crashed before writing status).
    (S.NEW, On.DRIVER_ADOPTED): Edge(S.SUBMITTED, "SparkApplicationSubmitted", N, _ADOPTED),
    # New: suspended before it ever ran.
    (S.NEW, On.SUSPEND_REQUESTED): Edge(S.SUSPENDING, "SparkApplicationSuspending", W, _SUSPENDING),
    # Submitted: the driver container started.
    (S.SUBMITTED, On.DRIVER_RUNNING): Edge(S.RUNNING, "SparkDriverRunning", N, "Driver {pod} is running"),
    # Submitted: the driver finished successfully before we saw it running.
    (S.SUBMITTED, On.DRIVER_SUCCEEDED): Edge(
        S.SUCCEEDING, "SparkDriverCompleted", N, "Driver {pod} completed"
    ),
    # Submitted: the driver failed before we saw it running.
    (S.SUBMITTED, On.DRIVER_FAILED): Edge(S.FAILING, "SparkDriverFailed", W, "Driver {pod} failed: {error}"),
    # Submitted: the driver pod's phase is Unknown (its node stopped reporting).
    (S.SUBMITTED, On.DRIVER_UNKNOWN): Edge(
        S.UNKNOWN, "SparkDriverUnknown", W, "Driver {pod} in unknown state"
    ),
    # Submitted: the driver pod never appeared within the creation grace period, or was deleted.
    (S.SUBMITTED, On.DRIVER_MISSING): Edge(S.FAILING, "SparkDriverNotFound", W, _NOT_FOUND),
    # Submitted: the driver stayed Pending past the start timeout; its pod is deleted to free the queue.
    (S.SUBMITTED, On.DRIVER_START_TIMED_OUT): Edge(
        S.FAILING, "DriverStartTimedOut", W, "{detail}", delete_resources=True
    ),
    # Submitted: the spec changed under a submitted run.
    (S.SUBMITTED, On.SPEC_CHANGED): Edge(S.INVALIDATING, "SparkApplicationSpecChanged", N, _SPEC_CHANGED),
    # Submitted: suspend was set.
    (S.SUBMITTED, On.SUSPEND_REQUESTED): Edge(S.SUSPENDING, "SparkApplicationSuspending", W, _SUSPENDING),
    # Running: the driver pod went back to Pending (the operator maps Pending to SUBMITTED in every state).
    (S.RUNNING, On.DRIVER_PENDING): Edge(S.SUBMITTED, "SparkDriverPending", N, "Driver {pod} is pending"),
    # Running: the driver finished successfully.
    (S.RUNNING, On.DRIVER_SUCCEEDED): Edge(S.SUCCEEDING, "SparkDriverCompleted", N, "Driver {pod} completed"),
    # Running: the driver failed (non-zero exit code, eviction, ...).
    (S.RUNNING, On.DRIVER_FAILED): Edge(S.FAILING, "SparkDriverFailed", W, "Driver {pod} failed: {error}"),
    # Running: the driver pod's phase is Unknown.
    (S.RUNNING, On.DRIVER_UNKNOWN): Edge(S.UNKNOWN, "SparkDriverUnknown", W, "Driver {pod} in unknown state"),
    # Running: the driver pod was deleted under a running application (no grace period applies).
    (S.RUNNING, On.DRIVER_MISSING): Edge(S.FAILING, "SparkDriverNotFound", W, _NOT_FOUND),
    # Running: the spec changed under a running application.
    (S.RUNNING, On.SPEC_CHANGED): Edge(S.INVALIDATING, "SparkApplicationSpecChanged", N, _SPEC_CHANGED),
    # Running: suspend was set.
    (S.RUNNING, On.SUSPEND_REQUESTED): Edge(S.SUSPENDING, "SparkApplicationSuspending", W, _SUSPENDING),
    # Unknown: the driver pod is Pending again.
    (S.UNKNOWN, On.DRIVER_PENDING): Edge(S.SUBMITTED, "SparkDriverPending", N, "Driver {pod} is pending"),
    # Unknown: the driver's node came back and the driver is running.
    (S.UNKNOWN, On.DRIVER_RUNNING): Edge(S.RUNNING, "SparkDriverRunning", N, "Driver {pod} is running"),
    # Unknown: the driver turned out to have finished successfully.
    (S.UNKNOWN, On.DRIVER_SUCCEEDED): Edge(S.SUCCEEDING, "SparkDriverCompleted", N, "Driver {pod} completed"),
    # Unknown: the driver turned out to have failed.
    (S.UNKNOWN, On.DRIVER_FAILED): Edge(S.FAILING, "SparkDriverFailed", W, "Driver {pod} failed: {error}"),
    # Unknown: the driver pod is gone.
    (S.UNKNOWN, On.DRIVER_MISSING): Edge(S.FAILING, "SparkDriverNotFound", W, _NOT_FOUND),
    # Unknown: the spec changed.
    (S.UNKNOWN, On.SPEC_CHANGED): Edge(S.INVALIDATING, "SparkApplicationSpecChanged", N, _SPEC_CHANGED),
    # Unknown: suspend was set.
    (S.UNKNOWN, On.SUSPEND_REQUESTED): Edge(S.SUSPENDING, "SparkApplicationSuspending", W, _SUSPENDING),
    # Succeeding: restartPolicy Always runs a successful application again.
    (S.SUCCEEDING, On.RESTART_ALWAYS): Edge(
        S.PENDING_RERUN, "SparkApplicationPendingRerun", W, _PENDING_RERUN, True, Reset.RERUN
    ),
    # Succeeding: any other policy completes it.
    (S.SUCCEEDING, On.NO_RESTART): Edge(
        S.COMPLETED, "SparkApplicationCompleted", N, "SparkApplication {app} completed"
    ),
    # Succeeding: the spec changed before completion was recorded.
    (S.SUCCEEDING, On.SPEC_CHANGED): Edge(S.INVALIDATING, "SparkApplicationSpecChanged", N, _SPEC_CHANGED),
    # Succeeding: suspend was set.
    (S.SUCCEEDING, On.SUSPEND_REQUESTED): Edge(S.SUSPENDING, "SparkApplicationSuspending", W, _SUSPENDING),
    # Failing: Always, or OnFailure with retries left, once the linear back-off has passed.
    (S.FAILING, On.RETRY_DUE): Edge(
        S.PENDING_RERUN, "SparkApplicationPendingRerun", W, _PENDING_RERUN, True, Reset.RERUN
    ),
    # Failing: Never, or OnFailure with its retries used up.
    (S.FAILING, On.RETRIES_EXHAUSTED): Edge(
        S.FAILED, "SparkApplicationFailed", W, "SparkApplication {app} failed: {error}"
    ),
    # Failing: the spec changed while waiting to retry.
    (S.FAILING, On.SPEC_CHANGED): Edge(S.INVALIDATING, "SparkApplicationSpecChanged", N, _SPEC_CHANGED),
    # Failing: suspend was set while waiting to retry.
    (S.FAILING, On.SUSPEND_REQUESTED): Edge(S.SUSPENDING, "SparkApplicationSuspending", W, _SUSPENDING),
    # Submission failed: a retry submitted successfully.
    (S.SUBMISSION_FAILED, On.SUBMISSION_SUCCEEDED): Edge(
        S.SUBMITTED, "SparkApplicationSubmitted", N, _SUBMITTED
    ),
    # Submission failed: a retry failed again (one Event per failed attempt).
    (S.SUBMISSION_FAILED, On.SUBMISSION_FAILED): Edge(
        S.SUBMISSION_FAILED, "SparkApplicationSubmissionFailed", W, _SUBMIT_FAILED
    ),
    # Submission failed: the retry's driver pod exists already (crash between create and status).
    (S.SUBMISSION_FAILED, On.DRIVER_ADOPTED): Edge(S.SUBMITTED, "SparkApplicationSubmitted", N, _ADOPTED),
    # Submission failed: no submission retries left.
    (S.SUBMISSION_FAILED, On.RETRIES_EXHAUSTED): Edge(
        S.FAILED, "SparkApplicationFailed", W, "SparkApplication {app} failed: {error}"
    ),
    # Submission failed: the spec changed (perhaps fixing the cause).
    (S.SUBMISSION_FAILED, On.SPEC_CHANGED): Edge(
        S.INVALIDATING, "SparkApplicationSpecChanged", N, _SPEC_CHANGED
    ),
    # Submission failed: suspend was set.
    (S.SUBMISSION_FAILED, On.SUSPEND_REQUESTED): Edge(
        S.SUSPENDING, "SparkApplicationSuspending", W, _SUSPENDING
    ),
    # Pending rerun: the previous attempt's resources are gone and the rerun was submitted.
    (S.PENDING_RERUN, On.SUBMISSION_SUCCEEDED): Edge(S.SUBMITTED, "SparkApplicationSubmitted", N, _SUBMITTED),
    # Pending rerun: submitting the rerun failed.
    (S.PENDING_RERUN, On.SUBMISSION_FAILED): Edge(
        S.SUBMISSION_FAILED, "SparkApplicationSubmissionFailed", W, _SUBMIT_FAILED
    ),
    # Pending rerun: the rerun's driver pod exists already (crash between create and status).
    (S.PENDING_RERUN, On.DRIVER_ADOPTED): Edge(S.SUBMITTED, "SparkApplicationSubmitted", N, _ADOPTED),
    # Pending rerun: the spec changed again (attempt counters are reset).
    (S.PENDING_RERUN, On.SPEC_CHANGED): Edge(S.INVALIDATING, "SparkApplicationSpecChanged", N, _SPEC_CHANGED),
    # Pending rerun: suspend was set.
    (S.PENDING_RERUN, On.SUSPEND_REQUESTED): Edge(S.SUSPENDING, "SparkApplicationSuspending", W, _SUSPENDING),
    # Invalidating: resources deleted, counters reset; rerun with the new spec.
    (S.INVALIDATING, On.CLEANUP_STARTED): Edge(
        S.PENDING_RERUN, "SparkApplicationPendingRerun", W, _PENDING_RERUN, True, Reset.INVALIDATE
    ),
    # Invalidating: suspend was set together with the spec change.
    (S.INVALIDATING, On.SUSPEND_REQUESTED): Edge(S.SUSPENDING, "SparkApplicationSuspending", W, _SUSPENDING),
    # Suspending: resources deleted; the application waits, suspended.
    (S.SUSPENDING, On.CLEANUP_STARTED): Edge(
        S.SUSPENDED,
        "SparkApplicationSuspended",
        W,
        "SparkApplication {app} is suspended",
        True,
        Reset.SUSPEND,
    ),
    # Suspended: suspend was cleared and the old resources are gone.
    (S.SUSPENDED, On.RESUME_REQUESTED): Edge(
        S.RESUMING, "SparkApplicationResuming", W, "SparkApplication {app} is resuming", reset=Reset.SUSPEND
    ),
    # Resuming: resubmitted successfully.
    (S.RESUMING, On.SUBMISSION_SUCCEEDED): Edge(S.SUBMITTED, "SparkApplicationSubmitted", N, _SUBMITTED),
    # Resuming: resubmission failed.
    (S.RESUMING, On.SUBMISSION_FAILED): Edge(
        S.SUBMISSION_FAILED, "SparkApplicationSubmissionFailed", W, _SUBMIT_FAILED
    ),
    # Resuming: the resubmission's driver pod exists already (crash between create and status).
    (S.RESUMING, On.DRIVER_ADOPTED): Edge(S.SUBMITTED, "SparkApplicationSubmitted", N, _ADOPTED),
    # Resuming: suspended again before the resubmission.
    (S.RESUMING, On.SUSPEND_REQUESTED): Edge(S.SUSPENDING, "SparkApplicationSuspending", W, _SUSPENDING),
    # Completed: a spec change reruns a finished application (the operator does this too).
    (S.COMPLETED, On.SPEC_CHANGED): Edge(S.INVALIDATING, "SparkApplicationSpecChanged", N, _SPEC_CHANGED),
    # Failed: a spec change reruns a failed application, typically with the fix.
    (S.FAILED, On.SPEC_CHANGED): Edge(S.INVALIDATING, "SparkApplicationSpecChanged", N, _SPEC_CHANGED),
}


def transition(state: S, observation: Observation) -> Edge:
    """The edge for `observation` in `state`; IllegalTransition when the table has none."""
    edge = TRANSITIONS.get((state, observation))
    if edge is None:
        raise IllegalTransition(state, observation)
    return edge
