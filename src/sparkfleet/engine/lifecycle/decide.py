"""The lifecycle engine: (application, its driver and executor pods, now) -> LifecycleDecision.

Pure: time and the next submission id are arguments, nothing is read or written. Each call walks the
transition table as far as the snapshot allows (SUCCEEDING -> COMPLETED needs no new observation, so both
happen in one call; PENDING_RERUN stops to wait for the old driver pod to disappear) and returns the
status to write, the effects to apply, the Events to record and when to look again.

A submission is two calls: `decide` answers SUBMIT with the attempt counted and its id set, the
controller creates the objects, and `after_submission` records the outcome (and, on failure, whether and
when to retry). Submission ids are deterministic per attempt, so a driver pod created just before a crash
is recognised by its submission-id label on the next call and adopted instead of submitted twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sparkfleet.api.pod import Pod
from sparkfleet.api.sparkapplication import RestartPolicyType, SparkApplication
from sparkfleet.api.sparkstatus import (
    ApplicationState,
    ApplicationStateType,
    DriverInfo,
    ExecutorStateType,
    SparkApplicationStatus,
    StateTransition,
)
from sparkfleet.api.timefmt import format_rfc3339, parse_optional_rfc3339
from sparkfleet.api.wire import ANNOTATION_SPEC_FINGERPRINT, LABEL_SUBMISSION_ID, EventType
from sparkfleet.engine.lifecycle.decision import (
    Action,
    LifecycleConfig,
    LifecycleDecision,
    LifecycleEvent,
    TransitionRecord,
)
from sparkfleet.engine.lifecycle.driver import observe_driver
from sparkfleet.engine.lifecycle.executors import ExecutorChange, track_executors
from sparkfleet.engine.lifecycle.fingerprint import spec_fingerprint
from sparkfleet.engine.lifecycle.retry import retry_due_in, should_retry
from sparkfleet.engine.lifecycle.timefmt import go_duration
from sparkfleet.engine.lifecycle.timeouts import check_start_timeout
from sparkfleet.engine.lifecycle.transitions import TERMINAL_STATES, Observation, Reset, transition

__all__ = ["after_submission", "decide", "executor_event"]

S = ApplicationStateType
_MAX_STEPS = 16
_LAST_SUBMISSION = "status.lastSubmissionAttemptTime"
_TERMINATION = "status.terminationTime"

# The application state a driver observation puts SUBMITTED / RUNNING / UNKNOWN applications in.
_DRIVER_TARGET = {
    Observation.DRIVER_PENDING: S.SUBMITTED,
    Observation.DRIVER_RUNNING: S.RUNNING,
    Observation.DRIVER_SUCCEEDED: S.SUCCEEDING,
    Observation.DRIVER_FAILED: S.FAILING,
    Observation.DRIVER_UNKNOWN: S.UNKNOWN,
}
# States in which a spec change invalidates the run (a run exists, existed or is about to be retried).
_INVALIDATABLE = frozenset(
    {
        S.SUBMITTED,
        S.RUNNING,
        S.UNKNOWN,
        S.SUCCEEDING,
        S.FAILING,
        S.SUBMISSION_FAILED,
        S.PENDING_RERUN,
        S.COMPLETED,
        S.FAILED,
    }
)
_TRACKS_EXECUTORS = frozenset(
    {S.SUBMITTED, S.RUNNING, S.UNKNOWN, S.SUCCEEDING, S.FAILING, S.COMPLETED, S.FAILED}
)
_SUSPEND_EXEMPT = TERMINAL_STATES | {S.SUSPENDING, S.SUSPENDED}


def executor_event(change: ExecutorChange) -> LifecycleEvent | None:
    """The operator's Event for an observed executor state change (none for inferred ones)."""
    if not change.observed:
        return None
    pod = change.pod
    match change.new:
        case ExecutorStateType.PENDING:
            return LifecycleEvent(EventType.NORMAL, "SparkExecutorPending", f"Executor {pod} is pending")
        case ExecutorStateType.RUNNING:
            return LifecycleEvent(EventType.NORMAL, "SparkExecutorRunning", f"Executor {pod} is running")
        case ExecutorStateType.COMPLETED:
            return LifecycleEvent(EventType.NORMAL, "SparkExecutorCompleted", f"Executor {pod} completed")
        case ExecutorStateType.FAILED:
            return LifecycleEvent(
                EventType.WARNING,
                "SparkExecutorFailed",
                f"Executor {pod} failed with ExitCode: {change.exit_code}, Reason: {change.reason}, "
                f"Pod Message: {change.pod_message or ''}",
            )
        case _:
            return LifecycleEvent(
                EventType.WARNING, "SparkExecutorUnknown", f"Executor {pod} in unknown state"
            )


