"""RFC 3339 timestamps: any zone in, whole-second UTC out, and no guessing at a missing zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sparkfleet.api.timefmt import TimestampError, format_rfc3339, parse_optional_rfc3339, parse_rfc3339

START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-01-02T03:04:05Z", START),
        ("2026-01-02t03:04:05z", START),
        ("2026-01-02T03:04:05+00:00", START),
        ("2026-01-01T20:04:05-07:00", START),
        ("2026-01-02T05:04:05+02:00", START),
        ("2026-01-02T03:04:05.250Z", START + timedelta(milliseconds=250)),
        ("2026-01-02T03:04:05.123456789Z", START + timedelta(microseconds=123456)),
        ("2026-01-01T20:04:05.5-07:00", START + timedelta(milliseconds=500)),
    ],
)
def test_a_timestamp_with_a_zone_is_read_as_that_instant_in_utc(text: str, moment: datetime) -> None:
    parsed = parse_rfc3339(text)
    assert parsed == moment
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "2026-01-02T03:04:05",
            'metadata.creationTimestamp: "2026-01-02T03:04:05" has no timezone: add Z (UTC) or an offset',
        ),
        (
            "2026-01-02T03:04:05.250",
            'metadata.creationTimestamp: "2026-01-02T03:04:05.250" has no timezone',
        ),
        ("yesterday", 'metadata.creationTimestamp: "yesterday" is not an RFC 3339 timestamp'),
        ("2026-01-02", '"2026-01-02" is not an RFC 3339 timestamp'),
        ("2026-01-02 03:04:05Z", '"2026-01-02 03:04:05Z" is not an RFC 3339 timestamp'),
        ("", '"" is not an RFC 3339 timestamp'),
        ("2026-13-02T03:04:05Z", '"2026-13-02T03:04:05Z" is not a valid time'),
        ("2026-01-02T03:04:05+01:75", '"2026-01-02T03:04:05+01:75" is not a valid time'),
    ],
)
def test_a_timestamp_without_a_zone_or_not_a_timestamp_is_an_error_naming_the_field(
    text: str, message: str
) -> None:
    with pytest.raises(TimestampError) as caught:
        parse_rfc3339(text, field="metadata.creationTimestamp")
    assert message in str(caught.value)
    assert str(caught.value).startswith("metadata.creationTimestamp: ")
    assert caught.value.field == "metadata.creationTimestamp"
    assert isinstance(caught.value, ValueError)


def test_an_absent_timestamp_is_none_only_where_absence_is_allowed() -> None:
    assert parse_optional_rfc3339(None) is None
    assert parse_optional_rfc3339("") is None
    assert parse_optional_rfc3339("2026-01-02T03:04:05Z") == START
    with pytest.raises(TimestampError, match=r"status\.terminationTime"):
        parse_optional_rfc3339("2026-01-02T03:04:05", field="status.terminationTime")


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (START, "2026-01-02T03:04:05Z"),
        (START + timedelta(microseconds=999999), "2026-01-02T03:04:05Z"),
        (datetime(2026, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))), "2026-01-02T03:04:05Z"),
        (datetime(2026, 1, 1, 20, 4, 5, tzinfo=timezone(timedelta(hours=-7))), "2026-01-02T03:04:05Z"),
    ],
)
def test_timestamps_are_written_in_whole_seconds_utc(moment: datetime, text: str) -> None:
    assert format_rfc3339(moment) == text
    assert parse_rfc3339(text) == moment.replace(microsecond=0)


def test_timestamps_round_trip_in_whole_seconds_utc() -> None:
    moment = datetime(2026, 1, 5, 9, 0, 1, tzinfo=UTC)
    assert format_rfc3339(moment) == "2026-01-05T09:00:01Z"
    assert parse_optional_rfc3339("2026-01-05T10:00:01+01:00") == moment
    assert parse_optional_rfc3339(None) is None and parse_optional_rfc3339("") is None


def test_a_naive_datetime_is_not_written() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_rfc3339(datetime(2026, 1, 2))
