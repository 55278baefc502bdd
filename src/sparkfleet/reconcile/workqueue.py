"""A keyed work queue after client-go's: a key is queued at most once, never handled by two workers at
once, and retried with per-key exponential back-off.

Time comes from the injected clock's monotonic seconds, so delayed work is due in virtual time in tests.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Hashable
from typing import Generic, TypeVar

from sparkfleet.clock import Clock

K = TypeVar("K", bound=Hashable)


class WorkQueue(Generic[K]):
    def __init__(self, clock: Clock, base_delay: float = 0.005, max_delay: float = 300.0) -> None:
        self._clock = clock
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._ready: list[K] = []
        self._queued: set[K] = set()
        self._processing: set[K] = set()
        self._dirty_while_processing: set[K] = set()
        self._delayed: list[tuple[float, int, K]] = []
        self._seq = itertools.count()
        self._failures: dict[K, int] = {}
        self._cond = threading.Condition()
        self._shutdown = False

    def add(self, key: K) -> None:
        with self._cond:
            self._add_locked(key)

    def _add_locked(self, key: K) -> None:
        if key in self._processing:
            self._dirty_while_processing.add(key)
            return
        if key not in self._queued:
            self._queued.add(key)
            self._ready.append(key)
            self._cond.notify()

    def add_after(self, key: K, seconds: float) -> None:
        """Queue the key once `seconds` have passed on the clock (at once when `seconds` <= 0)."""
        if seconds <= 0:
            self.add(key)
            return
        with self._cond:
            due = self._clock.monotonic() + seconds
            heapq.heappush(self._delayed, (due, next(self._seq), key))
            self._cond.notify()

    def add_rate_limited(self, key: K) -> float:
        """Retry after an exponentially growing delay for this key; returns the delay chosen."""
        with self._cond:
            failures = self._failures.get(key, 0)
            self._failures[key] = failures + 1
        delay = float(min(self._base_delay * (2**failures), self._max_delay))
        self.add_after(key, delay)
        return delay

    def forget(self, key: K) -> None:
        """Reset the key's back-off after a successful reconcile."""
        with self._cond:
            self._failures.pop(key, None)

    def failures(self, key: K) -> int:
        with self._cond:
            return self._failures.get(key, 0)

    def _promote_due_locked(self) -> None:
        now = self._clock.monotonic()
        while self._delayed and self._delayed[0][0] <= now:
            _, _, key = heapq.heappop(self._delayed)
            self._add_locked(key)

    def get(self, timeout: float | None = None) -> K | None:
        """The next ready key (marked as processing), or None on timeout (real seconds) or shutdown.

        Waiting polls in short steps so that delayed keys become due as the clock, real or virtual, moves.
        """
        with self._cond:
            remaining = timeout
            while True:
                self._promote_due_locked()
                if self._ready:
                    key = self._ready.pop(0)
                    self._queued.discard(key)
                    self._processing.add(key)
                    return key
                if self._shutdown or (remaining is not None and remaining <= 0):
                    return None
                step = 0.05 if remaining is None else min(0.05, remaining)
                self._cond.wait(step)
                if remaining is not None:
                    remaining -= step

    def get_nowait(self) -> K | None:
        """The next key that is ready now, without blocking (for stepping a controller deterministically)."""
        with self._cond:
            self._promote_due_locked()
            if not self._ready:
                return None
            key = self._ready.pop(0)
            self._queued.discard(key)
            self._processing.add(key)
            return key

    def done(self, key: K) -> None:
        with self._cond:
            self._processing.discard(key)
            if key in self._dirty_while_processing:
                self._dirty_while_processing.discard(key)
                self._add_locked(key)

    def next_due_in(self) -> float | None:
        """Seconds until the earliest delayed key is due (None when nothing is delayed)."""
        with self._cond:
            if not self._delayed:
                return None
            return max(0.0, self._delayed[0][0] - self._clock.monotonic())

    def __len__(self) -> int:
        with self._cond:
            return len(self._ready)

    def shutdown(self) -> None:
        with self._cond:
            self._shutdown = True
            self._cond.notify_all()
