"""watch: list+watch, ADDED/MODIFIED/DELETED, resuming (also after a restart), Gone, selectors, waking."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.errors import BadRequest, Gone
from sparkfleet.cluster.port import Watch, WatchEvent, WatchEventType
from support.objects import configmap, node, owned, pod, spark_app

ADDED, MODIFIED, DELETED = WatchEventType.ADDED, WatchEventType.MODIFIED, WatchEventType.DELETED


def summary(events: list[WatchEvent]) -> list[tuple[str, str, str]]:
    return [
        (e.type.value, e.object["metadata"]["name"], e.object["metadata"]["resourceVersion"]) for e in events
    ]


def drain(cluster: EmbeddedCluster, kind: str | None, **kwargs: object) -> list[WatchEvent]:
    """Everything the watch has to say now (timeout 0 ends it once it has caught up)."""
    with cluster.watch(kind, timeout_seconds=0, **kwargs) as watch:  # type: ignore[arg-type]
        return list(watch)


def test_a_watch_is_the_port_watch(cluster: EmbeddedCluster) -> None:
    with cluster.watch("Pod", timeout_seconds=0) as watch:
        assert isinstance(watch, Watch)


def test_list_and_watch_starts_with_added_for_every_existing_object(cluster: EmbeddedCluster) -> None:
    cluster.create(pod("b"))
    cluster.create(pod("a"))
    cluster.create(node("n1"))
    assert summary(drain(cluster, "Pod")) == [("ADDED", "a", "2"), ("ADDED", "b", "1")]
    assert summary(drain(cluster, "Pod", resource_version="0")) == [("ADDED", "a", "2"), ("ADDED", "b", "1")]


def test_a_watch_reports_added_modified_and_deleted_in_order(cluster: EmbeddedCluster) -> None:
    cluster.create(node("n1"))
    watch = cluster.watch("Pod", timeout_seconds=0)
    assert list(watch) == []
    start = watch.resource_version
    assert start == "1"
    cluster.create(pod("p"))
    cluster.patch("Pod", "default", "p", {"metadata": {"labels": {"a": "b"}}})
    cluster.delete("Pod", "default", "p")
    events = drain(cluster, "Pod", resource_version=start)
    assert summary(events) == [("ADDED", "p", "2"), ("MODIFIED", "p", "3"), ("DELETED", "p", "4")]
    assert events[1].object["metadata"]["labels"] == {"a": "b"}


def test_the_deleted_event_carries_the_last_state(cluster: EmbeddedCluster) -> None:
    cluster.create(pod("p"))
    cluster.bind("default", "p", "n1")
    cluster.delete("Pod", "default", "p")
    (event,) = [e for e in drain(cluster, "Pod", resource_version="2") if e.type is DELETED]
    assert event.object["spec"]["nodeName"] == "n1"


def test_cascaded_deletes_are_reported_after_their_owner(cluster: EmbeddedCluster) -> None:
    app = cluster.create(spark_app("pi"))
    cluster.create(owned(pod("pi-driver"), app))
    cluster.delete("SparkApplication", "default", "pi")
    events = drain(cluster, None, resource_version="2")
    assert summary(events) == [("DELETED", "pi", "3"), ("DELETED", "pi-driver", "4")]


def test_watch_of_one_kind_and_namespace_skips_the_rest(cluster: EmbeddedCluster) -> None:
    cluster.create(pod("a", namespace="spark"))
    cluster.create(pod("b"))
    cluster.create(configmap("c", namespace="spark"))
    assert summary(drain(cluster, "Pod", namespace="spark", resource_version="0")) == [("ADDED", "a", "1")]
    assert summary(drain(cluster, "Pod", namespace="spark", resource_version="1")) == []


def test_watch_of_every_kind(cluster: EmbeddedCluster) -> None:
    cluster.create(pod("a"))
    cluster.create(node("n"))
    assert [e.object["kind"] for e in drain(cluster, None, resource_version="0")] == ["Node", "Pod"]


def test_no_op_updates_produce_no_events(cluster: EmbeddedCluster) -> None:
    created = cluster.create(pod("p"))
    cluster.update(created)
    assert drain(cluster, "Pod", resource_version="1") == []


def test_resuming_from_a_resource_version_replays_every_later_change(cluster: EmbeddedCluster) -> None:
    cluster.create(pod("a"))
    marker = cluster.create(pod("b"))["metadata"]["resourceVersion"]
    cluster.create(pod("c"))
    cluster.delete("Pod", "default", "a")
    assert summary(drain(cluster, "Pod", resource_version=marker)) == [
        ("ADDED", "c", "3"),
        ("DELETED", "a", "4"),
    ]


def test_a_watcher_resumes_after_the_store_restarts(db_path: Path, clock: VirtualClock) -> None:
    store = EmbeddedCluster(db_path, clock)
    store.create(pod("a"))
    with store.watch("Pod", timeout_seconds=0) as watch:
        seen = summary(list(watch))
        resume_at = watch.resource_version
    store.create(pod("b"))
    store.close()

    reopened = EmbeddedCluster(db_path, clock)
    reopened.patch("Pod", "default", "a", {"metadata": {"labels": {"x": "y"}}})
    replay = summary(drain(reopened, "Pod", resource_version=resume_at))
    reopened.close()
    assert seen == [("ADDED", "a", "1")]
    assert resume_at == "1"
    assert replay == [("ADDED", "b", "2"), ("MODIFIED", "a", "3")]


def test_a_resource_version_older_than_the_history_is_gone(db_path: Path, clock: VirtualClock) -> None:
    with EmbeddedCluster(db_path, clock, history_limit=10) as store:
        for i in range(40):
            store.create(configmap(f"c{i}"))
        with pytest.raises(Gone) as caught:
            store.watch("ConfigMap", resource_version="1")
        assert caught.value.code == 410
        assert "too old resource version: 1" in str(caught.value)
        recent = summary(drain(store, "ConfigMap", resource_version="30"))
        assert [rv for _, _, rv in recent] == [str(v) for v in range(31, 41)]
        # A fresh list+watch always works.
        assert len(drain(store, "ConfigMap")) == 40


def test_a_watcher_that_falls_behind_the_history_window_gets_gone(db_path: Path, clock: VirtualClock) -> None:
    with EmbeddedCluster(db_path, clock, history_limit=5) as store:
        store.create(configmap("first"))
        watch = store.watch("ConfigMap", resource_version="1", timeout_seconds=0)
        for i in range(20):
            store.create(configmap(f"c{i}"))
        with pytest.raises(Gone):
            next(watch)


def test_the_history_keeps_at_least_the_configured_number_of_changes(
    db_path: Path, clock: VirtualClock
) -> None:
    with EmbeddedCluster(db_path, clock, history_limit=10) as store:
        for i in range(100):
            store.create(configmap(f"c{i}"))
        assert len(drain(store, "ConfigMap", resource_version="90")) == 10


def test_a_malformed_resource_version_is_a_bad_request(cluster: EmbeddedCluster) -> None:
    with pytest.raises(BadRequest, match="resourceVersion"):
        cluster.watch("Pod", resource_version="abc")
    with pytest.raises(BadRequest):
        cluster.watch("Pod", resource_version="-3")


def test_label_selector_watch_turns_moves_into_added_and_deleted(cluster: EmbeddedCluster) -> None:
    cluster.create(pod("p", labels={"role": "executor"}))
    watch = cluster.watch("Pod", label_selector="role=driver", timeout_seconds=0)
    assert list(watch) == []
    start = watch.resource_version
    cluster.patch("Pod", "default", "p", {"metadata": {"labels": {"role": "driver"}}})
    cluster.patch("Pod", "default", "p", {"metadata": {"annotations": {"n": "1"}}})
    cluster.patch("Pod", "default", "p", {"metadata": {"labels": {"role": "executor"}}})
    cluster.patch("Pod", "default", "p", {"metadata": {"annotations": {"n": "2"}}})
    cluster.create(pod("q", labels={"role": "driver"}))
    cluster.delete("Pod", "default", "q")
    events = drain(cluster, "Pod", label_selector="role=driver", resource_version=start)
    assert summary(events) == [
        ("ADDED", "p", "2"),
        ("MODIFIED", "p", "3"),
        ("DELETED", "p", "4"),
        ("ADDED", "q", "6"),
        ("DELETED", "q", "7"),
    ]


def test_field_selector_watch_sees_a_pod_arrive_on_its_node(cluster: EmbeddedCluster) -> None:
    cluster.create(pod("a"))
    cluster.create(pod("b"))
    cluster.bind("default", "a", "node-1")
    cluster.bind("default", "b", "node-2")
    cluster.delete("Pod", "default", "a")
    events = drain(cluster, "Pod", field_selector="spec.nodeName=node-1", resource_version="2")
    assert summary(events) == [("ADDED", "a", "3"), ("DELETED", "a", "5")]
    assert summary(drain(cluster, "Pod", field_selector="spec.nodeName=")) == []


def test_a_blocked_watch_wakes_when_another_thread_writes(cluster: EmbeddedCluster) -> None:
    watch = cluster.watch("Pod", resource_version="0")
    received: list[WatchEvent] = []

    def consume() -> None:
        for event in watch:
            received.append(event)
            if len(received) == 2:
                return

    thread = threading.Thread(target=consume)
    thread.start()
    cluster.create(pod("a"))
    cluster.create(pod("b"))
    thread.join(30)
    watch.close()
    assert summary(received) == [("ADDED", "a", "1"), ("ADDED", "b", "2")]


def test_closing_a_watch_ends_a_blocked_iteration(cluster: EmbeddedCluster) -> None:
    watch = cluster.watch("Pod")
    ended = threading.Event()

    def consume() -> None:
        for _ in watch:
            pass
        ended.set()

    thread = threading.Thread(target=consume)
    thread.start()
    watch.close()
    thread.join(30)
    assert ended.is_set()
    assert list(watch) == []


def test_closing_the_store_ends_its_watches(db_path: Path, clock: VirtualClock) -> None:
    store = EmbeddedCluster(db_path, clock)
    watch = store.watch(None)
    ended = threading.Event()

    def consume() -> None:
        for _ in watch:
            pass
        ended.set()

    thread = threading.Thread(target=consume)
    thread.start()
    store.close()
    thread.join(30)
    assert ended.is_set()


def test_the_watch_timeout_runs_on_the_cluster_clock(cluster: EmbeddedCluster, clock: VirtualClock) -> None:
    watch = cluster.watch("Pod", timeout_seconds=60)
    ended = threading.Event()

    def consume() -> None:
        for _ in watch:
            pass
        ended.set()

    thread = threading.Thread(target=consume)
    thread.start()
    clock.advance(59)
    assert not ended.is_set()
    clock.advance(1)
    thread.join(30)
    assert ended.is_set()


def test_events_written_before_the_timeout_are_still_delivered(cluster: EmbeddedCluster) -> None:
    watch = cluster.watch("Pod", timeout_seconds=0)
    cluster.create(pod("late"))
    assert summary(list(watch)) == [("ADDED", "late", "1")]


_WRITER = """
import sys
from datetime import UTC, datetime
from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
with EmbeddedCluster(sys.argv[1], VirtualClock(datetime(2026, 1, 2, tzinfo=UTC))) as store:
    store.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-elsewhere"}})
"""


def test_a_watcher_sees_writes_made_by_another_process(db_path: Path, clock: VirtualClock) -> None:
    with EmbeddedCluster(db_path, clock, poll_interval=0.01) as store:
        watch = store.watch("ConfigMap")
        received: list[WatchEvent] = []

        def consume() -> None:
            received.extend([next(watch)])

        thread = threading.Thread(target=consume)
        thread.start()
        subprocess.run([sys.executable, "-c", _WRITER, str(db_path)], check=True, timeout=60)
        thread.join(30)
        watch.close()
        assert summary(received) == [("ADDED", "from-elsewhere", "1")]
