"""Serving over real HTTP: uvicorn on loopback with a free port, stopping with open watches, kubeconfig."""

from __future__ import annotations

import threading

import httpx
import pytest
from starlette.applications import Starlette

from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import ServerHandle, create_app, kubeconfig, serve, start_server
from sparkfleet.server.serve import bind_socket

from .builders import AUTH, PODS, TOKEN, events, pod


def test_the_server_listens_on_loopback_with_a_free_port(server: ServerHandle) -> None:
    assert server.host == "127.0.0.1"
    assert server.port > 0
    assert server.url == f"http://127.0.0.1:{server.port}"
    assert server.running
    with httpx.Client(base_url=server.url, timeout=5) as http:
        assert http.get("/healthz").text == "ok"
        assert http.get(PODS).status_code == 401
        assert http.get(PODS, headers=AUTH).json()["kind"] == "PodList"


def test_a_plain_http_watch_streams_events_as_they_happen(
    server: ServerHandle, cluster: EmbeddedCluster
) -> None:
    cluster.create(pod("driver"))
    params = {"watch": "true", "allowWatchBookmarks": "true", "labelSelector": "spark-role=executor"}
    with (
        httpx.Client(base_url=server.url, headers=AUTH, timeout=5) as http,
        http.stream("GET", PODS, params=params) as response,
    ):
        assert response.status_code == 200
        lines = response.iter_lines()
        cluster.create(pod("exec-1", labels={"spark-role": "executor"}))
        assert events([next(lines)]) == [("ADDED", "exec-1")]
        cluster.delete("Pod", "default", "exec-1")
        assert events([next(lines)]) == [("DELETED", "exec-1")]


def test_stopping_the_server_ends_open_watches(app: Starlette) -> None:
    handle = start_server(app, TOKEN)
    with (
        httpx.Client(base_url=handle.url, headers=AUTH, timeout=5) as http,
        http.stream("GET", PODS, params={"watch": "1"}) as response,
    ):
        assert response.status_code == 200
        handle.stop()
        assert list(response.iter_lines()) == []
    assert not handle.running


def test_a_port_in_use_is_refused(cluster: EmbeddedCluster) -> None:
    taken = bind_socket()
    taken.listen()
    try:
        with pytest.raises(OSError):
            start_server(create_app(cluster, TOKEN), TOKEN, port=taken.getsockname()[1])
    finally:
        taken.close()


def test_serve_blocks_until_its_handle_stops_it(app: Starlette) -> None:
    seen: list[int] = []

    def ready(handle: ServerHandle) -> None:
        # Called on the server's own thread once it listens: answer one request, then stop.
        def check() -> None:
            with httpx.Client(base_url=handle.url, timeout=5) as http:
                seen.append(http.get("/livez").status_code)
            handle.stop()

        threading.Thread(target=check, daemon=True).start()

    runner = threading.Thread(target=serve, args=(app, TOKEN), kwargs={"on_ready": ready}, daemon=True)
    runner.start()
    runner.join(20)
    assert not runner.is_alive()
    assert seen == [200]


def test_kubeconfig_points_kubectl_at_the_server(server: ServerHandle) -> None:
    config = server.kubeconfig(namespace="spark-team-a")
    assert config["clusters"] == [{"name": "sparkfleet", "cluster": {"server": server.url}}]
    assert config["users"] == [{"name": "sparkfleet", "user": {"token": TOKEN}}]
    assert config["contexts"][0]["context"]["namespace"] == "spark-team-a"
    assert kubeconfig("http://127.0.0.1:1", None)["users"] == [{"name": "sparkfleet", "user": {}}]
