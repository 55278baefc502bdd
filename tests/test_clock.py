"""The clock port: real time for production, virtual time that moves only when told."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from sparkfleet.api.timefmt import format_rfc3339, parse_rfc3339
from sparkfleet.clock import Clock, SystemClock, VirtualClock

START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


# --- the Clock contract, for every clock ------------------------------------------------------------

CLOCKS = [pytest.param(SystemClock, id="system"), pytest.param(lambda: VirtualClock(START), id="virtual")]


@pytest.fixture(params=CLOCKS)
def any_clock(request: pytest.FixtureRequest) -> Clock:
    clock: Clock = request.param()
    return clock


def test_a_clock_tells_aware_utc_time(any_clock: Clock) -> None:
    assert isinstance(any_clock, Clock)
    now = any_clock.now()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)


def test_sleeping_moves_a_clocks_wall_time_and_monotonic_counter_on_by_at_least_the_sleep(
    any_clock: Clock,
) -> None:
    wall, counter = any_clock.now(), any_clock.monotonic()
    any_clock.sleep(0.05)
    assert any_clock.now() - wall >= timedelta(seconds=0.05)
    assert any_clock.monotonic() - counter >= 0.05


def test_a_clocks_monotonic_counter_never_goes_back(any_clock: Clock) -> None:
    readings = [any_clock.monotonic() for _ in range(100)]
    assert readings == sorted(readings)


# --- SystemClock --------------------------------------------------------------------------------------


def test_system_clock_reports_aware_utc_time_and_a_monotonic_counter() -> None:
    clock = SystemClock()
    assert clock.now().tzinfo is not None
    assert clock.now().utcoffset() == timedelta(0)
    first = clock.monotonic()
    assert clock.monotonic() >= first


def test_system_clock_sleep_of_zero_or_less_returns_at_once() -> None:
    clock = SystemClock()
    clock.sleep(0)
    clock.sleep(-1)
    assert clock.monotonic() > 0


def test_virtual_clock_starts_at_the_given_time_and_stands_still() -> None:
    clock = VirtualClock(START)
    assert clock.now() == START
    assert clock.now() == START
    assert clock.monotonic() == 0.0


def test_virtual_clock_converts_its_start_to_utc() -> None:
    clock = VirtualClock(datetime(2026, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == START
    assert clock.now().tzinfo == UTC


def test_virtual_clock_refuses_a_naive_start() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        VirtualClock(datetime(2026, 1, 2))


def test_advance_moves_wall_and_monotonic_time_together() -> None:
    clock = VirtualClock(START)
    clock.advance(90.5)
    assert clock.now() == START + timedelta(seconds=90.5)
    assert clock.monotonic() == 90.5


def test_time_cannot_go_backwards() -> None:
    clock = VirtualClock(START)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)


def test_sleep_advances_instantly() -> None:
    clock = VirtualClock(START)
    clock.sleep(3600)
    assert clock.now() == START + timedelta(hours=1)
    clock.sleep(-5)
    assert clock.monotonic() == 3600


def test_advance_to_moves_forward_only() -> None:
    clock = VirtualClock(START)
    clock.advance_to(START + timedelta(minutes=5))
    assert clock.monotonic() == 300
    clock.advance_to(START)
    assert clock.monotonic() == 300


def test_wait_until_returns_at_once_when_the_deadline_has_passed() -> None:
    clock = VirtualClock(START)
    clock.advance(10)
    assert clock.wait_until(5) is True


def test_wait_until_wakes_when_another_thread_advances_past_the_deadline() -> None:
    clock = VirtualClock(START)
    woke = threading.Event()

    def waiter() -> None:
        if clock.wait_until(30, timeout=10):
            woke.set()

    thread = threading.Thread(target=waiter)
    thread.start()
    clock.advance(10)
    clock.advance(25)
    thread.join(10)
    assert woke.is_set()


def test_wait_until_reports_a_real_timeout_without_time_moving() -> None:
    clock = VirtualClock(START)
    assert clock.wait_until(1, timeout=0) is False


def test_advancing_from_many_threads_adds_up() -> None:
    clock = VirtualClock(START)
    threads = [threading.Thread(target=lambda: [clock.sleep(1) for _ in range(100)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert clock.monotonic() == 400


def test_rfc3339_has_whole_seconds_and_a_z() -> None:
    assert format_rfc3339(datetime(2026, 1, 2, 3, 4, 5, 999999, tzinfo=UTC)) == "2026-01-02T03:04:05Z"
    assert format_rfc3339(datetime(2026, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2)))) == (
        "2026-01-02T03:04:05Z"
    )


def test_rfc3339_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_rfc3339(datetime(2026, 1, 2))


def test_parse_rfc3339_accepts_z_offsets_and_fractions() -> None:
    assert parse_rfc3339("2026-01-02T03:04:05Z") == START
    assert parse_rfc3339("2026-01-02T05:04:05+02:00") == START
    assert parse_rfc3339("2026-01-02T03:04:05.250Z") == START + timedelta(milliseconds=250)
    with pytest.raises(ValueError, match="no timezone"):
        parse_rfc3339("2026-01-02T03:04:05")