class _Machine:
    """One engine call: a working copy of the status and everything the call decides."""

    def __init__(
        self,
        app: SparkApplication,
        status: SparkApplicationStatus,
        driver_pod: Pod | None,
        executor_pods: Sequence[Pod] | None,
        now: datetime,
        config: LifecycleConfig,
        submission_ids: Callable[[int], str] | None,
        leftovers: bool,
    ) -> None:
        self.app = app
        self.name = app.metadata.name or ""
        self.original = status
        self.status = status.model_copy(deep=True)
        self.driver_pod = driver_pod
        self.driver_observed = True
        self.executor_pods = executor_pods
        self.now = now
        self.config = config
        self.submission_ids = submission_ids
        self.leftovers = leftovers
        self.policy = app.spec.effective_restart_policy()
        self.actions: list[Action] = []
        self.events: list[LifecycleEvent] = []
        self.transitions: list[TransitionRecord] = []
        self.executor_changes: tuple[ExecutorChange, ...] = ()
        self.requeue: float | None = None
        self.fingerprint: str | None = None
        self.submission_fingerprint: str | None = None
        self.pending_submission: str | None = None
        self.may_submit = True
        self.cleanup_requested = False

    # -- bookkeeping ----------------------------------------------------------------------------------
    @property
    def state(self) -> S:
        return self.status.applicationState.state

    def act(self, action: Action) -> None:
        if action not in self.actions:
            self.actions.append(action)

    def requeue_after(self, seconds: float) -> None:
        seconds = max(seconds, 0.0)
        self.requeue = seconds if self.requeue is None else min(self.requeue, seconds)

    def event(self, type_: EventType, reason: str, message: str) -> None:
        self.events.append(LifecycleEvent(type_, reason, message))

    def _reset(self, reset: Reset) -> None:
        s = self.status
        if reset is Reset.NONE:
            return
        s.sparkApplicationId = None
        s.applicationState = ApplicationState(state=s.applicationState.state)
        s.driverInfo = DriverInfo()
        s.executorState = {}
        if reset in (Reset.RERUN, Reset.INVALIDATE):
            s.terminationTime = None
        if reset is Reset.INVALIDATE:
            s.submissionAttempts = 0
            s.executionAttempts = 0
            s.lastSubmissionAttemptTime = None

    def apply(self, observation: Observation, *, error: str | None = None, detail: str = "") -> None:
        """Take the table's edge for `observation`: new state, reset, effects, history and Event."""
        previous = self.state
        edge = transition(previous, observation)
        self._reset(edge.reset)
        message_error = error if error is not None else self.status.applicationState.errorMessage
        if observation in (Observation.SUBMISSION_SUCCEEDED, Observation.DRIVER_ADOPTED):
            kept_error = None
        elif error is not None:
            kept_error = error
        else:
            kept_error = self.status.applicationState.errorMessage
        self.status.applicationState = ApplicationState(state=edge.next, errorMessage=kept_error)
        if edge.next in TERMINAL_STATES and self.status.terminationTime is None:
            self.status.terminationTime = format_rfc3339(self.now)
        if edge.delete_resources:
            self.act(Action.DELETE_RESOURCES)
            self.cleanup_requested = True
        message = edge.message.format(
            app=self.name,
            pod=self.status.driverInfo.podName or self.app.driver_pod_name(),
            error=message_error or "",
            grace=go_duration(self.config.driver_pod_creation_grace_seconds),
            detail=detail,
        )
        self.transitions.append(TransitionRecord(previous, edge.next, edge.reason, message))
        history = self.status.transitions
        history.append(
            StateTransition(
                state=edge.next, time=format_rfc3339(self.now), reason=edge.reason, message=message
            )
        )
        if len(history) > self.config.transition_history_limit:
            del history[: len(history) - self.config.transition_history_limit]
        self.event(edge.event_type, edge.reason, message)

    # -- submission -----------------------------------------------------------------------------------
    def _next_submission_id(self) -> str:
        if self.submission_ids is None:
            raise ValueError("decide needs submission_ids (attempt number -> submission id) to submit")
        return self.submission_ids(self.status.submissionAttempts + 1)

    def _begin_attempt(self, submission_id: str) -> None:
        s = self.status
        s.submissionAttempts += 1
        s.lastSubmissionAttemptTime = format_rfc3339(self.now)
        s.submissionID = submission_id
        s.driverInfo = DriverInfo(podName=self.app.driver_pod_name())
        self.submission_fingerprint = spec_fingerprint(self.app.spec)

    def _adoptable(self) -> bool:
        pod = self.driver_pod
        if pod is None or self.cleanup_requested:
            # A pod this very call asked to delete is the old attempt's, whatever its label says.
            return False
        return pod.metadata.labels.get(LABEL_SUBMISSION_ID) == self._next_submission_id()

    def submit(self) -> bool:
        """Submit the next attempt, or adopt its driver pod when a crashed call already created it."""
        if not self.may_submit:
            # Only one submission per engine call: the caller reports it before another is made.
            self.requeue_after(0)
            return False
        if self.state == S.NEW and self.status.submissionAttempts == 0:
            self.event(
                EventType.NORMAL,
                "SparkApplicationAdded",
                f"SparkApplication {self.name} was added, enqueuing it for submission",
            )
        adopt = self._adoptable()
        submission_id = self._next_submission_id()
        self._begin_attempt(submission_id)
        if adopt:
            self.status.executionAttempts += 1
            self.apply(Observation.DRIVER_ADOPTED)
            return True
        self.act(Action.SUBMIT)
        self.pending_submission = submission_id
        return False

    def submit_when_clean(self) -> bool:
        """Submit once the previous attempt's driver pod, services and config map are gone."""
        if not self._adoptable() and (self.driver_pod is not None or self.leftovers):
            self.act(Action.DELETE_RESOURCES)
            self.requeue_after(self.config.cleanup_poll_seconds)
            return False
        return self.submit()

    # -- per-state steps ------------------------------------------------------------------------------
    def follow_driver(self) -> bool:
        if not self.driver_observed:
            return False
        pod = self.driver_pod
        if pod is None:
            grace = self.config.driver_pod_creation_grace_seconds
            last = parse_optional_rfc3339(self.status.lastSubmissionAttemptTime, field=_LAST_SUBMISSION)
            if self.state == S.SUBMITTED and last is not None:
                elapsed = (self.now - last).total_seconds()
                if elapsed < grace:
                    self.requeue_after(grace - elapsed)
                    return False
            self.status.terminationTime = format_rfc3339(self.now)
            self.apply(Observation.DRIVER_MISSING, error="driver pod not found")
            return True
        view = observe_driver(pod)
        if view.spark_application_id:
            self.status.sparkApplicationId = view.spark_application_id
        if _DRIVER_TARGET[view.observation] == self.state:
            if self.state == S.SUBMITTED:
                return self.check_start_timeout(pod)
            return False
        if view.observation in (Observation.DRIVER_SUCCEEDED, Observation.DRIVER_FAILED):
            self.status.terminationTime = self.status.terminationTime or format_rfc3339(self.now)
        self.apply(view.observation, error=view.error)
        return True

    def check_start_timeout(self, pod: Pod) -> bool:
        since = parse_optional_rfc3339(self.status.lastSubmissionAttemptTime, field=_LAST_SUBMISSION)
        verdict = check_start_timeout(pod, since, self.now, self.config.driver_start_timeout_seconds)
        if verdict is None:
            return False
        if not verdict.timed_out:
            self.requeue_after(verdict.due_in)
            return False
        self.status.terminationTime = format_rfc3339(self.now)
        self.apply(Observation.DRIVER_START_TIMED_OUT, error=verdict.error, detail=verdict.detail)
        return True

    def retry_or_fail(self) -> bool:
        if not should_retry(self.policy, self.status):
            self.apply(Observation.RETRIES_EXHAUSTED)
            return True
        due_in = retry_due_in(self.policy, self.status, self.now)
        if due_in > 0:
            self.requeue_after(due_in)
            return False
        if self.state == S.FAILING:
            self.apply(Observation.RETRY_DUE)
            return True
        return self.submit_when_clean()

    def expire(self) -> bool:
        ttl: float | None = self.app.spec.timeToLiveSeconds
        if ttl is None and self.config.default_time_to_live_seconds:
            ttl = self.config.default_time_to_live_seconds
        terminated = parse_optional_rfc3339(self.status.terminationTime, field=_TERMINATION)
        if ttl is None or terminated is None:
            return False
        survival = (self.now - terminated).total_seconds()
        if survival >= ttl:
            self.act(Action.DELETE_APPLICATION)
        else:
            self.requeue_after(ttl - survival)
        return False

    def resume(self) -> bool:
        if self.app.spec.suspend:
            return False
        if self.driver_pod is not None or self.leftovers:
            self.act(Action.DELETE_RESOURCES)
            self.requeue_after(self.config.cleanup_poll_seconds)
            return False
        self.apply(Observation.RESUME_REQUESTED)
        return True

    def step(self) -> bool:
        """Advance one edge if the snapshot allows; False when the application must wait."""
        match self.state:
            case S.NEW | S.RESUMING:
                return self.submit()
            case S.PENDING_RERUN:
                return self.submit_when_clean()
            case S.SUBMITTED | S.RUNNING | S.UNKNOWN:
                return self.follow_driver()
            case S.SUCCEEDING:
                always = self.policy.type == RestartPolicyType.ALWAYS
                self.apply(Observation.RESTART_ALWAYS if always else Observation.NO_RESTART)
                return True
            case S.FAILING | S.SUBMISSION_FAILED:
                return self.retry_or_fail()
            case S.INVALIDATING | S.SUSPENDING:
                self.apply(Observation.CLEANUP_STARTED)
                return True
            case S.SUSPENDED:
                return self.resume()
            case _:
                return self.expire()

    def recorded_fingerprint(self) -> str | None:
        """The fingerprint of the spec last submitted: the current submission's driver pod carries it (so
        the happy path never writes it on the application); the application keeps it once that pod is
        going away."""
        pod = self.driver_pod
        if pod is not None and pod.metadata.labels.get(LABEL_SUBMISSION_ID) == self.status.submissionID:
            carried = pod.metadata.annotations.get(ANNOTATION_SPEC_FINGERPRINT)
            if carried:
                return carried
        return self.app.metadata.annotations.get(ANNOTATION_SPEC_FINGERPRINT)

    def keep_fingerprint(self) -> None:
        """Deleting the attempt's resources takes the driver pod's fingerprint along: keep it on the app."""
        current = spec_fingerprint(self.app.spec)
        on_app = self.app.metadata.annotations.get(ANNOTATION_SPEC_FINGERPRINT)
        if Action.DELETE_RESOURCES in self.actions and self.fingerprint is None and on_app != current:
            self.fingerprint = current

    def preflight(self) -> None:
        """Suspension and spec changes come before whatever the state would do next."""
        current = spec_fingerprint(self.app.spec)
        recorded = self.recorded_fingerprint()
        if self.app.spec.suspend and self.state not in _SUSPEND_EXEMPT:
            self.apply(Observation.SUSPEND_REQUESTED)
        elif recorded is not None and recorded != current and self.state in _INVALIDATABLE:
            self.apply(Observation.SPEC_CHANGED)
            self.fingerprint = current
        elif recorded is None and self.state not in (S.NEW, S.RESUMING, S.PENDING_RERUN):
            # Written before fingerprints were kept, or lost in a crash: start comparing from here.
            self.fingerprint = current
        elif recorded != current and self.state == S.INVALIDATING:
            self.fingerprint = current

    def run(self) -> None:
        for _ in range(_MAX_STEPS):
            if not self.step():
                return
        raise RuntimeError(f"lifecycle of {self.name} did not settle in {_MAX_STEPS} steps (at {self.state})")

    def track(self) -> None:
        if self.executor_pods is None or self.state not in _TRACKS_EXECUTORS:
            return
        tracking = track_executors(
            self.status.executorState, self.executor_pods, self.state, self.config.max_tracked_executors
        )
        self.status.executorState = tracking.states
        if tracking.spark_application_id:
            self.status.sparkApplicationId = tracking.spark_application_id
        self.executor_changes = tracking.changes
        for change in tracking.changes:
            event = executor_event(change)
            if event is not None:
                self.events.append(event)

    def decision(self, prior: LifecycleDecision | None = None) -> LifecycleDecision:
        actions = tuple(self.actions) or (Action.NONE,)
        events = tuple(self.events)
        transitions = tuple(self.transitions)
        changes = self.executor_changes
        original = self.original
        if prior is not None:
            events = prior.events + events
            transitions = prior.transitions + transitions
            changes = prior.executor_changes + changes
        return LifecycleDecision(
            status=self.status,
            actions=actions,
            requeue_after=self.requeue,
            events=events,
            transitions=transitions,
            executor_changes=changes,
            record_fingerprint=self.fingerprint if prior is None else prior.record_fingerprint,
            submission_fingerprint=self.submission_fingerprint
            if prior is None
            else prior.submission_fingerprint,
            submission_id=self.pending_submission,
            status_changed=self.status != original,
        )


