"""Housekeeping: a round expires the Events past the TTL and compacts the file; on its thread it rounds
while the cluster goes on writing, and stops when asked."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.embedded.housekeeping import Housekeeping
from sparkfleet.cluster.events import record_event
from support.objects import configmap


def _events(store: EmbeddedCluster, clock: VirtualClock, count: int) -> None:
    owner = store.create(configmap("owner"))
    for i in range(count):
        record_event(store, owner, "Normal", "Step", f"step {i}: " + "x" * 2000, clock.now(), "test")


def test_a_round_expires_what_is_past_the_ttl_and_hands_the_space_back(
    db_path: Path, clock: VirtualClock
) -> None:
    with EmbeddedCluster(db_path, clock, history_limit=10) as store:
        _events(store, clock, 1200)  # more than one expiry batch
        keeper = Housekeeping(store, clock, event_ttl=timedelta(minutes=30))
        clock.advance(29 * 60)
        assert keeper.run_once().expired_events == 0
        size = db_path.stat().st_size
        clock.advance(61)
        done = keeper.run_once()
        assert done.expired_events == 1200
        assert store.count("Event", None) == 0
        assert done.reclaimed_bytes > 2_000_000
        assert not done.converted
        assert db_path.stat().st_size < size / 2


def test_the_ttl_must_be_positive(cluster: EmbeddedCluster, clock: VirtualClock) -> None:
    with pytest.raises(ValueError, match="event_ttl"):
        Housekeeping(cluster, clock, event_ttl=timedelta(0))


def test_on_its_thread_it_expires_while_the_store_takes_writes(
    cluster: EmbeddedCluster, clock: VirtualClock
) -> None:
    _events(cluster, clock, 50)
    clock.advance(3601)
    keeper = Housekeeping(cluster, clock, interval=timedelta(milliseconds=10))
    writes = 0
    keeper.start()
    try:
        for writes in range(1, 1001):  # a bounded wait for the first round, writing all along
            cluster.create(configmap(f"live-{writes}"))
            if cluster.count("Event", None) == 0:
                break
            threading.Event().wait(0.01)
    finally:
        keeper.stop()
    assert cluster.count("Event", None) == 0
    assert cluster.count("ConfigMap", None) == writes + 1
    keeper.stop()  # stopping twice is harmless
