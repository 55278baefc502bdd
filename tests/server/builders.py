"""What the API tests share beyond the objects (those are support.objects): the token, paths, watch events."""

from __future__ import annotations

import json
import socket
import warnings

with warnings.catch_warnings():
    # This starlette warns on import that it would rather use `httpx2`; plain httpx works the same.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

__all__ = [
    "AUTH",
    "PODS",
    "SPARK_APPS",
    "TOKEN",
    "TestClient",
    "events",
    "open_watches",
]

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

PODS = "/api/v1/namespaces/default/pods"
SPARK_APPS = "/apis/sparkoperator.k8s.io/v1beta2/namespaces/default/sparkapplications"


def events(lines: list[str]) -> list[tuple[str, str]]:
    """(type, name or resourceVersion for bookmarks) of each watch event line."""
    found = []
    for line in lines:
        if not line.strip():
            continue
        event = json.loads(line)
        metadata = event["object"].get("metadata") or {}
        label = metadata.get("resourceVersion") if event["type"] == "BOOKMARK" else metadata.get("name")
        found.append((event["type"], label or ""))
    return found


def open_watches(host: str, port: int, count: int, path: str = PODS) -> tuple[list[socket.socket], list[int]]:
    """`count` plain watches of `path` on raw sockets (left open, idle), and the HTTP status of each."""
    request = f"GET {path}?watch=true HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
    socks: list[socket.socket] = []
    for _ in range(count):
        sock = socket.create_connection((host, port), 60)
        sock.sendall(request.encode())
        socks.append(sock)
    statuses = []
    for sock in socks:
        status_line = sock.makefile("rb").readline()
        statuses.append(int(status_line.split()[1]))
    return socks, statuses
