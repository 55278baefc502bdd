"""Watches over HTTP (TestClient): newline-delimited events from a resourceVersion, bookmarks, selectors,
expired resourceVersions, and streams that end when the client or the server goes away."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from starlette.applications import Starlette

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster import Gone
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import RequestLimits, create_app, start_server, streams_of
from sparkfleet.server.watchstream import _END, INITIAL_EVENTS_END, StreamRegistry, _Pump
from support.objects import pod

from .builders import AUTH, PODS, TOKEN, TestClient, events, open_watches
from .conftest import guarded


def drain(client: TestClient, path: str, **params: str) -> list[str]:
    """The whole stream of a watch that ends once it has caught up (timeoutSeconds=0)."""
    response = client.get(path, params={"watch": "true", "timeoutSeconds": "0", **params})
    assert response.status_code == 200
    return [line for line in response.text.splitlines() if line]


def test_a_watch_from_a_resource_version_reports_every_change_after_it(
    client: TestClient, cluster: EmbeddedCluster
) -> None:
    cluster.create(pod("before"))
    cluster.create(pod("p"))
    cluster.patch("Pod", "default", "p", {"metadata": {"labels": {"a": "b"}}})
    cluster.delete("Pod", "default", "p")
    lines = drain(client, PODS, resourceVersion="1")
    assert events(lines) == [("ADDED", "p"), ("MODIFIED", "p"), ("DELETED", "p")]
    assert json.loads(lines[1])["object"]["metadata"]["labels"] == {"a": "b"}


def test_a_watch_without_resource_version_starts_with_the_current_state(
    client: TestClient, cluster: EmbeddedCluster
) -> None:
    cluster.create(pod("a"))
    cluster.create(pod("b"))
    assert sorted(events(drain(client, PODS))) == [("ADDED", "a"), ("ADDED", "b")]
    assert sorted(events(drain(client, PODS, resourceVersion="0"))) == [("ADDED", "a"), ("ADDED", "b")]


def test_bookmarks_when_allowed_end_a_stream_with_its_resource_version(
    client: TestClient, cluster: EmbeddedCluster
) -> None:
    cluster.create(pod("p"))
    cluster.create(pod("q"))
    assert events(drain(client, PODS, resourceVersion="1", allowWatchBookmarks="true")) == [
        ("ADDED", "q"),
        ("BOOKMARK", "2"),
    ]
    bookmark = json.loads(drain(client, PODS, resourceVersion="2", allowWatchBookmarks="true")[0])
    assert bookmark == {
        "type": "BOOKMARK",
        "object": {"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": "2"}},
    }


def test_send_initial_events_ends_them_with_an_annotated_bookmark(
    client: TestClient, cluster: EmbeddedCluster
) -> None:
    cluster.create(pod("p"))
    lines = drain(
        client,
        PODS,
        sendInitialEvents="true",
        allowWatchBookmarks="true",
        resourceVersionMatch="NotOlderThan",
    )
    assert events(lines)[:2] == [("ADDED", "p"), ("BOOKMARK", "1")]
    assert json.loads(lines[1])["object"]["metadata"]["annotations"] == {INITIAL_EVENTS_END: "true"}


def test_a_watch_honours_label_selectors(client: TestClient, cluster: EmbeddedCluster) -> None:
    selected = {"spark-app-selector": "s1", "spark-role": "executor"}
    cluster.create(pod("exec-1", labels=selected))
    cluster.create(pod("driver", labels={"spark-app-selector": "s1", "spark-role": "driver"}))
    cluster.patch("Pod", "default", "exec-1", {"metadata": {"labels": {"spark-role": "done"}}})
    lines = drain(
        client, PODS, resourceVersion="0", labelSelector="spark-app-selector=s1,spark-role=executor"
    )
    assert events(lines) == []
    lines = drain(
        client, PODS, resourceVersion="1", labelSelector="spark-app-selector=s1,spark-role=executor"
    )
    assert events(lines) == [("DELETED", "exec-1")]  # moved out of the selection


def test_watching_one_object_by_name(client: TestClient, cluster: EmbeddedCluster) -> None:
    cluster.create(pod("p"))
    cluster.create(pod("q"))
    assert events(drain(client, f"{PODS}/p")) == [("ADDED", "p")]
    assert events(drain(client, "/api/v1/watch/namespaces/default/pods/q")) == [("ADDED", "q")]


def test_a_too_old_resource_version_is_an_expired_error_event(tmp_path: Path, clock: VirtualClock) -> None:
    small = EmbeddedCluster(tmp_path / "small.db", clock, history_limit=1)
    try:
        for name in "abcdef":
            small.create(pod(name))
        with TestClient(create_app(small, TOKEN), headers=AUTH) as client:
            (line,) = drain(client, PODS, resourceVersion="1")
        event = json.loads(line)
        assert event["type"] == "ERROR"
        assert (event["object"]["code"], event["object"]["reason"]) == (410, "Expired")
        assert "too old resource version" in event["object"]["message"]
    finally:
        small.close()


def test_a_websocket_watch_gets_the_answer_that_makes_fabric8_fall_back_to_http(client: TestClient) -> None:
    headers = {"Connection": "Upgrade", "Upgrade": "websocket"}
    response = client.get(PODS, params={"watch": "true"}, headers=headers)
    # A finished 200 (not 101 Switching Protocols) is fabric8's cue to watch with a plain HTTP GET.
    assert response.status_code == 200
    assert response.json()["reason"] == "ServiceUnavailable"


def test_a_live_watch_streams_changes_as_they_happen(client: TestClient, cluster: EmbeddedCluster) -> None:
    cluster.create(pod("p"))
    with client.stream("GET", PODS, params={"watch": "1", "resourceVersion": "1"}) as response:
        lines = response.iter_lines()
        cluster.create(pod("q"))
        assert events([next(lines)]) == [("ADDED", "q")]
        cluster.patch("Pod", "default", "p", {"metadata": {"labels": {"x": "y"}}})
        assert events([next(lines)]) == [("MODIFIED", "p")]
        cluster.delete("Pod", "default", "q")
        assert events([next(lines)]) == [("DELETED", "q")]


def test_a_watch_ends_when_its_timeout_passes_on_the_cluster_clock(
    client: TestClient, cluster: EmbeddedCluster, clock: VirtualClock
) -> None:
    with client.stream(
        "GET", PODS, params={"watch": "1", "timeoutSeconds": "30", "allowWatchBookmarks": "true"}
    ) as response:
        lines = response.iter_lines()
        cluster.create(pod("p"))
        assert events([next(lines)]) == [("ADDED", "p")]
        clock.advance(30)
        assert events([line for line in lines if line]) == [("BOOKMARK", "1")]


@pytest.fixture
def eager_bookmarks(cluster: EmbeddedCluster) -> Iterator[TestClient]:
    app = create_app(cluster, TOKEN, registry=CollectorRegistry(), bookmark_interval=0.01)
    guard = guarded(app)
    with TestClient(app, headers=AUTH) as client:
        yield client
    guard.cancel()
    streams_of(app).close_all()


def test_an_idle_watch_sends_periodic_bookmarks_at_what_it_has_sent(
    eager_bookmarks: TestClient, cluster: EmbeddedCluster
) -> None:
    cluster.create(pod("p"))
    params = {"watch": "1", "resourceVersion": "0", "allowWatchBookmarks": "true"}
    with eager_bookmarks.stream("GET", PODS, params=params) as response:
        lines = response.iter_lines()
        assert events([next(lines), next(lines), next(lines)]) == [
            ("ADDED", "p"),
            ("BOOKMARK", "1"),
            ("BOOKMARK", "1"),
        ]


def test_closing_every_stream_ends_open_watches(app: Starlette, client: TestClient) -> None:
    with client.stream("GET", PODS, params={"watch": "1"}) as response:
        streams_of(app).close_all()
        assert list(response.iter_lines()) == []


def test_the_registry_forgets_streams_that_ended(client: TestClient, app: Starlette) -> None:
    drain(client, PODS)
    assert len(streams_of(app)) == 0


def test_a_stream_opened_after_close_all_is_closed_at_once() -> None:
    registry = StreamRegistry()
    registry.close_all()
    closed: list[bool] = []
    registry.add(lambda: closed.append(True))
    assert closed == [True]


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


# What the server may add under load and keep: worker threads up to anyio's default limit of 40, each
# with a store reader (the database, its WAL and its shared-memory file).
POOL_FILES = 40 * 3


def test_the_file_handles_of_closed_watches_are_released(cluster: EmbeddedCluster) -> None:
    app = create_app(cluster, TOKEN, limits=RequestLimits(max_watches_per_client=200))
    with start_server(app, TOKEN) as server:
        socks, _ = open_watches(server.host, server.port, 200)
        for sock in socks:
            sock.close()
        assert streams_of(app).wait_until_empty(30)
        before = _open_files()
        after_each_round: list[int] = []
        for _ in range(3):
            socks, statuses = open_watches(server.host, server.port, 200)
            try:
                assert statuses == [200] * 200
                # Each open watch holds its socket at either end, and nothing else.
                assert _open_files() - before <= 2 * 200 + POOL_FILES
            finally:  # closed even when it fails, so no later test meets these sockets' warnings
                for sock in socks:
                    sock.close()
            assert streams_of(app).wait_until_empty(30)
            after_each_round.append(_open_files() - before)
            assert after_each_round[-1] <= POOL_FILES
        # Nothing accumulates round over round: 200 watches leaking one handle each would show here.
        assert after_each_round[-1] - after_each_round[0] <= 10


def test_a_client_that_falls_a_backlog_behind_ends_its_watch_with_410_instead_of_growing_it() -> None:
    async def run() -> list[object]:
        produced = threading.Event()

        def events() -> Iterator[int]:
            yield from range(10)
            produced.set()

        pump = _Pump(events(), asyncio.get_running_loop(), "slow-client", backlog=3)
        pump.start()
        # The client reads nothing until the pump has stopped reading: it stopped at the backlog.
        await asyncio.get_running_loop().run_in_executor(None, pump._thread.join, 5)
        got: list[object] = []
        while (item := await pump.get()) is not _END:
            got.append(item)
        assert not produced.is_set()  # the watch was not read to its end
        return got

    got = asyncio.run(run())
    assert got[:3] == [0, 1, 2]
    assert isinstance(got[3], Gone) and got[3].code == 410
    assert "the client fell 3 events behind this watch: list and watch again" in str(got[3])
    assert len(got) == 4
