"""Connections are never held without a request: a client that says nothing, or too little, is closed."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette

from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import ServerHandle, start_server
from sparkfleet.server.connection import bounded_protocol
from support.objects import pod

from .builders import AUTH, PODS, TOKEN, events

HEADER_TIMEOUT = 0.3


@pytest.fixture
def strict(app: Starlette) -> Iterator[ServerHandle]:
    handle = start_server(app, TOKEN, header_timeout=HEADER_TIMEOUT)
    yield handle
    handle.stop()


def closed_by_server(sock: socket.socket, within: float = 10.0) -> bool:
    """Whether the server closes the connection (an empty read) before `within` real seconds."""
    sock.settimeout(within)
    try:
        return sock.recv(1024) == b""
    except TimeoutError:
        return False


def test_a_connection_that_sends_nothing_is_closed(strict: ServerHandle) -> None:
    with socket.create_connection((strict.host, strict.port), 5) as sock:
        assert closed_by_server(sock)


def test_a_request_head_that_trickles_in_is_closed(strict: ServerHandle) -> None:
    with socket.create_connection((strict.host, strict.port), 5) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        for _ in range(3):  # each byte arrives before the timeout, the whole head never does
            time.sleep(HEADER_TIMEOUT / 3)
            sock.sendall(b"X")
        assert closed_by_server(sock)


def test_a_kept_alive_connection_is_closed_when_its_next_request_does_not_come(strict: ServerHandle) -> None:
    with socket.create_connection((strict.host, strict.port), 5) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = b""
        while not answer.endswith(b"\r\n\r\nok"):  # the whole response: head and body
            answer += sock.recv(1024)
        assert answer.startswith(b"HTTP/1.1 200 ")
        sock.sendall(b"GET /heal")
        assert closed_by_server(sock)


def test_a_kept_alive_connection_waits_idle_for_its_next_request_longer_than_the_header_timeout(
    strict: ServerHandle,
) -> None:
    # As kube-apiserver's IdleTimeout: a client polling every few seconds reuses its connection.
    with httpx.Client(base_url=strict.url, headers=AUTH, timeout=5) as http:
        peers = []
        for _ in range(2):
            response = http.get("/healthz")
            assert response.status_code == 200
            stream = response.extensions.get("network_stream")
            peers.append(stream.get_extra_info("socket").getsockname() if stream else None)
            time.sleep(HEADER_TIMEOUT * 3)
        assert peers[0] is not None and peers[0] == peers[1]  # the same connection, still open


def test_requests_and_streams_that_take_longer_than_the_timeout_are_served(
    strict: ServerHandle, cluster: EmbeddedCluster
) -> None:
    with httpx.Client(base_url=strict.url, headers=AUTH, timeout=5) as http:
        with http.stream("GET", PODS, params={"watch": "1"}) as watch:
            assert watch.status_code == 200
            time.sleep(HEADER_TIMEOUT * 2)  # a watch's request is complete: its stream stays open
            cluster.create(pod("late"))
            assert events([next(watch.iter_lines())]) == [("ADDED", "late")]
        assert http.get(PODS).status_code == 200


def test_the_header_timeout_must_be_positive() -> None:
    assert bounded_protocol(2.5).header_timeout == 2.5
    with pytest.raises(ValueError, match="positive"):
        bounded_protocol(0)
