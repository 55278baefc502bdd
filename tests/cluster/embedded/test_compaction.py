"""Compaction: new stores are made for incremental vacuum, older ones converted once, and the file gives
back what deletes freed, a bounded step at a time while the store keeps taking writes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster, compaction
from support.objects import configmap

_PAYLOAD = "x" * 4000


def _fill(store: EmbeddedCluster, count: int) -> None:
    store.create_many([configmap(f"c{i}", blob=_PAYLOAD) for i in range(count)])


def _delete_all(store: EmbeddedCluster, count: int) -> None:
    for i in range(count):
        store.delete("ConfigMap", "default", f"c{i}")


def test_a_new_store_is_made_for_incremental_vacuum(cluster: EmbeddedCluster) -> None:
    found = cluster.maintain(compaction.space)
    assert found.incremental
    assert not cluster.maintain(compaction.make_incremental), "nothing to convert"


def test_the_file_shrinks_after_deletes_once_compacted(db_path: Path, clock: VirtualClock) -> None:
    with EmbeddedCluster(db_path, clock, history_limit=10) as store:
        _fill(store, 1000)
        store.maintain(compaction.checkpoint)
        full = db_path.stat().st_size
        _delete_all(store, 1000)
        assert store.maintain(compaction.space).free_pages > 500, "freed, but still in the file"
        reclaimed = 0
        while step := store.maintain(compaction.reclaim):
            reclaimed += step
        store.maintain(compaction.checkpoint)
        after = store.maintain(compaction.space)
        assert reclaimed > 500
        assert after.free_pages == 0
        assert db_path.stat().st_size < full / 4


def test_each_step_hands_back_at_most_its_pages_and_writes_go_on_between(cluster: EmbeddedCluster) -> None:
    _fill(cluster, 300)
    _delete_all(cluster, 300)
    free = cluster.maintain(compaction.space).free_pages
    assert cluster.maintain(lambda conn: compaction.reclaim(conn, 10)) == 10
    cluster.create(configmap("between"))  # the store is not held between steps
    assert cluster.maintain(compaction.space).free_pages <= free - 10
    assert cluster.get("ConfigMap", "default", "between")["metadata"]["name"] == "between"


def test_a_store_made_before_incremental_vacuum_is_converted_once(db_path: Path, clock: VirtualClock) -> None:
    db_path.parent.mkdir(parents=True)
    old = sqlite3.connect(db_path)  # the file an older version made: auto_vacuum NONE
    old.execute("PRAGMA journal_mode = WAL")
    old.execute("CREATE TABLE legacy (x)")
    old.close()
    with EmbeddedCluster(db_path, clock) as store:
        assert not store.maintain(compaction.space).incremental
        _fill(store, 200)
        _delete_all(store, 200)
        assert store.maintain(compaction.reclaim) == 0, "a NONE store cannot hand pages back"
        assert store.maintain(compaction.make_incremental)
        assert store.maintain(compaction.space).incremental
        assert not store.maintain(compaction.make_incremental)
        store.create(configmap("after"))
    with EmbeddedCluster(db_path, clock) as reopened:
        assert reopened.maintain(compaction.space).incremental
        assert reopened.get("ConfigMap", "default", "after")["metadata"]["name"] == "after"
