"""Timestamps and durations as Kubernetes and the operator write them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sparkfleet.engine.lifecycle.timefmt import format_time, go_duration, parse_time


def test_timestamps_round_trip_in_whole_seconds_utc() -> None:
    moment = datetime(2026, 1, 5, 9, 0, 1, tzinfo=UTC)
    assert format_time(moment) == "2026-01-05T09:00:01Z"
    assert parse_time("2026-01-05T10:00:01+01:00") == moment
    assert parse_time(None) is None and parse_time("") is None


@pytest.mark.parametrize(
    ("seconds", "text"), [(10, "10s"), (2.5, "2.5s"), (90, "1m30s"), (600, "10m0s"), (7200, "2h0m0s")]
)
def test_durations_print_like_go(seconds: float, text: str) -> None:
    assert go_duration(seconds) == text
