"""One pass per interval for reconcilers that act on the whole fleet under a single key (disruption,
garbage collection): however many events wake them, a pass starts at most once per `interval` seconds of
the monotonic clock, and two workers never run one at the same time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sparkfleet.clock import Clock

__all__ = ["Pacing"]


class Pacing:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._last: float | None = None
        self._lock = threading.Lock()

    @contextmanager
    def turn(self, interval: float) -> Iterator[float | None]:
        """Held for the pass: yields None when a pass may run now (and counts it from now), else the
        seconds until one may."""
        with self._lock:
            now = self.clock.monotonic()
            if self._last is not None and now - self._last < interval:
                yield interval - (now - self._last)
                return
            self._last = now
            yield None
