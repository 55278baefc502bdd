"""ScheduledSparkApplication decisions: scheduling, runs, concurrency policies, history, validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sparkfleet.api.scheduledsparkapplication import ScheduledSparkApplication
from sparkfleet.api.sparkstatus import ApplicationStateType as S
from sparkfleet.api.sparkstatus import ScheduleState
from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.engine.lifecycle import (
    Run,
    ScheduleConfig,
    ScheduleDecision,
    TimestampPrecision,
    decide_schedule,
    run_name,
)

from .builders import spec

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DUE = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CONFIG = ScheduleConfig(local_zone=UTC)


def scheduled(status: dict[str, Any] | None = None, **fields: Any) -> ScheduledSparkApplication:
    body: dict[str, Any] = {"schedule": "*/10 * * * *", "timeZone": "UTC", "template": spec(), **fields}
    return ScheduledSparkApplication.model_validate(
        {
            "metadata": {
                "name": "nightly",
                "namespace": "jobs",
                "uid": "sched-uid",
                "labels": {"team": "data"},
            },
            "spec": body,
            "status": status or {},
        }
    )


def due(**fields: Any) -> ScheduledSparkApplication:
    return scheduled({"scheduleState": "Scheduled", "nextRun": format_rfc3339(DUE)}, **fields)


def run(name: str, minutes_ago: int, state: S) -> Run:
    return Run(name, NOW - timedelta(minutes=minutes_ago), state)


def decide(
    sched: ScheduledSparkApplication, runs: list[Run] | None = None, now: datetime = NOW
) -> ScheduleDecision:
    return decide_schedule(sched, runs or [], now, CONFIG)


def test_a_new_schedule_is_scheduled_for_its_next_firing() -> None:
    decision = decide(scheduled(), now=NOW + timedelta(minutes=3))
    assert decision.status.scheduleState == ScheduleState.SCHEDULED
    assert decision.status.nextRun == "2026-01-05T09:10:00Z"
    assert decision.requeue_after == 420
    assert decision.create is None


def test_local_time_zone_is_the_configured_one() -> None:
    sched = scheduled(schedule="0 6 * * *", timeZone="Local")
    decision = decide_schedule(sched, [], NOW, ScheduleConfig(local_zone=ZoneInfo("America/New_York")))
    assert decision.status.nextRun == "2026-01-05T11:00:00Z"


def test_nothing_happens_before_the_next_run() -> None:
    decision = decide(due(), now=DUE - timedelta(seconds=30))
    assert (decision.create, decision.delete, decision.requeue_after) == (None, (), 30)
    assert not decision.status_changed


def test_a_due_run_is_created_owned_by_the_schedule() -> None:
    decision = decide(due())
    run_app = decision.create
    assert run_app is not None
    assert run_app.metadata.name == "nightly-1767603600000000000"
    assert run_app.metadata.namespace == "jobs"
    assert run_app.metadata.labels == {"sparkoperator.k8s.io/scheduled-app-name": "nightly", "team": "data"}
    owner = run_app.metadata.ownerReferences[0]
    assert (owner.kind, owner.name, owner.uid, owner.blockOwnerDeletion) == (
        "ScheduledSparkApplication",
        "nightly",
        "sched-uid",
        True,
    )
    assert run_app.spec == due().spec.template
    s = decision.status
    assert (s.lastRun, s.lastRunName, s.nextRun) == (
        format_rfc3339(NOW),
        run_app.metadata.name,
        "2026-01-05T09:10:00Z",
    )
    assert decision.requeue_after == 600
    assert [e.reason for e in decision.events] == ["ScheduledRunStarted"]


def test_a_late_run_is_named_after_its_firing_and_the_next_is_counted_from_now() -> None:
    late = DUE + timedelta(minutes=25)
    decision = decide(due(), now=late)
    assert decision.create is not None and decision.create.metadata.name == run_name("nightly", DUE)
    assert decision.status.nextRun == "2026-01-05T09:30:00Z"


@pytest.mark.parametrize(
    ("precision", "suffix"),
    [
        (TimestampPrecision.NANOS, "1767603600000000000"),
        (TimestampPrecision.MILLIS, "1767603600000"),
        (TimestampPrecision.SECONDS, "1767603600"),
        (TimestampPrecision.MINUTES, "29460060"),
    ],
)
def test_run_names_use_the_configured_precision(precision: TimestampPrecision, suffix: str) -> None:
    assert run_name("nightly", DUE, precision) == f"nightly-{suffix}"


def test_forbid_skips_while_the_last_run_is_unfinished() -> None:
    decision = decide(due(concurrencyPolicy="Forbid"), [run("nightly-1", 10, S.RUNNING)])
    assert decision.create is None
    assert decision.status.nextRun == "2026-01-05T09:10:00Z"
    assert decision.events[0].reason == "ScheduledRunSkipped"
    assert "the last run nightly-1 is RUNNING and concurrencyPolicy is Forbid" in decision.events[0].message


def test_forbid_starts_once_the_last_run_finished() -> None:
    decision = decide(due(concurrencyPolicy="Forbid"), [run("nightly-1", 10, S.COMPLETED)])
    assert decision.create is not None


def test_replace_deletes_the_unfinished_run_and_starts_anew() -> None:
    runs = [run("nightly-1", 20, S.FAILED), run("nightly-2", 10, S.SUBMITTED)]
    decision = decide(due(concurrencyPolicy="Replace"), runs)
    assert decision.delete == ("nightly-2",)
    assert decision.create is not None
    assert [e.reason for e in decision.events] == ["ScheduledRunReplaced", "ScheduledRunStarted"]


def test_allow_starts_beside_an_unfinished_run() -> None:
    decision = decide(due(), [run("nightly-1", 10, S.RUNNING)])
    assert decision.create is not None and decision.delete == ()


def test_finished_runs_beyond_the_history_limits_are_deleted_newest_kept() -> None:
    runs = [
        run("ok-old", 40, S.COMPLETED),
        run("ok-mid", 30, S.COMPLETED),
        run("ok-new", 20, S.COMPLETED),
        run("bad-old", 35, S.FAILED),
        run("bad-new", 15, S.FAILED),
        run("running", 5, S.RUNNING),
    ]
    decision = decide(due(successfulRunHistoryLimit=2), runs, now=DUE - timedelta(minutes=1))
    assert decision.status.pastSuccessfulRunNames == ["ok-new", "ok-mid"]
    assert decision.status.pastFailedRunNames == ["bad-new"]
    assert decision.delete == ("ok-old", "bad-old")


def test_an_invalid_schedule_fails_validation_with_the_reason() -> None:
    decision = decide(scheduled(schedule="every night"))
    assert decision.status.scheduleState == ScheduleState.FAILED_VALIDATION
    assert (
        decision.status.reason is not None and "invalid cron schedule 'every night'" in decision.status.reason
    )
    assert decision.requeue_after is None
    assert [e.reason for e in decision.events] == ["FailedValidation"]
    again = decide_schedule(scheduled(decision.status.model_dump(), schedule="every night"), [], NOW, CONFIG)
    assert again.events == (), "the same failure is reported once"


def test_an_unknown_time_zone_fails_validation() -> None:
    decision = decide(scheduled(timeZone="Moon/Base"))
    assert decision.status.scheduleState == ScheduleState.FAILED_VALIDATION
    assert decision.status.reason is not None and decision.status.reason.startswith("Invalid timezone:")


def test_a_fixed_schedule_is_scheduled_again() -> None:
    failed = scheduled({"scheduleState": "FailedValidation", "reason": "bad"})
    decision = decide(failed)
    assert decision.status.scheduleState == ScheduleState.SCHEDULED
    assert decision.status.reason is None
    assert decision.status.nextRun == "2026-01-05T09:10:00Z"


def test_a_suspended_schedule_does_nothing() -> None:
    decision = decide(due(suspend=True))
    assert (decision.create, decision.requeue_after, decision.status_changed) == (None, None, False)
