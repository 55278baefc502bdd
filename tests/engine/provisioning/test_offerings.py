"""The unavailable-offerings cache: an immutable value with a 3-minute time to live."""

from __future__ import annotations

from datetime import timedelta

from sparkfleet.api.instancetypes import OfferingKey
from sparkfleet.api.wire import CapacityType
from sparkfleet.engine.provisioning.offerings import UnavailableOfferings

from .builders import NOW

R6G = OfferingKey("r6g.4xlarge", "us-east-1a", CapacityType.SPOT)
R5D = OfferingKey("r5d.4xlarge", "us-east-1a", CapacityType.SPOT)


def test_a_marked_offering_is_unavailable_for_three_minutes() -> None:
    cache = UnavailableOfferings().mark(R6G, NOW)
    assert not cache.is_available(R6G, NOW)
    assert not cache.is_available(R6G, NOW + timedelta(minutes=2, seconds=59))
    assert cache.is_available(R6G, NOW + timedelta(minutes=3))
    assert cache.is_available(R5D, NOW)


def test_marking_returns_a_new_cache_and_leaves_the_old_one_alone() -> None:
    empty = UnavailableOfferings()
    marked = empty.mark_all([R6G, R5D], NOW)
    assert len(empty) == 0
    assert marked.active(NOW) == {R6G, R5D}


def test_marking_again_restarts_the_clock_and_drops_expired_entries() -> None:
    cache = UnavailableOfferings().mark(R6G, NOW)
    later = NOW + timedelta(minutes=4)
    cache = cache.mark(R5D, later)
    assert cache.active(later) == {R5D}
    assert R6G not in cache.until
