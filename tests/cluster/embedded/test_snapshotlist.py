"""The list that starts a list+watch: the matching objects as of one resourceVersion, read one at a time
from a read transaction of its own, which ends when the list is read to the end or closed."""

from __future__ import annotations

import sqlite3
import threading

from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.embedded.schema import Durability
from sparkfleet.cluster.embedded.snapshotlist import SnapshotList
from sparkfleet.cluster.selectors import parse_field_selector, parse_label_selector
from support.objects import configmap, pod


def _open(cluster: EmbeddedCluster, kind: str | None = "ConfigMap", **selectors: str) -> SnapshotList:
    labels = parse_label_selector(selectors["labels"]) if "labels" in selectors else None
    fields = parse_field_selector(selectors["fields"]) if "fields" in selectors else None
    return SnapshotList(cluster.path, Durability.PROCESS, kind, "default", labels, fields)


def _names(objects: SnapshotList) -> list[str]:
    return [o["metadata"]["name"] for o in objects]


def _unchecked_frames(cluster: EmbeddedCluster) -> int:
    """Frames of the write-ahead log a checkpoint (which does not wait for readers) could not copy: some
    while a reader's transaction holds an older snapshot, none once it has ended."""

    def checkpoint(conn: sqlite3.Connection) -> int:
        _, logged, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(logged) - int(copied)

    return cluster.maintain(checkpoint)


def test_it_lists_the_objects_as_of_the_moment_it_was_opened(cluster: EmbeddedCluster) -> None:
    cluster.create(configmap("a"))
    cluster.create(configmap("b"))
    listing = _open(cluster)
    assert listing.resource_version == int(cluster.resource_version)
    cluster.create(configmap("c"))
    cluster.delete("ConfigMap", "default", "a")
    assert _names(listing) == ["a", "b"], "neither the later create nor the delete"


def test_label_and_field_selectors_choose_the_objects(cluster: EmbeddedCluster) -> None:
    cluster.create(pod("web-1", labels={"app": "web"}))
    cluster.create(pod("db-1", labels={"app": "db"}))
    done = cluster.create(pod("web-2", labels={"app": "web"}))
    cluster.update_status({**done, "status": {"phase": "Succeeded"}})
    assert _names(_open(cluster, "Pod", labels="app=web")) == ["web-1", "web-2"]
    live_web = _open(cluster, "Pod", labels="app=web", fields="status.phase!=Succeeded")
    assert _names(live_web) == ["web-1"]


def test_reading_it_to_the_end_ends_its_transaction(cluster: EmbeddedCluster) -> None:
    cluster.create(configmap("a"))
    cluster.create(configmap("b"))
    listing = _open(cluster)
    assert next(listing)["metadata"]["name"] == "a"
    cluster.create(configmap("later"))
    assert _unchecked_frames(cluster) > 0, "the open list holds its snapshot"
    assert _names(listing) == ["b"]
    assert _unchecked_frames(cluster) == 0
    assert list(listing) == [], "an ended list stays ended"


def test_closing_it_part_way_ends_its_transaction_and_its_objects(cluster: EmbeddedCluster) -> None:
    for name in ("a", "b", "c"):
        cluster.create(configmap(name))
    listing = _open(cluster)
    next(listing)
    cluster.create(configmap("later"))
    closer = threading.Thread(target=listing.close)  # as a watch is closed from another thread
    closer.start()
    closer.join()
    assert _unchecked_frames(cluster) == 0
    assert list(listing) == []
    listing.close()  # closing twice is harmless


def test_an_empty_list_ends_at_once(cluster: EmbeddedCluster) -> None:
    listing = _open(cluster)
    assert list(listing) == []
    cluster.create(configmap("later"))
    assert _unchecked_frames(cluster) == 0
