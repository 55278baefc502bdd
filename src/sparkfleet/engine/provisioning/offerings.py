"""The unavailable-offerings cache as a value: offerings that just failed with insufficient capacity.

Karpenter keeps an offering (instance type, zone, capacity type) out of its plans for 3 minutes after EC2
said it had no capacity for it, so the next plan falls to other types, zones or NodePools at once instead
of asking EC2 again. Here the cache is immutable: `mark` returns a new cache, and the time is always given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from sparkfleet.api.instancetypes import Offering, OfferingKey
from sparkfleet.api.wire import CapacityType

UNAVAILABLE_TTL = timedelta(minutes=3)


def _key(offering: Offering | OfferingKey) -> OfferingKey:
    return offering.key if isinstance(offering, Offering) else offering


@dataclass(frozen=True)
class UnavailableOfferings:
    """Offering -> the time until which it is considered unavailable."""

    until: Mapping[OfferingKey, datetime] = field(default_factory=lambda: MappingProxyType({}))
    ttl: timedelta = UNAVAILABLE_TTL

    def mark(self, offering: Offering | OfferingKey, now: datetime) -> UnavailableOfferings:
        """A cache that also holds `offering` as unavailable for the TTL from `now`."""
        return self.mark_all((offering,), now)

    def mark_all(self, offerings: Iterable[Offering | OfferingKey], now: datetime) -> UnavailableOfferings:
        entries = {k: t for k, t in self.until.items() if t > now}
        for offering in offerings:
            entries[_key(offering)] = now + self.ttl
        return UnavailableOfferings(MappingProxyType(entries), self.ttl)

    def is_available(self, offering: Offering | OfferingKey, now: datetime) -> bool:
        until = self.until.get(_key(offering))
        return until is None or until <= now

    def active(self, now: datetime) -> frozenset[OfferingKey]:
        """The offerings still held unavailable at `now`."""
        return frozenset(k for k, t in self.until.items() if t > now)

    def pruned(self, now: datetime) -> UnavailableOfferings:
        return UnavailableOfferings(
            MappingProxyType({k: t for k, t in self.until.items() if t > now}), self.ttl
        )

    def __len__(self) -> int:
        return len(self.until)


def offering_key(instance_type: str, zone: str, capacity_type: CapacityType | str) -> OfferingKey:
    return OfferingKey(instance_type, zone, CapacityType(capacity_type))
