"""The store file: WAL, the durability asked for, the tables it promises, and a schema version guard."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import Durability, EmbeddedCluster
from sparkfleet.cluster.embedded.schema import connect, initialise
from support.objects import pod


@pytest.mark.parametrize(("durability", "synchronous"), [(Durability.PROCESS, 1), (Durability.MACHINE, 2)])
def test_the_store_runs_in_wal_mode_with_the_sync_level_of_its_durability(
    db_path: Path, clock: VirtualClock, durability: Durability, synchronous: int
) -> None:
    with EmbeddedCluster(db_path, clock, durability=durability):
        conn = connect(db_path, durability)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("PRAGMA synchronous").fetchone() == (synchronous,)  # NORMAL=1, FULL=2
        conn.close()


def test_objects_and_changes_rows_mirror_each_write(cluster: EmbeddedCluster) -> None:
    created = cluster.create(pod("p"))
    cluster.bind("default", "p", "n1")
    raw = sqlite3.connect(cluster.path)
    row = raw.execute(
        "SELECT kind, namespace, name, uid, resource_version, generation FROM objects"
    ).fetchone()
    assert row == ("Pod", "default", "p", created["metadata"]["uid"], 2, 2)
    changes = raw.execute(
        "SELECT rv, type, kind, namespace, name, prev_rv FROM changes ORDER BY rv"
    ).fetchall()
    assert changes == [(1, "ADDED", "Pod", "default", "p", None), (2, "MODIFIED", "Pod", "default", "p", 1)]
    assert raw.execute("SELECT resource_version FROM meta").fetchone() == (2,)
    raw.close()


def test_opening_creates_missing_parent_directories(tmp_path: Path, clock: VirtualClock) -> None:
    path = tmp_path / "a" / "b" / "store.db"
    with EmbeddedCluster(path, clock) as store:
        store.create(pod("p"))
    assert path.exists()


def test_a_store_written_by_another_schema_version_is_refused(db_path: Path, clock: VirtualClock) -> None:
    EmbeddedCluster(db_path, clock).close()
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE meta SET schema_version = 99")
    raw.commit()
    raw.close()
    with pytest.raises(RuntimeError, match="schema version 99"):
        EmbeddedCluster(db_path, clock)


def test_initialising_twice_is_harmless(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(db_path)
    initialise(conn)
    initialise(conn)
    assert conn.execute("SELECT resource_version, compacted_rv FROM meta").fetchone() == (0, 0)
    conn.close()


def test_history_limit_must_be_positive(db_path: Path, clock: VirtualClock) -> None:
    with pytest.raises(ValueError, match="history_limit"):
        EmbeddedCluster(db_path, clock, history_limit=0)
