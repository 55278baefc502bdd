"""The audit log, as kube-apiserver's `--audit-log-path` writes it at the `Metadata` level: one
`audit.k8s.io/v1` Event per request, a JSON line with who asked (`user.username`, `userAgent`), the RBAC
verb and the object it named (`objectRef`: apiGroup, resource, subresource, namespace, name) and the
answer's code. It is what an administrator reads to see what a client does, and what the deployment's
RBAC is checked against (tests/deploy/test_rbac_calls.py).

Requests are logged once their answer starts (stage `ResponseStarted` for watches and followed logs,
which go on, `ResponseComplete` for the rest); only authenticated ones, as the middleware sits behind
the token check. The file is the owner's alone, as every secret-adjacent file of a cluster's home.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sparkfleet.api.timefmt import format_micro_time
from sparkfleet.cluster import NotFound
from sparkfleet.privatefiles import private_file
from sparkfleet.server.routes import ResourcePath, parse_path

__all__ = ["AuditLog", "rbac_verb", "read_audit_log"]

# HTTP method -> RBAC verb (kube-apiserver's request info); GET and DELETE depend on the path.
_WRITE_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch"}


def rbac_verb(method: str, target: ResourcePath | None, watching: bool) -> str:
    """The verb RBAC checks for a request: get/list/watch, create, update, patch, delete/deletecollection."""
    if method in _WRITE_VERBS:
        return _WRITE_VERBS[method]
    collection = target is not None and target.collection
    if method == "DELETE":
        return "deletecollection" if collection else "delete"
    if method in ("GET", "HEAD"):
        if watching or (target is not None and target.watch):
            return "watch"
        return "list" if collection else "get"
    return method.lower()


def _object_ref(target: ResourcePath) -> dict[str, str]:
    info = target.info
    ref = {"resource": info.plural, "apiGroup": info.group, "apiVersion": info.version}
    if target.namespace:
        ref["namespace"] = target.namespace
    if target.name:
        ref["name"] = target.name
    if target.subresource is not None:
        ref["subresource"] = target.subresource.value
    return ref


class AuditLog:
    """ASGI middleware appending one audit Event per request to `path`."""

    def __init__(self, app: ASGIApp, path: Path, user_key: str) -> None:
        self._app = app
        self._path = path
        self._user_key = user_key
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        private_file(path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        received = datetime.now(UTC)
        logged = False

        async def logging_send(message: Message) -> None:
            nonlocal logged
            if message["type"] == "http.response.start" and not logged:
                logged = True
                self._write(scope, int(message["status"]), received)
            await send(message)

        await self._app(scope, receive, logging_send)

    def _write(self, scope: Scope, status: int, received: datetime) -> None:
        path: str = scope["path"]
        query = parse_qs((scope.get("query_string") or b"").decode("latin-1"))
        watching = (query.get("watch") or [""])[0] in ("1", "true")
        following = (query.get("follow") or [""])[0] in ("1", "true")
        try:
            parsed = parse_path(path)
        except NotFound:
            parsed = None
        target = parsed if isinstance(parsed, ResourcePath) else None
        method = str(scope.get("method", "GET"))
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or ()}
        client = scope.get("client")
        event: dict[str, Any] = {
            "kind": "Event",
            "apiVersion": "audit.k8s.io/v1",
            "level": "Metadata",
            "auditID": str(uuid.uuid4()),
            "stage": "ResponseStarted" if watching or following else "ResponseComplete",
            "requestURI": path
            + (f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else ""),
            "verb": rbac_verb(method, target, watching),
            "user": {"username": str(scope.get(self._user_key, ""))},
            "sourceIPs": [client[0]] if client else [],
            "userAgent": headers.get("user-agent", ""),
            "responseStatus": {"metadata": {}, "code": status},
            "requestReceivedTimestamp": format_micro_time(received),
            "stageTimestamp": format_micro_time(datetime.now(UTC)),
        }
        if target is not None:
            event["objectRef"] = _object_ref(target)
        line = json.dumps(event, separators=(",", ":")) + "\n"
        with self._lock, self._path.open("a") as out:
            out.write(line)


def read_audit_log(path: Path) -> list[dict[str, Any]]:
    """The Events of an audit log file, oldest first."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
