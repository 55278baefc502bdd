"""The working state of one lifecycle engine call, and how it takes an edge of the transition table.

`decide` (decide.py) walks the states; the submission steps (submit.py) and the spec checks
(specchange.py) act on the same Machine; `Machine.decision` freezes what the call decided.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sparkfleet.api.pod import Pod
from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.sparkstatus import (
    ApplicationState,
    ApplicationStateType,
    DriverInfo,
    SparkApplicationStatus,
    StateTransition,
)
from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.api.wire import ANNOTATION_SPEC_FINGERPRINT, EventType
from sparkfleet.engine.lifecycle.decision import (
    Action,
    FailedCreate,
    LifecycleConfig,
    LifecycleDecision,
    LifecycleEvent,
    Obj,
    TransitionRecord,
)
from sparkfleet.engine.lifecycle.executors import ExecutorChange
from sparkfleet.engine.lifecycle.timefmt import go_duration
from sparkfleet.engine.lifecycle.transitions import TERMINAL_STATES, Observation, Reset, transition
from sparkfleet.engine.submission import SubmissionOptions

__all__ = ["Machine"]

S = ApplicationStateType


class Machine:
    """One engine call: a working copy of the status and everything the call decides."""

    def __init__(
        self,
        app: SparkApplication,
        driver_pod: Pod | None,
        executor_pods: Sequence[Pod] | None,
        now: datetime,
        config: LifecycleConfig,
        options: SubmissionOptions,
        submission_ids: Callable[[int], str] | None,
        leftovers: bool,
        failed_create: FailedCreate | None,
    ) -> None:
        self.app = app
        self.name = app.metadata.name or ""
        self.original = app.status or SparkApplicationStatus()
        self.status = self.original.model_copy(deep=True)
        self.driver_pod = driver_pod
        self.driver_observed = True
        """False once this call replaces the driver: the observed pod is no longer the attempt's."""
        self.executor_pods = executor_pods
        self.now = now
        self.config = config
        self.options = options
        self.submission_ids = submission_ids
        self.leftovers = leftovers
        self.failed_create = failed_create
        self.policy = app.spec.effective_restart_policy()
        self.actions: list[Action] = []
        self.events: list[LifecycleEvent] = []
        self.transitions: list[TransitionRecord] = []
        self.executor_changes: tuple[ExecutorChange, ...] = ()
        self.requeue: float | None = None
        self.fingerprint: str | None = None
        self.submission_fingerprint: str | None = None
        self.submission_id: str | None = None
        self.creates: tuple[Obj, ...] = ()
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

    # -- the answer -----------------------------------------------------------------------------------
    def decision(self) -> LifecycleDecision:
        on_app = self.app.metadata.annotations.get(ANNOTATION_SPEC_FINGERPRINT)
        return LifecycleDecision(
            status=self.status,
            actions=tuple(self.actions) or (Action.NONE,),
            requeue_after=self.requeue,
            events=tuple(self.events),
            transitions=tuple(self.transitions),
            executor_changes=self.executor_changes,
            record_fingerprint=self.fingerprint if self.fingerprint != on_app else None,
            submission_fingerprint=self.submission_fingerprint,
            submission_id=self.submission_id,
            creates=self.creates,
            status_changed=self.status != self.original,
        )
