"""The verbs of the Kubernetes REST API over the `Cluster` port.

`handle` turns one request into one response. It blocks on the cluster, so the app calls it from a worker
thread; watches and logs come back as streaming responses that the event loop then serves.

Deviations from a real API server, all deliberate:
- `limit` and `continue` page a list (server/paging.py), but each page is read from the current state,
  not from the first page's snapshot.
- A list's `resourceVersion` is not a lower bound to wait for: the answer is always the latest state.
- A successful DELETE answers the deleted object (never a Status), for every kind.
- Delete preconditions are checked just before the delete, not in the same transaction.
- `dryRun` is refused (400).
- Watches are plain HTTP streams only (no WebSocket), with an expired resourceVersion reported as an
  ERROR event carrying a 410 Expired Status, as the API server does.
- Namespaces are not checked for existence on create (no NamespaceLifecycle admission).
- `meta.k8s.io` Tables (v1 and v1beta1) are rendered for get, list and watch, with the columns of
  cluster/printcolumns; a watch sends the column definitions with its first event only, as kube-apiserver
  does, and BOOKMARK events keep their plain object (kube-apiserver renders those as rows too).
- An Accept header the server cannot meet (protobuf only, another `as=` rendering) is answered with plain
  JSON, never 406 Not Acceptable.
- NetworkPolicies are stored and served but restrict nothing: every pod can reach every other.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import Response

from sparkfleet.cluster import BadRequest, ClusterError, NotFound, Obj
from sparkfleet.server import writes
from sparkfleet.server.crdserving import serve_crds
from sparkfleet.server.discovery import discovery_document
from sparkfleet.server.errors import MethodNotAllowed, ServiceUnavailable, status_of
from sparkfleet.server.paging import read_page
from sparkfleet.server.request import (
    ApiContext,
    ApiRequest,
    AsgiResponse,
    LogReader,
    error_response,
    flag,
    json_response,
    number,
    resource_version,
)
from sparkfleet.server.routes import BINDING, CRDS, Discovery, ResourcePath, Subresource, parse_path
from sparkfleet.server.tables import TableEvents, table_of, table_request
from sparkfleet.server.watchstream import LogStream, WatchStream

__all__ = ["ApiContext", "ApiRequest", "AsgiResponse", "LogReader", "error_response", "handle"]


# --- reads -----------------------------------------------------------------------------------------


def _list(ctx: ApiContext, target: ResourcePath, req: ApiRequest) -> Response:
    info, query = target.info, req.query
    table = table_request(req.accept, query)
    resource_version(query)
    page = read_page(
        ctx.cluster,
        info.kind,
        target.namespace,
        query.get("labelSelector") or None,
        query.get("fieldSelector") or None,
        query,
    )
    if table is not None:
        rendered = table_of(table, info, page.items, page.resource_version, ctx.clock.now())
        rendered["metadata"] = page.metadata()
        return json_response(rendered)
    return json_response(
        {
            "kind": f"{info.kind}List",
            "apiVersion": info.api_version,
            "metadata": page.metadata(),
            "items": page.items,
        }
    )


def _get(ctx: ApiContext, target: ResourcePath, req: ApiRequest) -> Response:
    table = table_request(req.accept, req.query)
    obj = ctx.cluster.get(target.info.kind, target.namespace, str(target.name))
    if table is None:
        return json_response(obj)
    rv = str(obj.get("metadata", {}).get("resourceVersion") or "")
    return json_response(table_of(table, target.info, [obj], rv, ctx.clock.now()))


def _watch(ctx: ApiContext, target: ResourcePath, req: ApiRequest) -> AsgiResponse:
    info, query = target.info, req.query
    table = table_request(req.accept, query)
    labels = query.get("labelSelector") or None
    fields = query.get("fieldSelector") or None
    if target.name is not None:
        by_name = f"metadata.name={target.name}"
        fields = f"{fields},{by_name}" if fields else by_name
    rv = resource_version(query)
    send_initial = flag(query, "sendInitialEvents")
    timeout = number(query, "timeoutSeconds")
    release = ctx.watches.acquire(req.client)
    initial: list[Obj] = []
    try:
        if rv in ("", "0") or send_initial:
            # The current state as ADDED events, then every change after that snapshot.
            snapshot = ctx.cluster.list(info.kind, target.namespace, labels, fields)
            initial, rv = snapshot.items, snapshot.resourceVersion
        watch = ctx.cluster.watch(info.kind, target.namespace, rv, labels, timeout, fields)
    except ClusterError as exc:
        release()
        if exc.code != 410:
            raise
        # The API server starts the stream and reports an expired resourceVersion as its only event.
        return WatchStream.failed(info, exc, ctx.streams)
    except BaseException:
        release()
        raise
    return WatchStream(
        watch,
        info,
        initial=initial,
        start_rv=rv,
        bookmarks=flag(query, "allowWatchBookmarks"),
        initial_events_end=send_initial,
        bookmark_interval=ctx.bookmark_interval,
        registry=ctx.streams,
        present=None if table is None else TableEvents(table, info, ctx.clock),
        release=release,
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
    tail = number(query, "tailLines")
    if ctx.log_reader is None:
        raise NotFound(
            f'the log of pod "{target.name}" is not available here: container logs come from the runtime, '
            "and no runtime is attached to this API server",
            kind="pods",
            name=target.name,
        )
    chunks = ctx.log_reader(target.namespace, target.name, container, flag(query, "follow"), _tail(tail))
    return LogStream(iter(chunks), ctx.streams)


def _tail(value: float | None) -> int | None:
    return None if value is None else int(value)


# --- dispatch --------------------------------------------------------------------------------------


def _not_allowed(req: ApiRequest, target: ResourcePath) -> MethodNotAllowed:
    return MethodNotAllowed(
        f"the server does not allow this method on the requested resource ({req.method} {req.path})",
        kind=target.info.resource,
        name=target.name,
    )


def _websocket_refused(target: ResourcePath) -> Response:
    """Watches are plain HTTP streams here. fabric8 (Spark's client) asks for a WebSocket watch first and,
    on a finished 200 answer, falls back to a plain HTTP watch at once (a 503 it would retry first)."""
    refusal = ServiceUnavailable(
        "watches over WebSocket are not served; watch with a plain HTTP GET instead",
        kind=target.info.resource,
    )
    return json_response(status_of(refusal))


def _resource(ctx: ApiContext, target: ResourcePath, req: ApiRequest) -> AsgiResponse:
    method, query, sub = req.method, req.query, target.subresource
    if target.info is CRDS:
        if method not in ("GET", "HEAD") or target.watch or flag(query, "watch"):
            raise _not_allowed(req, target)
        return serve_crds(ctx, target, req)
    if target.info is BINDING or sub is Subresource.BINDING:
        if method != "POST" or target.namespace is None:
            raise _not_allowed(req, target)
        return writes.bind(ctx, target, req)
    if sub is Subresource.LOG:
        if method != "GET":
            raise _not_allowed(req, target)
        return _log(ctx, target, query)
    watching = target.watch or flag(query, "watch")
    if watching and req.upgrade.lower() == "websocket":
        return _websocket_refused(target)
    if target.collection:
        if method == "GET":
            return _watch(ctx, target, req) if watching else _list(ctx, target, req)
        if target.watch:
            raise _not_allowed(req, target)
        # A namespaced kind's collection across every namespace can be read, not written to.
        writable = target.namespace is not None or not target.info.namespaced
        if method == "POST" and writable:
            return writes.create(ctx, target, req)
        if method == "DELETE" and writable:
            return writes.delete_collection(ctx, target, req)
        raise _not_allowed(req, target)
    if method == "GET":
        if watching and sub is None:
            return _watch(ctx, target, req)
        return _get(ctx, target, req)
    if target.watch:
        raise _not_allowed(req, target)
    if method == "PUT":
        return writes.update(ctx, target, req)
    if method == "PATCH":
        return writes.patch(ctx, target, req)
    if method == "DELETE" and sub is None:
        return writes.delete(ctx, target, req)
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
