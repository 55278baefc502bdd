"""The lifecycle engine: (application, its driver and executor pods, now) -> LifecycleDecision.

Pure: time and the submission ids are arguments, nothing is read or written. Each call walks the
transition table as far as the snapshot allows (SUCCEEDING -> COMPLETED needs no new observation, so both
happen in one call; PENDING_RERUN stops to wait for the old driver pod to disappear) and returns the
status to write, every effect with its final content (the submission's objects as they are to be
stored, deletions), the Events to record and when to look again. One call per controller pass: a
submission is decided, built and counted in the same call (see submit.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sparkfleet.api.pod import Pod
from sparkfleet.api.sparkapplication import RestartPolicyType, SparkApplication
from sparkfleet.api.sparkstatus import ApplicationStateType, ExecutorStateType
from sparkfleet.api.timefmt import format_rfc3339, parse_optional_rfc3339
from sparkfleet.api.wire import EventType
from sparkfleet.engine.lifecycle.decision import (
    Action,
    FailedCreate,
    LifecycleConfig,
    LifecycleDecision,
    LifecycleEvent,
)
from sparkfleet.engine.lifecycle.driver import observe_driver
from sparkfleet.engine.lifecycle.executors import ExecutorChange, track_executors
from sparkfleet.engine.lifecycle.machine import Machine
from sparkfleet.engine.lifecycle.retry import retry_due_in, should_retry
from sparkfleet.engine.lifecycle.specchange import keep_fingerprint, preflight
from sparkfleet.engine.lifecycle.submit import submit, submit_when_clean
from sparkfleet.engine.lifecycle.timeouts import check_start_timeout
from sparkfleet.engine.lifecycle.transitions import Observation
from sparkfleet.engine.submission import SubmissionOptions

__all__ = ["decide", "executor_event"]

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
_TRACKS_EXECUTORS = frozenset(
    {S.SUBMITTED, S.RUNNING, S.UNKNOWN, S.SUCCEEDING, S.FAILING, S.COMPLETED, S.FAILED}
)


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


# -- per-state steps: each advances one edge if the snapshot allows, False when the app must wait ----


def _follow_driver(m: Machine) -> bool:
    if not m.driver_observed:
        return False
    pod = m.driver_pod
    if pod is None:
        grace = m.config.driver_pod_creation_grace_seconds
        last = parse_optional_rfc3339(m.status.lastSubmissionAttemptTime, field=_LAST_SUBMISSION)
        if m.state == S.SUBMITTED and last is not None:
            elapsed = (m.now - last).total_seconds()
            if elapsed < grace:
                m.requeue_after(grace - elapsed)
                return False
        m.status.terminationTime = format_rfc3339(m.now)
        m.apply(Observation.DRIVER_MISSING, error="driver pod not found")
        return True
    view = observe_driver(pod)
    if view.spark_application_id:
        m.status.sparkApplicationId = view.spark_application_id
    if _DRIVER_TARGET[view.observation] == m.state:
        if m.state == S.SUBMITTED:
            return _check_start_timeout(m, pod)
        return False
    if view.observation in (Observation.DRIVER_SUCCEEDED, Observation.DRIVER_FAILED):
        m.status.terminationTime = m.status.terminationTime or format_rfc3339(m.now)
    m.apply(view.observation, error=view.error)
    return True


def _check_start_timeout(m: Machine, pod: Pod) -> bool:
    since = parse_optional_rfc3339(m.status.lastSubmissionAttemptTime, field=_LAST_SUBMISSION)
    verdict = check_start_timeout(pod, since, m.now, m.config.driver_start_timeout_seconds)
    if verdict is None:
        return False
    if not verdict.timed_out:
        m.requeue_after(verdict.due_in)
        return False
    m.status.terminationTime = format_rfc3339(m.now)
    m.apply(Observation.DRIVER_START_TIMED_OUT, error=verdict.error, detail=verdict.detail)
    return True


def _retry_or_fail(m: Machine) -> bool:
    if not should_retry(m.policy, m.status):
        m.apply(Observation.RETRIES_EXHAUSTED)
        return True
    due_in = retry_due_in(m.policy, m.status, m.now)
    if due_in > 0:
        m.requeue_after(due_in)
        return False
    if m.state == S.FAILING:
        m.apply(Observation.RETRY_DUE)
        return True
    return submit_when_clean(m)


def _expire(m: Machine) -> bool:
    ttl: float | None = m.app.spec.timeToLiveSeconds
    if ttl is None and m.config.default_time_to_live_seconds:
        ttl = m.config.default_time_to_live_seconds
    terminated = parse_optional_rfc3339(m.status.terminationTime, field=_TERMINATION)
    if ttl is None or terminated is None:
        return False
    survival = (m.now - terminated).total_seconds()
    if survival >= ttl:
        m.act(Action.DELETE_APPLICATION)
    else:
        m.requeue_after(ttl - survival)
    return False


def _resume(m: Machine) -> bool:
    if m.app.spec.suspend:
        return False
    if m.driver_pod is not None or m.leftovers:
        m.act(Action.DELETE_RESOURCES)
        m.requeue_after(m.config.cleanup_poll_seconds)
        return False
    m.apply(Observation.RESUME_REQUESTED)
    return True


def _step(m: Machine) -> bool:
    match m.state:
        case S.NEW | S.RESUMING:
            return submit(m)
        case S.PENDING_RERUN:
            return submit_when_clean(m)
        case S.SUBMITTED | S.RUNNING | S.UNKNOWN:
            return _follow_driver(m)
        case S.SUCCEEDING:
            always = m.policy.type == RestartPolicyType.ALWAYS
            m.apply(Observation.RESTART_ALWAYS if always else Observation.NO_RESTART)
            return True
        case S.FAILING | S.SUBMISSION_FAILED:
            return _retry_or_fail(m)
        case S.INVALIDATING | S.SUSPENDING:
            m.apply(Observation.CLEANUP_STARTED)
            return True
        case S.SUSPENDED:
            return _resume(m)
        case _:
            return _expire(m)


def _run(m: Machine) -> None:
    for _ in range(_MAX_STEPS):
        if not _step(m):
            return
    raise RuntimeError(f"lifecycle of {m.name} did not settle in {_MAX_STEPS} steps (at {m.state})")


def _track(m: Machine) -> None:
    # After a submission in this call the executor pods seen are the previous attempt's.
    if m.executor_pods is None or not m.driver_observed or m.state not in _TRACKS_EXECUTORS:
        return
    tracking = track_executors(
        m.status.executorState, m.executor_pods, m.state, m.config.max_tracked_executors
    )
    m.status.executorState = tracking.states
    if tracking.spark_application_id:
        m.status.sparkApplicationId = tracking.spark_application_id
    m.executor_changes = tracking.changes
    for change in tracking.changes:
        event = executor_event(change)
        if event is not None:
            m.events.append(event)


def _settle_restore(m: Machine) -> None:
    # An adopted driver this same call then gave up is deleted: restoring its objects would undo that.
    if Action.RESTORE in m.actions and Action.DELETE_RESOURCES in m.actions:
        m.actions.remove(Action.RESTORE)
        m.creates = ()
        m.submission_id = None


def decide(
    app: SparkApplication,
    driver_pod: Pod | None,
    executor_pods: Sequence[Pod] | None,
    now: datetime,
    config: LifecycleConfig | None = None,
    *,
    submission_ids: Callable[[int], str] | None = None,
    leftovers: bool = False,
    options: SubmissionOptions | None = None,
    failed_create: FailedCreate | None = None,
) -> LifecycleDecision:
    """What to do next for `app`, every effect included.

    `driver_pod`: the pod named in status.driverInfo.podName (else the app's driver pod name), or None.
    `executor_pods`: the executor pods of the current submission (None: not looked at this time).
    `submission_ids`: the submission id of attempt n (1-based); deterministic, so that a driver pod created
    just before a crash is recognised. Ids must not repeat for the life of the application, also after a
    spec change resets the attempt counter (the controller mixes in the generation).
    `leftovers`: services or config maps of an earlier attempt still exist.
    `options`: the platform's submission settings, for building the submission's objects.
    `failed_create`: the previous pass's SUBMIT could not create its objects; when it is the attempt this
    call would submit, the attempt is counted as failed with its error (and retried per restartPolicy).
    """
    machine = Machine(
        app,
        driver_pod,
        executor_pods,
        now,
        config or LifecycleConfig(),
        options or SubmissionOptions(),
        submission_ids,
        leftovers,
        failed_create,
    )
    if app.metadata.deletionTimestamp is None:
        preflight(machine)
        _run(machine)
        _track(machine)
        keep_fingerprint(machine)
        _settle_restore(machine)
    return machine.decision()
