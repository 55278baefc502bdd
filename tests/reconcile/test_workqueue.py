"""The work queue hands each key to one worker at a time, deduplicates, and backs off per key."""

from datetime import UTC, datetime

from sparkfleet.clock import VirtualClock
from sparkfleet.reconcile import WorkQueue


def _queue() -> tuple[WorkQueue[str], VirtualClock]:
    clock = VirtualClock(datetime(2026, 1, 1, tzinfo=UTC))
    return WorkQueue(clock, base_delay=1.0, max_delay=8.0), clock


def test_a_key_added_twice_is_queued_once() -> None:
    q, _ = _queue()
    q.add("a")
    q.add("a")
    q.add("b")
    assert len(q) == 2
    assert q.get_nowait() == "a"
    assert q.get_nowait() == "b"
    assert q.get_nowait() is None


def test_a_key_changed_while_processing_comes_back_after_done() -> None:
    q, _ = _queue()
    q.add("a")
    assert q.get_nowait() == "a"
    q.add("a")
    assert q.get_nowait() is None, "never handed to a second worker while the first holds it"
    q.done("a")
    assert q.get_nowait() == "a"


def test_delayed_keys_become_ready_when_the_clock_reaches_them() -> None:
    q, clock = _queue()
    q.add_after("a", 10)
    assert q.get_nowait() is None
    assert q.next_due_in() == 10
    clock.advance(9.5)
    assert q.get_nowait() is None
    clock.advance(0.5)
    assert q.get_nowait() == "a"


def test_retries_back_off_exponentially_up_to_the_cap_and_reset_on_forget() -> None:
    q, _ = _queue()
    delays = [q.add_rate_limited("a") for _ in range(5)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert q.failures("a") == 5
    q.forget("a")
    assert q.add_rate_limited("a") == 1.0


def test_get_returns_none_after_timeout_and_on_shutdown() -> None:
    q, _ = _queue()
    assert q.get(timeout=0.01) is None
    q.shutdown()
    assert q.get() is None
