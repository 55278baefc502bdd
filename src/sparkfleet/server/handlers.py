"""The verbs of the Kubernetes REST API over the `Cluster` port.

`handle` turns one request into one response. It blocks on the cluster, so the app calls it from a worker
thread; watches and logs come back as streaming responses that the event loop then serves.

Deviations from a real API server, all deliberate:
- `limit` and `continue` are ignored: a list always returns every match (with no continue token).
- A list's `resourceVersion` is not a lower bound to wait for: the answer is always the latest state.
- A successful DELETE answers the deleted object (never a Status), for every kind.
- Delete preconditions are checked just before the delete, not in the same transaction.
- `dryRun` is refused (400).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import yaml
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from sparkfleet.cluster.errors import BadRequest, ClusterError, Conflict, NotFound
from sparkfleet.cluster.kinds import KindInfo
from sparkfleet.cluster.port import Cluster, Obj, PropagationPolicy
from sparkfleet.server.discovery import discovery_document
from sparkfleet.server.errors import (
    Cause,
    CauseType,
    FieldInvalid,
    MethodNotAllowed,
    UnsupportedMediaType,
    status_of,
    success_status,
)
from sparkfleet.server.patch import PatchType, apply_patch
from sparkfleet.server.routes import BINDING, Discovery, ResourcePath, Subresource, parse_path
from sparkfleet.server.validation import FieldValidation, admit, field_validation
from sparkfleet.server.watchstream import LogStream, StreamRegistry, WatchStream

__all__ = ["ApiContext", "ApiRequest", "AsgiResponse", "LogReader", "error_response", "handle"]

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


@dataclass(frozen=True, slots=True)
class ApiRequest:
    method: str
    path: str
    query: Mapping[str, str]
    content_type: str
    body: bytes
    server_address: str = ""


# Groups whose kinds are Kubernetes' own, with strategic-merge keys; the others are custom resources.
_BUILTIN_GROUPS = frozenset({"", "scheduling.k8s.io"})
_PATCH_RETRIES = 8
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
    return JSONResponse(body, status_code=int(body["code"]))


def _flag(query: Mapping[str, str], name: str) -> bool:
    return query.get(name, "").lower() in ("true", "1")


def _number(query: Mapping[str, str], name: str) -> float | None:
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


def _media_type(req: ApiRequest) -> str:
    return req.content_type.split(";")[0].strip().lower()


def _decode(req: ApiRequest, *, yaml_allowed: bool = True) -> Any:
    if not req.body.strip():
        raise BadRequest("the request needs a body")
    media = _media_type(req)
    try:
        if media in _JSON_TYPES or media.endswith("+json"):
            return json.loads(req.body)
        if yaml_allowed and (media in _YAML_TYPES or media.endswith("+yaml")):
            return yaml.safe_load(req.body)
    except (ValueError, yaml.YAMLError) as exc:
        raise BadRequest(f"the object provided is unrecognized: {exc}") from None
    raise UnsupportedMediaType(
        f'the body of the request was in an unknown format "{media}": accepted media types include '
        "application/json, application/yaml"
    )


def _object_for(target: ResourcePath, body: Any, name: str | None = None) -> Obj:
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
    if info.namespaced:
        given_ns = metadata.get("namespace")
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


def _refuse_dry_run(query: Mapping[str, str]) -> None:
    if query.get("dryRun"):
        raise BadRequest("dryRun is not supported by this server")


# --- reads -----------------------------------------------------------------------------------------


def _list(ctx: ApiContext, target: ResourcePath, query: Mapping[str, str]) -> Response:
    info = target.info
    found = ctx.cluster.list(
        info.kind, target.namespace, query.get("labelSelector") or None, query.get("fieldSelector") or None
    )
    return json_response(
        {
            "kind": f"{info.kind}List",
            "apiVersion": info.api_version,
            "metadata": {"resourceVersion": found.resourceVersion},
            "items": found.items,
        }
    )


def _watch(ctx: ApiContext, target: ResourcePath, query: Mapping[str, str]) -> AsgiResponse:
    info = target.info
    labels = query.get("labelSelector") or None
    fields = query.get("fieldSelector") or None
    if target.name is not None:
        by_name = f"metadata.name={target.name}"
        fields = f"{fields},{by_name}" if fields else by_name
    rv = query.get("resourceVersion") or ""
    send_initial = _flag(query, "sendInitialEvents")
    timeout = _number(query, "timeoutSeconds")
    initial: list[Obj] = []
    if rv in ("", "0") or send_initial:
        # The current state as ADDED events, then every change after that snapshot.
        snapshot = ctx.cluster.list(info.kind, target.namespace, labels, fields)
        initial, rv = snapshot.items, snapshot.resourceVersion
    try:
        watch = ctx.cluster.watch(info.kind, target.namespace, rv, labels, timeout, fields)
    except ClusterError as exc:
        if exc.code != 410:
            raise
        # The API server starts the stream and reports an expired resourceVersion as its only event.
        return WatchStream.failed(info, exc, ctx.streams)
    return WatchStream(
        watch,
        info,
        initial=initial,
        start_rv=rv,
        bookmarks=_flag(query, "allowWatchBookmarks"),
        initial_events_end=send_initial,
        bookmark_interval=ctx.bookmark_interval,
        registry=ctx.streams,
    )


def _container(pod: Obj, wanted: str | None) -> str:
    spec = pod.get("spec") or {}
    names = [c.get("name") for c in (spec.get("containers") or []) + (spec.get("initContainers") or [])]
    name = pod["metadata"]["name"]
    if wanted:
        if wanted not in names:
            raise BadRequest(f"container {wanted} is not valid for pod {name}", kind="pods", name=name)
        return wanted
    main = [c.get("name") for c in spec.get("containers") or []]
    if len(main) != 1:
        raise BadRequest(
            f"a container name must be specified for pod {name}, choose one of: [{' '.join(map(str, main))}]",
            kind="pods",
            name=name,
        )
    return str(main[0])


def _log(ctx: ApiContext, target: ResourcePath, query: Mapping[str, str]) -> AsgiResponse:
    assert target.name is not None and target.namespace is not None
    pod = ctx.cluster.get("Pod", target.namespace, target.name)
    container = _container(pod, query.get("container"))
    tail = _number(query, "tailLines")
    if ctx.log_reader is None:
        raise NotFound(
            f'the log of pod "{target.name}" is not available here: container logs come from the runtime, '
            "and no runtime is attached to this API server",
            kind="pods",
            name=target.name,
        )
    chunks = ctx.log_reader(target.namespace, target.name, container, _flag(query, "follow"), _tail(tail))
    return LogStream(iter(chunks), ctx.streams)


def _tail(value: float | None) -> int | None:
    return None if value is None else int(value)


# --- writes ----------------------------------------------------------------------------------------


def _create(ctx: ApiContext, target: ResourcePath, req: ApiRequest) -> Response:
    _refuse_dry_run(req.query)
    obj = _object_for(target, _decode(req))
    admitted = admit(target.info, obj, field_validation(req.query.get("fieldValidation")))
    return json_response(ctx.cluster.create(admitted.obj), 201, admitted.warnings)


def _without_status(obj: Obj) -> Obj:
    return {k: v for k, v in obj.items() if k != "status"}


def _update(ctx: ApiContext, target: ResourcePath, req: ApiRequest) -> Response:
    _refuse_dry_run(req.query)
    info, mode = target.info, field_validation(req.query.get("fieldValidation"))
    obj = _object_for(target, _decode(req), target.name)
    if target.subresource is Subresource.STATUS:
        current = ctx.cluster.get(info.kind, target.namespace, str(target.name))
        admitted = admit(info, {**current, "status": obj.get("status")}, mode, status_only=True)
        stored = ctx.cluster.update_status({**obj, "status": admitted.obj.get("status")})
    else:
        admitted = admit(info, _without_status(obj), mode)
        stored = ctx.cluster.update(admitted.obj)
    return json_response(stored, 200, admitted.warnings)


def _patch_type(req: ApiRequest) -> PatchType:
    media = _media_type(req)
    try:
        return PatchType(media)
    except ValueError:
        raise UnsupportedMediaType(
            f'the body of the request was in an unknown format "{media}": accepted media types include '
            + ", ".join(t.value for t in PatchType)
        ) from None


def _check_identity(info: KindInfo, current: Obj, result: Any, name: str) -> Obj:
    if not isinstance(result, dict):
        raise FieldInvalid(info.kind, info.group, name, [Cause("", "the patched document is not an object")])
    metadata = result.get("metadata")
    if not isinstance(metadata, dict):
        raise FieldInvalid(info.kind, info.group, name, [Cause("metadata", "must be an object")])
    causes = [
        Cause(f"metadata.{field}", "field is immutable")
        for field in ("name", "namespace", "uid")
        if metadata.get(field) != current["metadata"].get(field)
    ]
    causes += [
        Cause(field, f"cannot change from {current.get(field)} to {result.get(field)}")
        for field in ("kind", "apiVersion")
        if result.get(field) != current.get(field)
    ]
    if causes:
        raise FieldInvalid(info.kind, info.group, name, causes)
    return result


def _apply_create(
    ctx: ApiContext, target: ResourcePath, patch: Any, mode: FieldValidation
) -> Response | None:
    """Server-side apply of an absent object creates it (None if it appeared meanwhile)."""
    obj = _object_for(target, patch, target.name)
    admitted = admit(target.info, obj, mode)
    try:
        created = ctx.cluster.create(admitted.obj)
    except ClusterError as exc:
        if exc.reason == "AlreadyExists":
            return None
        raise
    return json_response(created, 201, admitted.warnings)


def _patch(ctx: ApiContext, target: ResourcePath, req: ApiRequest) -> Response:
    _refuse_dry_run(req.query)
    info, name = target.info, str(target.name)
    patch_type = _patch_type(req)
    mode = field_validation(req.query.get("fieldValidation"))
    patch = _decode(req, yaml_allowed=patch_type is PatchType.APPLY)
    if "force" in req.query and patch_type is not PatchType.APPLY:
        raise BadRequest("force is only allowed for apply patches (application/apply-patch+yaml)")
    if patch_type is PatchType.APPLY and not req.query.get("fieldManager"):
        raise BadRequest("fieldManager is required for apply patches")
    status_only = target.subresource is Subresource.STATUS
    for _ in range(_PATCH_RETRIES):
        try:
            current = ctx.cluster.get(info.kind, target.namespace, name)
        except NotFound:
            if patch_type is not PatchType.APPLY or status_only:
                raise
            created = _apply_create(ctx, target, patch, mode)
            if created is None:
                continue
            return created
        result = _check_identity(
            info, current, apply_patch(current, patch, patch_type, core=info.group in _BUILTIN_GROUPS), name
        )
        # A resourceVersion the patch itself sets is the caller's precondition; otherwise the one read
        # here is, and a concurrent write means trying again on the newer object.
        own_precondition = result["metadata"].get("resourceVersion") not in (
            None,
            current["metadata"]["resourceVersion"],
        )
        result["metadata"].setdefault("resourceVersion", current["metadata"]["resourceVersion"])
        try:
            if status_only:
                admitted = admit(info, result, mode, status_only=True)
                stored = ctx.cluster.update_status(admitted.obj)
            else:
                admitted = admit(info, _without_status(result), mode)
                stored = ctx.cluster.update(admitted.obj)
        except Conflict:
            if own_precondition:
                raise
            continue
        return json_response(stored, 200, admitted.warnings)
    raise Conflict.stale(info.resource, name)


def _propagation(req: ApiRequest, options: Mapping[str, Any]) -> str:
    policy = req.query.get("propagationPolicy") or options.get("propagationPolicy")
    if policy:
        if policy not in {p.value for p in PropagationPolicy}:
            raise BadRequest(
                f'propagationPolicy "{policy}" is not one of {", ".join(p.value for p in PropagationPolicy)}'
            )
        return str(policy)
    orphan = req.query.get("orphanDependents") or options.get("orphanDependents")
    if orphan is True or str(orphan).lower() == "true":
        return PropagationPolicy.ORPHAN.value
    return PropagationPolicy.BACKGROUND.value


def _delete_options(req: ApiRequest) -> Mapping[str, Any]:
    if not req.body.strip():
        return {}
    options = _decode(req, yaml_allowed=False)
    if not isinstance(options, dict):
        raise BadRequest("the body of a DELETE must be a DeleteOptions object")
    if options.get("dryRun"):
        raise BadRequest("dryRun is not supported by this server")
    return options


def _check_preconditions(ctx: ApiContext, target: ResourcePath, options: Mapping[str, Any]) -> None:
    wanted = options.get("preconditions") or {}
    if not isinstance(wanted, dict) or not wanted:
        return
    current = ctx.cluster.get(target.info.kind, target.namespace, str(target.name))["metadata"]
    for field in ("uid", "resourceVersion"):
        if wanted.get(field) and wanted[field] != current.get(field):
            raise Conflict(
                f"Precondition failed: {field} in precondition: {wanted[field]}, {field} in object meta: "
                f"{current.get(field)}",
                kind=target.info.resource,
                name=target.name,
            )


def _delete(ctx: ApiContext, target: ResourcePath, req: ApiRequest) -> Response:
    _refuse_dry_run(req.query)
    options = _delete_options(req)
    policy = _propagation(req, options)
    _check_preconditions(ctx, target, options)
    deleted = ctx.cluster.delete(target.info.kind, target.namespace, str(target.name), policy)
    return json_response(deleted)


def _delete_collection(ctx: ApiContext, target: ResourcePath, req: ApiRequest) -> Response:
    _refuse_dry_run(req.query)
    info = target.info
    policy = _propagation(req, _delete_options(req))
    matching = ctx.cluster.list(
        info.kind,
        target.namespace,
        req.query.get("labelSelector") or None,
        req.query.get("fieldSelector") or None,
    ).items
    deleted: list[Obj] = []
    for obj in matching:
        try:
            deleted.append(
                ctx.cluster.delete(
                    info.kind, obj["metadata"].get("namespace"), obj["metadata"]["name"], policy
                )
            )
        except NotFound:
            continue  # gone meanwhile, e.g. with an owner deleted earlier in this loop
    return json_response(
        {"kind": f"{info.kind}List", "apiVersion": info.api_version, "metadata": {}, "items": deleted}
    )


def _bind(ctx: ApiContext, target: ResourcePath, req: ApiRequest) -> Response:
    body = _decode(req)
    if not isinstance(body, dict) or body.get("kind", "Binding") != "Binding":
        raise BadRequest("the body must be a v1 Binding object")
    metadata = body.get("metadata") or {}
    named = metadata.get("name") if isinstance(metadata, dict) else None
    pod = target.name or named
    if not pod:
        raise BadRequest("a Binding needs metadata.name: the pod to bind")
    if target.name and named and named != target.name:
        raise BadRequest(
            f"the name of the object ({named}) does not match the name on the URL ({target.name})"
        )
    node_target = body.get("target") or {}
    node = node_target.get("name") if isinstance(node_target, dict) else None
    if not node:
        raise FieldInvalid(
            "Binding", "", str(pod), [Cause("target.name", "Required value", CauseType.REQUIRED)]
        )
    assert target.namespace is not None
    ctx.cluster.bind(target.namespace, str(pod), str(node))
    return json_response(success_status(201), 201)


# --- dispatch --------------------------------------------------------------------------------------


def _not_allowed(req: ApiRequest, target: ResourcePath) -> MethodNotAllowed:
    return MethodNotAllowed(
        f"the server does not allow this method on the requested resource ({req.method} {req.path})",
        kind=target.info.resource,
        name=target.name,
    )


def _resource(ctx: ApiContext, target: ResourcePath, req: ApiRequest) -> AsgiResponse:
    method, query, sub = req.method, req.query, target.subresource
    if target.info is BINDING or sub is Subresource.BINDING:
        if method != "POST" or target.namespace is None:
            raise _not_allowed(req, target)
        return _bind(ctx, target, req)
    if sub is Subresource.LOG:
        if method != "GET":
            raise _not_allowed(req, target)
        return _log(ctx, target, query)
    watching = target.watch or _flag(query, "watch")
    if target.collection:
        if method == "GET":
            return _watch(ctx, target, query) if watching else _list(ctx, target, query)
        if target.watch:
            raise _not_allowed(req, target)
        if method == "POST" and (target.namespace is not None or not target.info.namespaced):
            return _create(ctx, target, req)
        if method == "DELETE":
            return _delete_collection(ctx, target, req)
        raise _not_allowed(req, target)
    if method == "GET":
        if watching and sub is None:
            return _watch(ctx, target, query)
        return json_response(ctx.cluster.get(target.info.kind, target.namespace, str(target.name)))
    if target.watch:
        raise _not_allowed(req, target)
    if method == "PUT":
        return _update(ctx, target, req)
    if method == "PATCH":
        return _patch(ctx, target, req)
    if method == "DELETE" and sub is None:
        return _delete(ctx, target, req)
    raise _not_allowed(req, target)


def handle(ctx: ApiContext, req: ApiRequest) -> AsgiResponse:
    """Answer one request under /api or /apis; every failure is a Status response."""
    try:
        target = parse_path(req.path)
        if isinstance(target, Discovery):
            if req.method not in ("GET", "HEAD"):
                raise MethodNotAllowed(f"the server does not allow this method on {req.path}")
            return json_response(discovery_document(target, req.server_address))
        return _resource(ctx, target, req)
    except ClusterError as exc:
        return error_response(exc)
