"""Leader election on a Lease: one leader among candidates, a standby takes over only once the Lease
has gone unrenewed for its duration (on the standby's own clock), and a released Lease is taken at once."""

from __future__ import annotations

import threading

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster import Conflict
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.reconcile.leader import LeaderElection, LeaseConfig

NS = "sparkfleet-system"
LEASE = "sparkfleet-controller"


def candidate(store: EmbeddedCluster, clock: VirtualClock, identity: str) -> LeaderElection:
    return LeaderElection(store, clock, LeaseConfig(NS, LEASE, identity))


def test_the_first_candidate_creates_the_lease_and_leads(store: EmbeddedCluster, clock: VirtualClock) -> None:
    a = candidate(store, clock, "a")
    assert a.try_acquire_or_renew()
    assert a.leading
    spec = store.get("Lease", NS, LEASE)["spec"]
    assert spec["holderIdentity"] == "a"
    assert spec["leaseDurationSeconds"] == 15
    assert spec["leaseTransitions"] == 0
    assert spec["acquireTime"] == spec["renewTime"] == "2026-01-01T00:00:00.000000Z"


def test_a_standby_waits_while_the_leader_renews(store: EmbeddedCluster, clock: VirtualClock) -> None:
    a, b = candidate(store, clock, "a"), candidate(store, clock, "b")
    assert a.try_acquire_or_renew()
    for _ in range(20):
        clock.advance(2)
        assert a.try_acquire_or_renew()
        assert not b.try_acquire_or_renew()
    assert store.get("Lease", NS, LEASE)["spec"]["holderIdentity"] == "a"
    assert store.get("Lease", NS, LEASE)["spec"]["renewTime"] == "2026-01-01T00:00:40.000000Z"


def test_a_standby_takes_over_once_the_lease_went_unrenewed_for_its_duration(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    a, b = candidate(store, clock, "a"), candidate(store, clock, "b")
    assert a.try_acquire_or_renew()
    assert not b.try_acquire_or_renew()  # b first sees the Lease now: its 15 s count from here
    clock.advance(14)
    assert not b.try_acquire_or_renew()
    clock.advance(1.5)
    assert b.try_acquire_or_renew()
    spec = store.get("Lease", NS, LEASE)["spec"]
    assert spec["holderIdentity"] == "b"
    assert spec["leaseTransitions"] == 1
    assert spec["acquireTime"] == "2026-01-01T00:00:15.500000Z"
    assert not a.try_acquire_or_renew(), "the old leader sees b's fresh renewal and stands by"
    assert not a.leading


def test_expiry_is_measured_from_when_the_standby_saw_the_lease_change_not_from_its_times(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    a = candidate(store, clock, "a")
    assert a.try_acquire_or_renew()
    clock.advance(3600)  # a renewTime an hour old: a clock skewed between replicas must not matter
    b = candidate(store, clock, "b")
    assert not b.try_acquire_or_renew()
    clock.advance(15.1)
    assert b.try_acquire_or_renew()


def test_a_released_lease_is_taken_at_once(store: EmbeddedCluster, clock: VirtualClock) -> None:
    a, b = candidate(store, clock, "a"), candidate(store, clock, "b")
    assert a.try_acquire_or_renew()
    assert not b.try_acquire_or_renew()
    a.release()
    assert not a.leading
    spec = store.get("Lease", NS, LEASE)["spec"]
    assert spec["holderIdentity"] == ""
    assert b.try_acquire_or_renew()
    assert store.get("Lease", NS, LEASE)["spec"]["leaseTransitions"] == 0, "an empty holder is no transition"


def test_of_two_candidates_writing_the_same_read_only_one_wins(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    a, b = candidate(store, clock, "a"), candidate(store, clock, "b")
    assert a.try_acquire_or_renew()
    a.release()
    read = store.get("Lease", NS, LEASE)
    assert b.try_acquire_or_renew()
    stale = {**read, "spec": {**read["spec"], "holderIdentity": "c"}}
    with pytest.raises(Conflict):
        store.update(stale)  # what a third candidate's write of the same read meets
    assert store.get("Lease", NS, LEASE)["spec"]["holderIdentity"] == "b"


def test_inconsistent_timings_are_refused() -> None:
    with pytest.raises(ValueError, match="lease duration > renew deadline > retry period"):
        LeaseConfig(NS, LEASE, "a", lease_duration=10, renew_deadline=10)


def test_run_leads_until_stopped_then_releases(store: EmbeddedCluster, clock: VirtualClock) -> None:
    a = candidate(store, clock, "a")
    stop = threading.Event()
    started, stopped = threading.Event(), threading.Event()
    runner = threading.Thread(target=a.run, args=(stop, started.set, stopped.set))
    runner.start()
    assert started.wait(10)
    stop.set()
    runner.join(10)
    assert stopped.is_set()
    assert store.get("Lease", NS, LEASE)["spec"]["holderIdentity"] == ""


def test_run_stops_leading_when_another_holder_took_the_lease(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    quick = LeaseConfig(NS, LEASE, "a", lease_duration=3, renew_deadline=2, retry_period=0.05)
    a = LeaderElection(store, clock, quick)
    stop = threading.Event()
    started, stopped = threading.Event(), threading.Event()
    runner = threading.Thread(target=a.run, args=(stop, started.set, stopped.set))
    runner.start()
    assert started.wait(10)
    lease = store.get("Lease", NS, LEASE)
    store.update({**lease, "spec": {**lease["spec"], "holderIdentity": "intruder"}})
    assert stopped.wait(10), "a leader that sees another holder stops leading"
    runner.join(10)
    stop.set()
    assert store.get("Lease", NS, LEASE)["spec"]["holderIdentity"] == "intruder", "and does not release it"
