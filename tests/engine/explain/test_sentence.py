"""The current blocker as one sentence, with durations as kubectl prints ages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sparkfleet.api.appinsight import Phase
from sparkfleet.engine.explain import blocker_sentence, short_duration

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (-5, "0s"),
        (45.9, "45s"),
        (60, "1m"),
        (192, "3m12s"),
        (3600, "1h"),
        (7500, "2h5m"),
        (86400, "1d"),
        (3 * 86400 + 4 * 3600 + 59, "3d4h"),
    ],
)
def test_durations_keep_their_two_largest_units(seconds: float, text: str) -> None:
    assert short_duration(seconds) == text


def phase(name: str, message: str, until: datetime | None = None) -> Phase:
    return Phase(name, T0, until, "Reason", message)


def test_a_waiting_phase_says_how_long_it_has_waited() -> None:
    queued = phase("Queued", "queue root.dev is at its max of 10 vcore; 2 applications ahead")
    assert blocker_sentence(queued, T0 + timedelta(minutes=3, seconds=12)) == (
        "waiting 3m12s: queue root.dev is at its max of 10 vcore; 2 applications ahead"
    )


def test_a_running_phase_says_running() -> None:
    running = phase("DriverRunning", "the driver runs; 1 of 2 executors are running")
    assert blocker_sentence(running, T0 + timedelta(seconds=30)) == (
        "running 30s: the driver runs; 1 of 2 executors are running"
    )


def test_an_ended_application_says_how_long_ago() -> None:
    done = phase("Completed", "the application completed")
    assert blocker_sentence(done, T0 + timedelta(hours=2)) == "completed 2h ago: the application completed"
    failed = phase("Failed", "driver exited 1")
    assert blocker_sentence(failed, T0 + timedelta(seconds=5)) == "failed 5s ago: driver exited 1"


def test_a_phase_this_version_does_not_know_is_named_as_it_is() -> None:
    assert blocker_sentence(phase("Draining", "moving"), T0) == "Draining 0s: moving"
