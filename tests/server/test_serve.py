"""Serving over real HTTP: uvicorn on loopback with a free port, stopping with open watches, kubeconfig."""

from __future__ import annotations

import base64
import logging
import threading
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import (
    RemoteCluster,
    ServerHandle,
    create_app,
    kubeconfig,
    serve,
    start_server,
    streams_of,
)
from sparkfleet.server.serve import bind_socket
from sparkfleet.server.tls import ensure_pki
from support.objects import pod

from .builders import AUTH, PODS, TOKEN, events


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


def test_a_watch_whose_client_leaves_is_closed_on_the_server(server: ServerHandle, app: Starlette) -> None:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=5) as http:
        with http.stream("GET", PODS, params={"watch": "1"}) as response:
            assert response.status_code == 200
            assert len(streams_of(app)) == 1
        # The idle stream learns of the disconnect at once, not at its next event.
        assert streams_of(app).wait_until_empty(10)


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


def test_with_tls_the_server_speaks_https_and_the_kubeconfig_trusts_it(
    app: Starlette, cluster: EmbeddedCluster, tmp_path: Path
) -> None:
    tls = ensure_pki(tmp_path / "pki", datetime.now(UTC))
    with start_server(app, TOKEN, tls=tls) as handle:
        assert handle.url.startswith("https://127.0.0.1:")
        with RemoteCluster(handle.url, TOKEN, ca_file=tls.trusted) as remote:
            remote.create(pod("p"))
            assert [p["metadata"]["name"] for p in remote.list("Pod").items] == ["p"]
        with httpx.Client(base_url=handle.url, timeout=5) as untrusting, pytest.raises(httpx.ConnectError):
            untrusting.get("/healthz")
        cluster_entry = handle.kubeconfig()["clusters"][0]["cluster"]
        assert base64.b64decode(cluster_entry["certificate-authority-data"]) == tls.trusted.read_bytes()


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_fabric8s_websocket_attempts_do_not_fill_the_log(server: ServerHandle) -> None:
    uvicorn_log = logging.getLogger("uvicorn.error")
    collect = Collect()
    uvicorn_log.addHandler(collect)
    try:
        uvicorn_log.warning("Unsupported upgrade request.")
        uvicorn_log.warning("something that matters")
    finally:
        uvicorn_log.removeHandler(collect)
    assert collect.messages == ["something that matters"]


def test_kubeconfig_points_kubectl_at_the_server(server: ServerHandle) -> None:
    config = server.kubeconfig(namespace="spark-team-a")
    assert config["clusters"] == [{"name": "sparkfleet", "cluster": {"server": server.url}}]
    assert config["users"] == [{"name": "sparkfleet", "user": {"token": TOKEN}}]
    assert config["contexts"][0]["context"]["namespace"] == "spark-team-a"
    assert kubeconfig("http://127.0.0.1:1", None)["users"] == [{"name": "sparkfleet", "user": {}}]
