"""Informers: lists and watches of busy kinds answered from memory, kept by one list and one watch per
kind. A list waits for the first list and then costs the API server nothing; the store is updated before
an event is handed on; this process's writes are seen at once, and an event older than them does not undo
them; a bind is held as done until the API server's own event says so; a relist tells what vanished."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster import Obj, ObjectList, WatchEvent, WatchEventType
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.reconcile import CachedCluster, Informer

WAIT_SECONDS = 10.0


def until(what: str, check: Callable[[], bool]) -> None:
    """Wait for the informer's thread to catch up (a bound wait, not a timing claim)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.01)


def pod(name: str, node: str | None = None) -> Obj:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "spark:4"}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "ns"}, "spec": spec}


class Counting:
    """The store as an HTTP adapter looks to an informer: it counts the lists it answers and can post a
    binding without reading the pod back."""

    def __init__(self, store: EmbeddedCluster) -> None:
        self.store = store
        self.lists = 0
        self.bindings: list[tuple[str, str, str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def list(self, kind: str, *args: Any, **kwargs: Any) -> ObjectList:
        self.lists += 1
        return self.store.list(kind, *args, **kwargs)

    def post_binding(self, namespace: str, pod_name: str, node_name: str) -> None:
        self.bindings.append((namespace, pod_name, node_name))
        self.store.bind(namespace, pod_name, node_name)


@pytest.fixture
def inner(store: EmbeddedCluster) -> Counting:
    return Counting(store)


@pytest.fixture
def cached(inner: Counting, clock: VirtualClock) -> Iterator[CachedCluster]:
    cluster = CachedCluster(inner, ("Pod",), clock)  # type: ignore[arg-type]  # the store, counted
    cluster.start()
    yield cluster
    cluster.stop()


def names(cluster: CachedCluster) -> set[str]:
    return {o["metadata"]["name"] for o in cluster.list("Pod").items}


def test_lists_are_answered_from_memory_once_the_first_list_arrived(
    cached: CachedCluster, inner: Counting, store: EmbeddedCluster
) -> None:
    store.create(pod("a"))
    until("the new pod is held", lambda: names(cached) == {"a"})
    for _ in range(20):
        assert names(cached) == {"a"}
    assert inner.lists == 1  # the informer's own list


def test_a_list_with_a_selector_or_of_another_kind_goes_to_the_api_server(
    cached: CachedCluster, inner: Counting, store: EmbeddedCluster
) -> None:
    store.create(pod("a"))
    until("synced", lambda: names(cached) == {"a"})
    before = inner.lists
    cached.list("Pod", label_selector="app=spark")
    cached.list("Node")
    assert inner.lists == before + 2


def test_a_namespace_is_filtered_in_memory(cached: CachedCluster, store: EmbeddedCluster) -> None:
    store.create(pod("a"))
    store.create({**pod("b"), "metadata": {"name": "b", "namespace": "other"}})
    until("both held", lambda: names(cached) == {"a", "b"})
    assert [o["metadata"]["name"] for o in cached.list("Pod", "other").items] == ["b"]


def test_a_watch_starts_with_what_is_held_and_the_store_is_updated_before_each_event(
    cached: CachedCluster, store: EmbeddedCluster
) -> None:
    store.create(pod("a"))
    until("synced", lambda: names(cached) == {"a"})
    with cached.watch("Pod") as watch:
        first = next(watch)
        assert (first.type, first.object["metadata"]["name"]) == (WatchEventType.ADDED, "a")
        store.create(pod("b"))
        second = next(watch)
        assert (second.type, second.object["metadata"]["name"]) == (WatchEventType.ADDED, "b")
        assert names(cached) == {"a", "b"}  # a reconcile woken by the event reads its state


def test_this_processs_writes_are_seen_at_once(cached: CachedCluster, store: EmbeddedCluster) -> None:
    until("synced", lambda: names(cached) == set())
    cached.create(pod("mine"))
    assert names(cached) == {"mine"}
    cached.delete("Pod", "ns", "mine")
    assert names(cached) == set()


def test_an_event_older_than_a_write_does_not_undo_it(clock: VirtualClock, store: EmbeddedCluster) -> None:
    informer = Informer(store, "Pod", clock)
    created = store.create(pod("a"))
    patched = store.patch("Pod", "ns", "a", {"metadata": {"labels": {"stage": "2"}}})
    informer.wrote(patched)
    informer.apply(WatchEvent(WatchEventType.MODIFIED, created), created["metadata"]["resourceVersion"])
    (held,) = informer.items()
    assert held["metadata"]["labels"] == {"stage": "2"}


def test_a_deleted_pods_older_events_do_not_bring_it_back(
    clock: VirtualClock, store: EmbeddedCluster
) -> None:
    informer = Informer(store, "Pod", clock)
    created = store.create(pod("a"))
    informer.deleted(store.delete("Pod", "ns", "a"))
    informer.apply(WatchEvent(WatchEventType.ADDED, created), created["metadata"]["resourceVersion"])
    assert informer.items() == []
    again = store.create(pod("a"))  # created anew since: a newer version is the new pod
    informer.apply(WatchEvent(WatchEventType.ADDED, again), again["metadata"]["resourceVersion"])
    assert [o["metadata"]["uid"] for o in informer.items()] == [again["metadata"]["uid"]]


def test_a_bind_is_held_as_done_until_the_api_servers_event_agrees(
    cached: CachedCluster, inner: Counting, store: EmbeddedCluster
) -> None:
    created = store.create(pod("a"))
    until("synced", lambda: names(cached) == {"a"})
    bound = cached.bind("ns", "a", "node-1")
    assert inner.bindings == [("ns", "a", "node-1")]  # posted, not read back
    assert bound["spec"]["nodeName"] == "node-1"
    assert [c["status"] for c in bound["status"]["conditions"] if c["type"] == "PodScheduled"] == ["True"]
    informer = cached.informers["Pod"]
    # An event from before the bind (a status write in flight) keeps the pod bound here.
    stale = {**created, "status": {"phase": "Pending", "reason": "still-unbound"}}
    informer.apply(WatchEvent(WatchEventType.MODIFIED, stale), created["metadata"]["resourceVersion"])
    (held,) = informer.items()
    assert (held["spec"]["nodeName"], held["status"]["reason"]) == ("node-1", "still-unbound")
    until("the API server's event arrived", lambda: not informer.assumed("ns", "a"))
    assert cached.list("Pod").items[0]["spec"]["nodeName"] == "node-1"


def test_a_relist_tells_what_vanished_as_deleted(clock: VirtualClock, store: EmbeddedCluster) -> None:
    informer = Informer(store, "Pod", clock)
    informer.replace(ObjectList([store.create(pod("a")), store.create(pod("b"))], "2"))
    with informer.subscribe() as watch:
        assert {next(watch).object["metadata"]["name"] for _ in range(2)} == {"a", "b"}
        informer.replace(ObjectList([store.get("Pod", "ns", "b")], "3"))
        gone = next(watch)
        assert (gone.type, gone.object["metadata"]["name"]) == (WatchEventType.DELETED, "a")
        assert next(watch).type is WatchEventType.MODIFIED  # b, as listed


def test_stopping_ends_the_watches_handed_out(cached: CachedCluster) -> None:
    until("synced", lambda: names(cached) == set())
    watch = cached.watch("Pod")
    cached.stop()
    assert list(watch) == []
