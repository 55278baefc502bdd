"""Time as an injected port: the real clock for production, a virtual one for tests and the simulator.

Nothing that makes decisions reads the system time itself; it is handed a `Clock`, so a test can run a
simulated day in milliseconds and never sleeps for real.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

# Re-exported: whoever holds a Clock writes and reads the times it tells with the api's one format.

__all__ = ["Clock", "SystemClock", "VirtualClock"]


@runtime_checkable
class Clock(Protocol):
    """Wall time (for timestamps) and monotonic time (for durations and deadlines)."""

    def now(self) -> datetime:
        """The current wall time, timezone-aware, in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards; only differences are meaningful."""
        ...

    def sleep(self, seconds: float) -> None:
        """Let `seconds` pass."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class VirtualClock:
    """A clock that only moves when told to.

    `sleep` advances time at once instead of blocking, so code that sleeps runs instantly. Threads that
    must wait for another thread to move time forward use `wait_until`, which `advance` wakes.
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError(
                "VirtualClock needs a timezone-aware start time (e.g. datetime(..., tzinfo=UTC))"
            )
        self._start = start.astimezone(UTC)
        self._elapsed = 0.0
        self._changed = threading.Condition()

    def now(self) -> datetime:
        with self._changed:
            return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        with self._changed:
            return self._elapsed

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.advance(seconds)

    def advance(self, seconds: float) -> None:
        """Move time forward by `seconds` and wake every thread in `wait_until`."""
        if seconds < 0:
            raise ValueError(f"time cannot go backwards (advance by {seconds})")
        with self._changed:
            self._elapsed += seconds
            self._changed.notify_all()

    def advance_to(self, when: datetime) -> None:
        """Move wall time forward to `when` (no-op if it has already passed)."""
        with self._changed:
            delta = (when - self._start).total_seconds() - self._elapsed
        if delta > 0:
            self.advance(delta)

    def wait_until(self, deadline: float, timeout: float | None = None) -> bool:
        """Block until `monotonic()` reaches `deadline` through another thread's `advance`.

        `timeout` bounds the real wait in seconds. Returns whether the deadline was reached.
        """
        with self._changed:
            return self._changed.wait_for(lambda: self._elapsed >= deadline, timeout)
