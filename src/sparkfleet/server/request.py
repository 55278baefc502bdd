"""One API request as the handlers see it, and the helpers every verb shares: reading bodies and query
parameters, checking a body against its path, and answering JSON or a Status."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from sparkfleet.api.yamlio import DocumentRefused, load_document, load_json
from sparkfleet.clock import Clock, SystemClock
from sparkfleet.cluster import BadRequest, Cluster, ClusterError, Obj
from sparkfleet.server.errors import TooManyRequests, UnsupportedMediaType, status_of
from sparkfleet.server.limits import ObjectQuota, WatchSlots
from sparkfleet.server.routes import ResourcePath
from sparkfleet.server.watchstream import StreamRegistry

__all__ = [
    "ApiContext",
    "ApiRequest",
    "AsgiResponse",
    "LogReader",
    "decode",
    "error_response",
    "flag",
    "json_response",
    "media_type",
    "number",
    "object_for",
    "refuse_dry_run",
    "resource_version",
]

_MAX_RESOURCE_VERSION = 2**63 - 1
"""resourceVersions are int64 in the store (as etcd's revisions are)."""

LogReader = Callable[[str, str, str, bool, int | None], Iterator[bytes]]
"""(namespace, pod, container, follow, tail_lines) -> the container log, in chunks. Raise a ClusterError
(NotFound, BadRequest, ...) before returning the iterator for a log that cannot be read."""


class AsgiResponse(Protocol):
    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]: ...


@dataclass(frozen=True, slots=True)
class ApiContext:
    cluster: Cluster
    streams: StreamRegistry
    log_reader: LogReader | None = None
    bookmark_interval: float = 60.0
    clock: Clock = field(default_factory=SystemClock)
    """What the ages in Table responses are measured to: the clock the cluster stamps objects with."""
    watches: WatchSlots = field(default_factory=lambda: WatchSlots(250, 1000))
    """The open watches, per client and in all (server/limits.py)."""
    quota: ObjectQuota | None = None
    """How many objects of a kind a namespace may hold; None: no limit."""


@dataclass(frozen=True, slots=True)
class ApiRequest:
    method: str
    path: str
    query: Mapping[str, str]
    content_type: str
    body: bytes
    server_address: str = ""
    upgrade: str = ""
    """The Upgrade header (a client asking for a WebSocket)."""
    accept: str = ""
    """The Accept header (kubectl asks for a `meta.k8s.io` Table)."""
    client: str = ""
    """Who sent it, as the watch caps count clients: the user and the remote address."""


# Groups whose kinds are Kubernetes' own, with strategic-merge keys; the others are custom resources.
_JSON_TYPES = frozenset({"", "application/json", "*/*"})
_YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml"})


def _header_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').encode("latin-1", "replace").decode("latin-1")


def json_response(body: Any, status: int = 200, warnings: list[str] | None = None) -> Response:
    response = JSONResponse(body, status_code=status)
    for warning in warnings or ():
        response.headers.append("Warning", f'299 - "{_header_text(warning)}"')
    return response


def error_response(err: ClusterError) -> Response:
    body = status_of(err)
    response = JSONResponse(body, status_code=int(body["code"]))
    if isinstance(err, TooManyRequests):
        response.headers["Retry-After"] = str(err.retry_after)
    return response


def flag(query: Mapping[str, str], name: str) -> bool:
    return query.get(name, "").lower() in ("true", "1")


def number(query: Mapping[str, str], name: str) -> float | None:
    text = query.get(name)
    if text is None or text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise BadRequest(f'{name} "{text}" must be a number') from None
    if value < 0:
        raise BadRequest(f'{name} "{text}" must not be negative')
    return value


def resource_version(query: Mapping[str, str]) -> str:
    """The `resourceVersion` parameter ("" when absent), or BadRequest for one no store can hold."""
    text = query.get("resourceVersion") or ""
    if text:
        try:
            value = int(text)
        except ValueError:
            raise BadRequest(f'invalid resourceVersion "{text}": must be an integer') from None
        if not 0 <= value <= _MAX_RESOURCE_VERSION:
            raise BadRequest(
                f'invalid resourceVersion "{text}": must be between 0 and {_MAX_RESOURCE_VERSION}'
            )
    return text


def media_type(req: ApiRequest) -> str:
    return req.content_type.split(";")[0].strip().lower()


def decode(req: ApiRequest, *, yaml_allowed: bool = True) -> Any:
    if not req.body.strip():
        raise BadRequest("the request needs a body")
    media = media_type(req)
    try:
        if media in _JSON_TYPES or media.endswith("+json"):
            return load_json(req.body)
        if yaml_allowed and (media in _YAML_TYPES or media.endswith("+yaml")):
            return load_document(req.body)
    except DocumentRefused as exc:
        raise BadRequest(f"the object provided is refused: {exc}") from None
    except (ValueError, yaml.YAMLError) as exc:
        raise BadRequest(f"the object provided is unrecognized: {exc}") from None
    raise UnsupportedMediaType(
        f'the body of the request was in an unknown format "{media}": accepted media types include '
        "application/json, application/yaml"
    )


def object_for(target: ResourcePath, body: Any, name: str | None = None) -> Obj:
    """The request body as an object of the path's kind, namespace (and name), or BadRequest."""
    info = target.info
    if not isinstance(body, dict):
        raise BadRequest(f"the body must be a {info.kind} object")
    obj = dict(body)
    for key, expected in (("kind", info.kind), ("apiVersion", info.api_version)):
        given = obj.setdefault(key, expected)
        if given != expected:
            what = "kind" if key == "kind" else "API version"
            raise BadRequest(
                f"the {what} in the data ({given}) does not match the expected {what} ({expected})"
            )
    metadata = obj.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise BadRequest("metadata must be an object")
    metadata = dict(metadata)
    given_ns = metadata.get("namespace")
    if given_ns is not None and not isinstance(given_ns, str):  # as Go's decoder refuses it
        raise BadRequest(
            f"the object provided is unrecognized: metadata.namespace must be a string, not "
            f"{type(given_ns).__name__} ({given_ns!r})"
        )
    if info.namespaced:
        if given_ns and given_ns != target.namespace:
            raise BadRequest(
                f"the namespace of the provided object ({given_ns}) does not match the namespace sent on "
                f"the request ({target.namespace})"
            )
        metadata["namespace"] = target.namespace
    else:
        metadata.pop("namespace", None)
    if name is not None:
        given_name = metadata.get("name")
        if given_name and given_name != name:
            raise BadRequest(
                f"the name of the object ({given_name}) does not match the name on the URL ({name})"
            )
        metadata["name"] = name
    obj["metadata"] = metadata
    return obj


def refuse_dry_run(query: Mapping[str, str]) -> None:
    if query.get("dryRun"):
        raise BadRequest("dryRun is not supported by this server")
