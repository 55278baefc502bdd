"""The ScheduledSparkApplication engine: (schedule, its runs, now) -> ScheduleDecision.

As the operator: a valid schedule goes to Scheduled with nextRun set; when nextRun is due a run is created
(a SparkApplication named `<name>-<unix nanoseconds>`, labelled with the schedule's name and owned by it)
unless concurrencyPolicy says otherwise, lastRun/lastRunName/nextRun are updated, and finished runs
beyond the history limits are deleted. Invalid schedules or zones end in FailedValidation with the reason.

Where this differs, on purpose:
- a run is named after the firing it serves, not the moment it is created, so a controller restarted
  between creating the run and writing the status finds the run instead of starting a second one;
- a FailedValidation schedule that has been fixed is scheduled again (the operator stays failed);
- a run skipped by Forbid advances nextRun to the next firing and records an Event (the operator keeps
  the past nextRun and tries again at the next firing, the same time, without saying anything);
- the run history is kept current on every look, not only when a run starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from enum import StrEnum

from sparkfleet.api.meta import ObjectMeta, OwnerReference
from sparkfleet.api.scheduledsparkapplication import ConcurrencyPolicy, ScheduledSparkApplication
from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.sparkstatus import (
    ApplicationStateType,
    ScheduledSparkApplicationStatus,
    ScheduleState,
)
from sparkfleet.api.timefmt import format_rfc3339, parse_optional_rfc3339
from sparkfleet.api.wire import LABEL_SCHEDULED_APP_NAME, EventType
from sparkfleet.engine.lifecycle.cron import ScheduleError, next_run_after, validate_schedule
from sparkfleet.engine.lifecycle.decision import LifecycleEvent
from sparkfleet.engine.lifecycle.transitions import TERMINAL_STATES

__all__ = [
    "Run",
    "ScheduleConfig",
    "ScheduleDecision",
    "TimestampPrecision",
    "decide_schedule",
    "run_name",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CREATED = "metadata.creationTimestamp"


class TimestampPrecision(StrEnum):
    """The unit of the run-name suffix (the operator's ScheduledSATimestampPrecision; default nanos)."""

    NANOS = "nanos"
    MICROS = "micros"
    MILLIS = "millis"
    SECONDS = "seconds"
    MINUTES = "minutes"


_DIVISORS = {
    TimestampPrecision.NANOS: 1,
    TimestampPrecision.MICROS: 10**3,
    TimestampPrecision.MILLIS: 10**6,
    TimestampPrecision.SECONDS: 10**9,
    TimestampPrecision.MINUTES: 60 * 10**9,
}


def run_name(
    schedule_name: str, at: datetime, precision: TimestampPrecision = TimestampPrecision.NANOS
) -> str:
    """`<name>-<unix time in precision units>`, computed in integers (no float rounding)."""
    delta = at - _EPOCH
    nanos = (delta.days * 86_400 + delta.seconds) * 10**9 + delta.microseconds * 1000
    return f"{schedule_name}-{nanos // _DIVISORS[precision]}"


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    local_zone: tzinfo = UTC
    """The zone `timeZone: Local` means: the controller's."""
    precision: TimestampPrecision = TimestampPrecision.NANOS


@dataclass(frozen=True, slots=True)
class Run:
    """One SparkApplication started by the schedule, as far as the schedule cares."""

    name: str
    created: datetime | None
    state: ApplicationStateType

    @property
    def finished(self) -> bool:
        return self.state in TERMINAL_STATES

    @classmethod
    def of(cls, app: SparkApplication) -> Run:
        state = app.status.applicationState.state if app.status is not None else ApplicationStateType.NEW
        created = parse_optional_rfc3339(app.metadata.creationTimestamp, field=_CREATED)
        return cls(app.metadata.name or "", created, state)


@dataclass(frozen=True, slots=True)
class ScheduleDecision:
    status: ScheduledSparkApplicationStatus
    create: SparkApplication | None = None
    """The run to create now."""
    delete: tuple[str, ...] = ()
    """Runs to delete (the replaced run, and finished runs beyond the history limits)."""
    events: tuple[LifecycleEvent, ...] = ()
    requeue_after: float | None = None
    status_changed: bool = False


def _newest_first(runs: Sequence[Run]) -> list[Run]:
    return sorted(runs, key=lambda r: (r.created or _EPOCH, r.name), reverse=True)


def _bookkeep(
    status: ScheduledSparkApplicationStatus, runs: Sequence[Run], ok: int, failed: int
) -> list[str]:
    """Record the newest finished runs within the limits; return the older ones to delete."""
    ordered = _newest_first(runs)
    completed = [r for r in ordered if r.state == ApplicationStateType.COMPLETED]
    failures = [r for r in ordered if r.state == ApplicationStateType.FAILED]
    status.pastSuccessfulRunNames = [r.name for r in completed[:ok]]
    status.pastFailedRunNames = [r.name for r in failures[:failed]]
    return [r.name for r in completed[ok:]] + [r.name for r in failures[failed:]]


def _run_object(sched: ScheduledSparkApplication, name: str) -> SparkApplication:
    labels = {LABEL_SCHEDULED_APP_NAME: sched.metadata.name or "", **sched.metadata.labels}
    owner = OwnerReference(
        apiVersion=sched.apiVersion,
        kind=sched.kind,
        name=sched.metadata.name or "",
        uid=sched.metadata.uid or "",
        blockOwnerDeletion=True,
    )
    meta = ObjectMeta(name=name, namespace=sched.metadata.namespace, labels=labels, ownerReferences=[owner])
    return SparkApplication(metadata=meta, spec=sched.spec.template.model_copy(deep=True))


def decide_schedule(
    sched: ScheduledSparkApplication,
    runs: Sequence[Run],
    now: datetime,
    config: ScheduleConfig | None = None,
) -> ScheduleDecision:
    """What to do for `sched` at `now`, given its runs (SparkApplications labelled with its name)."""
    config = config or ScheduleConfig()
    original = sched.status or ScheduledSparkApplicationStatus()
    status = original.model_copy(deep=True)
    events: list[LifecycleEvent] = []
    name = sched.metadata.name or ""

    def done(
        requeue: float | None, create: SparkApplication | None = None, delete: Sequence[str] = ()
    ) -> ScheduleDecision:
        return ScheduleDecision(
            status, create, tuple(dict.fromkeys(delete)), tuple(events), requeue, status != original
        )

    if sched.spec.suspend:
        return done(None)
    problem = validate_schedule(sched.spec)
    if problem is None:
        try:
            upcoming = next_run_after(sched.spec, now, config.local_zone)
        except ScheduleError as exc:
            problem = str(exc)
    if problem is not None:
        if status.scheduleState != ScheduleState.FAILED_VALIDATION or status.reason != problem:
            events.append(LifecycleEvent(EventType.WARNING, "FailedValidation", problem))
        status.scheduleState = ScheduleState.FAILED_VALIDATION
        status.reason = problem
        return done(None)

    delete = _bookkeep(status, runs, sched.spec.successfulRunHistoryLimit, sched.spec.failedRunHistoryLimit)
    next_run = parse_optional_rfc3339(status.nextRun, field="status.nextRun")
    if status.scheduleState != ScheduleState.SCHEDULED or next_run is None:
        # First look, or a schedule fixed after FailedValidation: the next firing from now.
        if next_run is None or upcoming < next_run or status.scheduleState == ScheduleState.FAILED_VALIDATION:
            next_run = upcoming
        status.scheduleState = ScheduleState.SCHEDULED
        status.reason = None
        status.nextRun = format_rfc3339(next_run)
        return done((next_run - now).total_seconds(), delete=delete)
    if next_run > now:
        return done((next_run - now).total_seconds(), delete=delete)

    latest = next(iter(_newest_first(runs)), None)
    unfinished = latest is not None and not latest.finished
    policy = sched.spec.concurrencyPolicy
    if unfinished and latest is not None and policy == ConcurrencyPolicy.FORBID:
        events.append(
            LifecycleEvent(
                EventType.NORMAL,
                "ScheduledRunSkipped",
                f"skipped the run due at {format_rfc3339(next_run)}: the last run {latest.name} is "
                f"{latest.state.value or 'New'} and concurrencyPolicy is Forbid",
            )
        )
        status.nextRun = format_rfc3339(upcoming)
        return done((upcoming - now).total_seconds(), delete=delete)
    if unfinished and latest is not None and policy == ConcurrencyPolicy.REPLACE:
        delete.append(latest.name)
        events.append(
            LifecycleEvent(
                EventType.NORMAL,
                "ScheduledRunReplaced",
                f"deleted the unfinished run {latest.name} ({latest.state.value or 'New'}): "
                "concurrencyPolicy is Replace",
            )
        )
    # Named after the firing it serves, not the moment it is created: a controller that dies between
    # creating the run and writing the status creates the same name again and finds it there.
    run = _run_object(sched, run_name(name, next_run, config.precision))
    run_id = run.metadata.name or ""
    events.append(LifecycleEvent(EventType.NORMAL, "ScheduledRunStarted", f"started run {run_id}"))
    status.lastRun = format_rfc3339(now)
    status.lastRunName = run_id
    status.nextRun = format_rfc3339(upcoming)
    return done((upcoming - now).total_seconds(), create=run, delete=delete)
