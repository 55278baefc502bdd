"""Next firing times: cron in the schedule's zone, descriptors, @every, and "Local"."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from sparkfleet.api.scheduledsparkapplication import ScheduledSparkApplicationSpec
from sparkfleet.engine.lifecycle.cron import next_run_after, validate_schedule

from .builders import spec

PARIS = ZoneInfo("Europe/Paris")


def schedule(expression: str, zone: str = "Local") -> ScheduledSparkApplicationSpec:
    return ScheduledSparkApplicationSpec.model_validate(
        {"schedule": expression, "timeZone": zone, "template": spec()}
    )


def test_cron_fires_in_the_schedule_zone() -> None:
    after = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert next_run_after(schedule("0 6 * * *", "Europe/Paris"), after, UTC) == datetime(
        2026, 1, 6, 5, 0, tzinfo=UTC
    )


def test_local_is_the_zone_the_caller_gives() -> None:
    after = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    tokyo = ZoneInfo("Asia/Tokyo")
    assert next_run_after(schedule("0 6 * * *"), after, tokyo) == datetime(2026, 1, 5, 21, 0, tzinfo=UTC)


def test_a_cron_tz_prefix_wins_over_the_time_zone_field() -> None:
    after = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    fired = next_run_after(schedule("CRON_TZ=Europe/Paris 0 6 * * *", "Asia/Tokyo"), after, UTC)
    assert fired == datetime(2026, 1, 6, 5, 0, tzinfo=UTC)


def test_local_wall_time_is_kept_across_a_daylight_saving_change() -> None:
    before_change = datetime(2026, 3, 27, 12, 0, tzinfo=PARIS)  # clocks go forward on the 29th
    first = next_run_after(schedule("30 6 * * *", "Europe/Paris"), before_change, UTC)
    second = next_run_after(schedule("30 6 * * *", "Europe/Paris"), first, UTC)
    assert [first.astimezone(PARIS).hour, second.astimezone(PARIS).hour] == [6, 6]
    assert (second.astimezone(UTC) - first.astimezone(UTC)).total_seconds() == 23 * 3600


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("@hourly", datetime(2026, 1, 5, 10, 0, tzinfo=UTC)),
        ("@daily", datetime(2026, 1, 6, 0, 0, tzinfo=UTC)),
        ("@every 1h30m", datetime(2026, 1, 5, 10, 30, 7, tzinfo=UTC)),
    ],
)
def test_descriptors_and_every(expression: str, expected: datetime) -> None:
    after = datetime(2026, 1, 5, 9, 0, 7, 250_000, tzinfo=UTC)
    assert next_run_after(schedule(expression, "UTC"), after, UTC) == expected


@pytest.mark.parametrize(
    ("expression", "zone", "reason"),
    [
        ("61 * * * *", "UTC", "invalid cron schedule '61 * * * *'"),
        ("* * * * * *", "UTC", "invalid cron schedule '* * * * * *'"),
        ("0 0 30 2 *", "UTC", "never fires"),
        ("@fortnightly", "UTC", "unknown descriptor '@fortnightly'"),
        ("0 6 * * *", "Mars/Olympus", "Invalid timezone: unknown time zone 'Mars/Olympus'"),
    ],
)
def test_an_unusable_schedule_has_a_reason(expression: str, zone: str, reason: str) -> None:
    problem = validate_schedule(schedule(expression, zone))
    assert problem is not None and reason in problem


def test_a_valid_schedule_has_no_reason() -> None:
    assert validate_schedule(schedule("*/15 * * * *", "Europe/Paris")) is None
