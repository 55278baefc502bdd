"""The timeline advanced one observation at a time, and its annotation form."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sparkfleet.api.appinsight import Phase, parse_timeline
from sparkfleet.engine.explain import (
    MAX_ENTRIES,
    Observation,
    PhaseRun,
    TimelinePhase,
    WaitReason,
    advance,
    format_timeline,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
P = TimelinePhase
R = WaitReason


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def obs(phase: P, reason: R, message: str = "m", since: datetime | None = None) -> Observation:
    return Observation(phase, reason, message, since)


def test_a_new_application_starts_its_timeline_when_it_was_created() -> None:
    update = advance((), obs(P.SUBMITTED, R.SUBMITTING, "waiting"), T0, at(4))
    assert update.entries == (Phase("Submitted", T0, None, "Submitting", "waiting"),)
    assert update.finished == ()
    assert update.current == update.entries[0]


def test_a_first_observation_past_submission_keeps_the_submitted_step_before_it() -> None:
    update = advance((), obs(P.QUEUED, R.AWAITING_SCHEDULER, "q", since=at(2)), T0, at(5))
    assert [(e.phase, e.since, e.until) for e in update.entries] == [
        ("Submitted", T0, at(2)),
        ("Queued", at(2), None),
    ]
    assert update.finished == (PhaseRun("Submitted", 2.0),)


def test_the_same_step_only_refreshes_its_message() -> None:
    first = advance((), obs(P.GANG_RESERVING, R.PLACEHOLDERS_PENDING, "1 of 3"), T0, at(1)).entries
    update = advance(first, obs(P.GANG_RESERVING, R.PLACEHOLDERS_PENDING, "2 of 3", at(3)), T0, at(3))
    assert len(update.entries) == len(first)
    assert update.entries[-1] == replace(first[-1], message="2 of 3")
    assert update.finished == ()


def test_another_reason_in_the_same_phase_opens_an_entry_but_ends_no_run() -> None:
    entries = advance((), obs(P.WAITING_FOR_CAPACITY, R.PROVISIONING), T0, at(1)).entries
    entries = advance(
        entries, obs(P.WAITING_FOR_CAPACITY, R.NODECLAIM_LAUNCHED, since=at(2)), T0, at(2)
    ).entries
    update = advance(entries, obs(P.DRIVER_STARTING, R.SCHEDULED, since=at(9)), T0, at(10))
    assert [e.reason for e in update.entries] == [
        "Submitting",
        "Provisioning",
        "NodeClaimLaunched",
        "Scheduled",
    ]
    # the capacity run spans both of its entries: from 1 s to 9 s
    assert update.finished == (PhaseRun("WaitingForCapacity", 8.0),)


def test_a_start_outside_the_open_entry_and_now_is_taken_as_now() -> None:
    entries = advance((), obs(P.QUEUED, R.AWAITING_SCHEDULER), T0, at(10)).entries
    before = advance(entries, obs(P.GANG_RESERVING, R.PLACEHOLDERS_PENDING, since=at(3)), T0, at(20))
    assert before.entries[-1].since == at(20)
    future = advance(entries, obs(P.GANG_RESERVING, R.PLACEHOLDERS_PENDING, since=at(30)), T0, at(20))
    assert future.entries[-1].since == at(20)
    unknown = advance(entries, obs(P.GANG_RESERVING, R.PLACEHOLDERS_PENDING), T0, at(20))
    assert unknown.entries[-1].since == at(20)


def test_a_closed_last_entry_is_where_the_application_still_is() -> None:
    closed = (Phase("Queued", T0, at(5), "AwaitingScheduler", "q"),)
    update = advance(closed, obs(P.QUEUED, R.AWAITING_SCHEDULER, "q"), None, at(9))
    assert update.entries == (Phase("Queued", T0, None, "AwaitingScheduler", "q"),)


def test_a_long_timeline_keeps_its_first_entry_and_the_latest() -> None:
    entries = advance((), obs(P.SUBMITTED, R.SUBMITTING), T0, T0).entries
    reasons = (R.PROVISIONING, R.NODECLAIM_LAUNCHED)
    for i in range(1, 2 * MAX_ENTRIES):
        entries = advance(
            entries, obs(P.WAITING_FOR_CAPACITY, reasons[i % 2], since=at(i)), T0, at(i)
        ).entries
    assert len(entries) == MAX_ENTRIES
    assert entries[0].phase == "Submitted"
    assert entries[-1].since == at(2 * MAX_ENTRIES - 1)


def test_the_annotation_reads_back_as_the_entries() -> None:
    entries = advance((), obs(P.QUEUED, R.QUEUE_MAX_REACHED, "full", since=at(2)), T0, at(5)).entries
    text = format_timeline(entries)
    assert parse_timeline(text) == entries
    assert '"until"' in text.split("},{")[0] and '"until"' not in text.split("},{")[1]