def decide(
    app: SparkApplication,
    driver_pod: Pod | None,
    executor_pods: Sequence[Pod] | None,
    now: datetime,
    config: LifecycleConfig | None = None,
    *,
    submission_ids: Callable[[int], str] | None = None,
    leftovers: bool = False,
) -> LifecycleDecision:
    """What to do next for `app`.

    `driver_pod`: the pod named in status.driverInfo.podName (else the app's driver pod name), or None.
    `executor_pods`: the executor pods of the current submission (None: not looked at this time).
    `submission_ids`: the submission id of attempt n (1-based); deterministic, so that a driver pod created
    just before a crash is recognised. Ids must not repeat for the life of the application, also after a
    spec change resets the attempt counter (the controller mixes in the generation).
    `leftovers`: services or config maps of an earlier attempt still exist.
    """
    machine = _Machine(
        app,
        app.status or SparkApplicationStatus(),
        driver_pod,
        executor_pods,
        now,
        config or LifecycleConfig(),
        submission_ids,
        leftovers,
    )
    if app.metadata.deletionTimestamp is None:
        machine.preflight()
        machine.run()
        machine.track()
        machine.keep_fingerprint()
    return machine.decision()


def after_submission(
    app: SparkApplication,
    pending: LifecycleDecision,
    error: str | None,
    now: datetime,
    config: LifecycleConfig | None = None,
) -> LifecycleDecision:
    """The outcome of a SUBMIT `pending` asked for: SUBMITTED, or SUBMISSION_FAILED with `error` (then
    FAILED at once when no retry is left, else a requeue at the back-off).

    The result carries `pending`'s Events and transitions too, so the caller records one list.
    """
    if not pending.has(Action.SUBMIT):
        raise ValueError("after_submission follows a decision that asked to SUBMIT")
    machine = _Machine(app, pending.status, None, None, now, config or LifecycleConfig(), None, False)
    machine.original = app.status or SparkApplicationStatus()
    machine.driver_observed = False
    machine.may_submit = False
    if error is None:
        machine.status.executionAttempts += 1
        machine.apply(Observation.SUBMISSION_SUCCEEDED)
    else:
        machine.apply(Observation.SUBMISSION_FAILED, error=error)
    machine.run()
    machine.actions = [a for a in machine.actions if a is not Action.SUBMIT]
    return machine.decision(prior=pending)
