"""Serving over real HTTP: uvicorn on loopback with a free port, stopping with open watches, kubeconfig."""

from __future__ import annotations

import base64
import logging
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import (
    RemoteCluster,
    RequestLimits,
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

from .builders import AUTH, PODS, TOKEN, events, open_watches


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


def test_a_websocket_handshake_on_a_watch_is_answered_as_plain_http_whatever_websocket_library_is_installed(
    server: ServerHandle,
) -> None:
    # wsproto comes with lightkube (httpx-ws): uvicorn would accept WebSockets if not told otherwise, and
    # fabric8 takes a refused handshake (403) as the watch's failure instead of falling back to HTTP.
    handshake = (
        f"GET {PODS}?watch=true HTTP/1.1\r\nHost: {server.host}\r\nAuthorization: Bearer {TOKEN}\r\n"
        "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
    with socket.create_connection((server.host, server.port), 10) as sock:
        sock.sendall(handshake.encode())
        status_line = sock.makefile("rb").readline()
    assert status_line.split()[1] == b"200"


def test_kubeconfig_points_kubectl_at_the_server(server: ServerHandle) -> None:
    config = server.kubeconfig(namespace="spark-team-a")
    assert config["clusters"] == [{"name": "sparkfleet", "cluster": {"server": server.url}}]
    assert config["users"] == [{"name": "sparkfleet", "user": {"token": TOKEN}}]
    assert config["contexts"][0]["context"]["namespace"] == "spark-team-a"
    assert kubeconfig("http://127.0.0.1:1", None)["users"] == [{"name": "sparkfleet", "user": {}}]


def test_a_list_answers_while_500_idle_watches_are_open(cluster: EmbeddedCluster) -> None:
    app = create_app(cluster, TOKEN, limits=RequestLimits(max_watches_per_client=500))
    cluster.create_many([pod(f"p{i}") for i in range(20)])
    with start_server(app, TOKEN) as handle:
        socks, statuses = open_watches(handle.host, handle.port, 500)
        try:
            assert statuses == [200] * 500
            assert len(streams_of(app)) == 500
            with httpx.Client(base_url=handle.url, headers=AUTH, timeout=30) as http:
                listed = http.get(PODS)
            assert listed.status_code == 200
            assert len(listed.json()["items"]) == 20
        finally:
            for sock in socks:
                sock.close()
        assert streams_of(app).wait_until_empty(30)


_LIMITED_SERVER = """
import resource, sys, tempfile
from pathlib import Path
from sparkfleet.clock import SystemClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import RequestLimits, create_app, start_server
resource.setrlimit(resource.RLIMIT_NOFILE, (1024, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
store = EmbeddedCluster(Path(tempfile.mkdtemp()) / "store.db", SystemClock())
app = create_app(store, sys.argv[1], limits=RequestLimits(max_watches_per_client=10_000))
handle = start_server(app, sys.argv[1])
print(handle.port, flush=True)
sys.stdin.read()
handle.stop()
store.close()
"""


def test_at_a_1024_open_files_limit_450_watches_are_served_without_a_500() -> None:
    server = subprocess.Popen(
        [sys.executable, "-c", _LIMITED_SERVER, TOKEN],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        socks, statuses = open_watches("127.0.0.1", port, 450)
        try:
            assert statuses == [200] * 450
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=AUTH, timeout=30) as http:
                assert http.get(PODS).status_code == 200
                assert http.post(PODS, json=pod("p")).status_code == 201
        finally:
            for sock in socks:
                sock.close()
    finally:
        _, stderr = server.communicate("", timeout=60)
    assert server.returncode == 0, stderr
    assert "Traceback" not in stderr
