"""The unavailable-offerings cache the provisioner, the NodeClaim lifecycle and disruption share.

The engines take and return `UnavailableOfferings` as immutable values; the controllers run on their own
threads, so the current value lives here behind a lock. Every writer merges (an offering stays out until
the latest time anyone marked it for), so a plan computed from an older snapshot never brings back an
offering another controller has just seen fail.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime, timedelta
from types import MappingProxyType

from sparkfleet.api.instancetypes import Offering, OfferingKey
from sparkfleet.engine.provisioning import UNAVAILABLE_TTL, UnavailableOfferings

__all__ = ["OfferingCache"]


class OfferingCache:
    """A thread-safe holder of the unavailable-offerings cache (3 minutes per offering by default)."""

    def __init__(self, ttl: timedelta = UNAVAILABLE_TTL) -> None:
        self._lock = threading.Lock()
        self._value = UnavailableOfferings(ttl=ttl)

    @property
    def ttl(self) -> timedelta:
        return self._value.ttl

    def snapshot(self, now: datetime) -> UnavailableOfferings:
        """The offerings held unavailable at `now` (expired entries dropped)."""
        with self._lock:
            self._value = self._value.pruned(now)
            return self._value

    def mark(self, offerings: Iterable[Offering | OfferingKey], now: datetime) -> None:
        """Hold `offerings` unavailable for the TTL from `now`."""
        with self._lock:
            self._value = self._value.mark_all(offerings, now)

    def merge(self, other: UnavailableOfferings) -> None:
        """Take in what an engine's decision marked; the later expiry wins for an offering in both."""
        with self._lock:
            entries = dict(self._value.until)
            for key, until in other.until.items():
                if until > entries.get(key, until - timedelta(microseconds=1)):
                    entries[key] = until
            self._value = UnavailableOfferings(MappingProxyType(entries), self._value.ttl)

    def active(self, now: datetime) -> frozenset[OfferingKey]:
        with self._lock:
            return self._value.active(now)

    def is_available(self, offering: Offering | OfferingKey, now: datetime) -> bool:
        with self._lock:
            return self._value.is_available(offering, now)
