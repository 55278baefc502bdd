"""The store's write connection: each write one transaction, a thread's `transaction()` gathering its
writes into one (each in a savepoint of its own), other threads' writes waiting for it, and commits
waking the watches."""

from __future__ import annotations

import threading

import pytest

from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.errors import AlreadyExists, ClusterError, Conflict
from support.objects import pod


def test_writes_in_a_transaction_are_stored_together_at_its_end(cluster: EmbeddedCluster) -> None:
    with cluster.transaction():
        cluster.create(pod("a"))
        cluster.create(pod("b"))
        cluster.bind("default", "a", "node-1")
        assert cluster.list("Pod").items == []  # lists see the state before the transaction
        assert cluster.get("Pod", "default", "a")["spec"]["nodeName"] == "node-1"  # a get sees its writes
    stored = cluster.list("Pod")
    assert [p["metadata"]["name"] for p in stored.items] == ["a", "b"]
    assert [p["metadata"]["resourceVersion"] for p in stored.items] == ["3", "2"]
    assert stored.resourceVersion == "3"


def test_a_transaction_whose_block_raises_stores_nothing(cluster: EmbeddedCluster) -> None:
    cluster.create(pod("kept"))
    with pytest.raises(RuntimeError), cluster.transaction():
        cluster.create(pod("a"))
        cluster.delete("Pod", "default", "kept")
        raise RuntimeError("the controller stopped halfway")
    assert [p["metadata"]["name"] for p in cluster.list("Pod").items] == ["kept"]
    assert cluster.create(pod("next"))["metadata"]["resourceVersion"] == "2"


def test_a_refused_write_inside_a_transaction_changes_nothing_and_leaves_the_others(
    cluster: EmbeddedCluster,
) -> None:
    cluster.create(pod("bound"))
    cluster.bind("default", "bound", "node-1")
    with cluster.transaction():
        cluster.create(pod("a"))
        with pytest.raises(Conflict):
            cluster.bind("default", "bound", "node-2")
        with pytest.raises(AlreadyExists):
            cluster.create(pod("a"))
        cluster.create(pod("b"))
    stored = {p["metadata"]["name"]: p for p in cluster.list("Pod").items}
    assert sorted(stored) == ["a", "b", "bound"]
    assert stored["bound"]["spec"]["nodeName"] == "node-1"
    versions = sorted(int(p["metadata"]["resourceVersion"]) for p in stored.values())
    assert versions == [2, 3, 4]  # the refused writes handed no resourceVersion out


def test_another_threads_writes_wait_for_the_transaction(cluster: EmbeddedCluster) -> None:
    created = threading.Event()
    with cluster.transaction():
        cluster.create(pod("first"))
        writer = threading.Thread(target=lambda: (cluster.create(pod("second")), created.set()))
        writer.start()
        assert not created.wait(0.2)
    writer.join(5)
    names = [p["metadata"]["name"] for p in cluster.list("Pod").items]
    assert names == ["first", "second"]
    assert cluster.get("Pod", "default", "second")["metadata"]["resourceVersion"] == "2"


def test_a_commit_wakes_the_watches_and_a_rolled_back_transaction_does_not(cluster: EmbeddedCluster) -> None:
    watch = cluster.watch("Pod", "default", resource_version=cluster.resource_version, timeout_seconds=5)
    with pytest.raises(RuntimeError), cluster.transaction():
        cluster.create(pod("gone"))
        raise RuntimeError("stopped")
    with cluster.transaction():
        cluster.create(pod("kept"))
    event = next(iter(watch))
    watch.close()
    assert (event.type, event.object["metadata"]["name"]) == ("ADDED", "kept")


def test_a_closed_store_refuses_a_transaction(cluster: EmbeddedCluster) -> None:
    cluster.close()
    with pytest.raises(ClusterError, match="is closed"), cluster.transaction():
        pass
