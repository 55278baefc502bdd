"""Event expiry: an Event goes the TTL after it last happened, as a DELETED change, in bounded batches."""

from __future__ import annotations

from datetime import timedelta

from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.clock import VirtualClock
from sparkfleet.cluster import WatchEventType
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.embedded.expiry import DEFAULT_EVENT_TTL
from sparkfleet.cluster.events import record_event
from support.objects import configmap

HOUR = timedelta(hours=1)


def _event_names(cluster: EmbeddedCluster) -> set[str]:
    return {e["metadata"]["name"] for e in cluster.list("Event").items}


def test_the_default_ttl_is_kube_apiservers_hour() -> None:
    assert DEFAULT_EVENT_TTL == HOUR


def test_events_older_than_the_ttl_go_and_newer_ones_stay(
    cluster: EmbeddedCluster, clock: VirtualClock
) -> None:
    owner = cluster.create(configmap("c"))
    old = record_event(cluster, owner, "Normal", "Old", "long ago", clock.now(), "test")
    clock.advance(1800)
    new = record_event(cluster, owner, "Normal", "New", "recently", clock.now(), "test")
    clock.advance(1801)
    assert cluster.expire_events(clock.now() - HOUR) == 1
    assert _event_names(cluster) == {new["metadata"]["name"]}
    assert old["metadata"]["name"] not in _event_names(cluster)
    assert cluster.get("ConfigMap", "default", "c")["metadata"]["uid"] == owner["metadata"]["uid"]


def test_a_repeated_event_lives_from_its_last_occurrence(
    cluster: EmbeddedCluster, clock: VirtualClock
) -> None:
    owner = cluster.create(configmap("c"))
    record_event(cluster, owner, "Warning", "BackOff", "again", clock.now(), "test")
    for _ in range(6):  # within the aggregation window each time: one Event, counted
        clock.advance(500)
        repeated = record_event(cluster, owner, "Warning", "BackOff", "again", clock.now(), "test")
    assert repeated["count"] == 7
    clock.advance(1200)  # 70 minutes after the first occurrence, 20 after the last
    assert cluster.expire_events(clock.now() - HOUR) == 0
    clock.advance(2401)
    assert cluster.expire_events(clock.now() - HOUR) == 1


def test_events_without_a_last_timestamp_count_from_their_event_time_or_creation(
    cluster: EmbeddedCluster, clock: VirtualClock
) -> None:
    stamp = format_rfc3339(clock.now())
    base = {"apiVersion": "v1", "kind": "Event", "involvedObject": {"kind": "ConfigMap", "name": "c"}}
    cluster.create({**base, "metadata": {"name": "micro", "namespace": "default"}, "eventTime": stamp})
    cluster.create({**base, "metadata": {"name": "bare", "namespace": "default"}})
    clock.advance(3601)
    assert cluster.expire_events(clock.now() - HOUR) == 2


def test_watchers_see_each_expired_event_deleted(cluster: EmbeddedCluster, clock: VirtualClock) -> None:
    owner = cluster.create(configmap("c"))
    event = record_event(cluster, owner, "Normal", "Done", "finished", clock.now(), "test")
    with cluster.watch("Event", timeout_seconds=0) as watch:
        list(watch)
        start = watch.resource_version
    clock.advance(3601)
    cluster.expire_events(clock.now() - HOUR)
    with cluster.watch("Event", resource_version=start, timeout_seconds=0) as watch:
        changes = [(e.type, e.object["metadata"]["name"]) for e in watch]
    assert changes == [(WatchEventType.DELETED, event["metadata"]["name"])]


def test_one_call_expires_at_most_its_batch(cluster: EmbeddedCluster, clock: VirtualClock) -> None:
    owner = cluster.create(configmap("c"))
    for i in range(7):
        record_event(cluster, owner, "Normal", "Step", f"step {i}", clock.now(), "test")
    clock.advance(3601)
    cutoff = clock.now() - HOUR
    assert [cluster.expire_events(cutoff, limit=3) for _ in range(4)] == [3, 3, 1, 0]
    assert cluster.count("Event", None) == 0


def test_expiry_finds_the_expired_through_its_index(cluster: EmbeddedCluster) -> None:
    import sqlite3

    from sparkfleet.cluster.embedded.expiry import _EXPIRED, _INDEX

    raw = sqlite3.connect(cluster.path)
    query = f"EXPLAIN QUERY PLAN SELECT id FROM objects INDEXED BY {_INDEX} WHERE {_EXPIRED} LIMIT 10"
    plan = raw.execute(query, ("x",)).fetchall()
    raw.close()
    assert any("events_by_time" in str(step) for step in plan), plan
