"""The ASGI application: the Kubernetes REST API of one cluster (with the services/proxy subresource),
plus probes, /version, /openapi and /metrics."""

from __future__ import annotations

import logging
from pathlib import Path

import anyio
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from sparkfleet.clock import Clock, SystemClock
from sparkfleet.cluster import Cluster, NotFound, StorageHealth
from sparkfleet.server.access import SELF_SUBJECT_ACCESS_REVIEWS, self_subject_access_review
from sparkfleet.server.audit import AuditLog
from sparkfleet.server.auth import USER_SCOPE_KEY, Authenticator, BearerAuth
from sparkfleet.server.console.pages import HISTORY_SERVER, Console
from sparkfleet.server.discovery import version_info
from sparkfleet.server.errors import NotAcceptable, RequestEntityTooLarge, RequestTimeout, ServerError
from sparkfleet.server.handlers import ApiContext, ApiRequest, LogReader, error_response, handle
from sparkfleet.server.limits import ObjectQuota, RequestLimits, WatchSlots, default_max_watches
from sparkfleet.server.openapi import group_version_document, openapi_root, swagger_document
from sparkfleet.server.serviceproxy import ServiceProxy
from sparkfleet.server.watchstream import StreamRegistry
from sparkfleet.server.yunikornrest import yunikorn_routes

__all__ = ["create_app", "streams_of"]

log = logging.getLogger(__name__)


class _TooLarge(Exception):
    pass


async def _read_body(scope: Scope, receive: Receive, limits: RequestLimits) -> bytes | None:
    """The request body, or None when the client left. RequestEntityTooLarge as soon as the body is known
    to exceed the limit (by its Content-Length, or by what has arrived), RequestTimeout when it is slow."""
    too_large = RequestEntityTooLarge(f"Request entity too large: limit is {limits.max_body_bytes}")
    for key, value in scope.get("headers") or ():
        if key == b"content-length" and value.strip().isdigit() and int(value) > limits.max_body_bytes:
            raise too_large
    body = bytearray()
    try:
        with anyio.fail_after(limits.body_timeout):
            while True:
                message: Message = await receive()
                if message["type"] == "http.disconnect":
                    return None
                body += message.get("body", b"")
                if len(body) > limits.max_body_bytes:
                    raise too_large
                if not message.get("more_body", False):
                    return bytes(body)
    except TimeoutError:
        raise RequestTimeout(
            f"the request body did not arrive within {limits.body_timeout:g} seconds"
        ) from None


def _client_of(scope: Scope) -> str:
    user = scope.get(USER_SCOPE_KEY) or "anonymous"
    client = scope.get("client")
    return f"{user}@{client[0]}" if client else str(user)


class _Api:
    """Everything under /api and /apis: read the request, answer it from a worker thread."""

    def __init__(self, context: ApiContext, limits: RequestLimits) -> None:
        self._context = context
        self._limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            body = await _read_body(scope, receive, self._limits)
        except (RequestEntityTooLarge, RequestTimeout) as exc:
            # The rest of the body is never read: the connection closes after the answer.
            refusal = error_response(exc)
            refusal.headers["Connection"] = "close"
            await refusal(scope, receive, send)
            return
        if body is None:
            return
        host = request.headers.get("host") or (
            f"{scope['server'][0]}:{scope['server'][1]}" if scope.get("server") else ""
        )
        api_request = ApiRequest(
            method=request.method,
            path=request.url.path,
            query=dict(request.query_params),
            content_type=request.headers.get("content-type", ""),
            body=body,
            server_address=host,
            upgrade=request.headers.get("upgrade", ""),
            accept=request.headers.get("accept", ""),
            client=_client_of(scope),
        )
        try:
            response = await run_in_threadpool(handle, self._context, api_request)
        except Exception as exc:  # a bug must still answer a Status, and be logged
            log.exception("%s %s failed", request.method, request.url.path)
            response = error_response(ServerError(f"internal error: {exc}"))
        await response(scope, receive, send)


def _not_found(request: Request) -> Response:
    return error_response(
        NotFound(f"the server could not find the requested resource (path {request.url.path})")
    )


def _accepts_json(accept: str) -> bool:
    """Whether an Accept header admits JSON (no header admits anything)."""
    types = [part.split(";")[0].strip().lower() for part in accept.split(",") if part.strip()]
    return not types or any(t in ("application/json", "application/*", "*/*") for t in types)


def create_app(
    cluster: Cluster,
    token: str | None,
    *,
    token_file: Path | None = None,
    log_reader: LogReader | None = None,
    registry: CollectorRegistry | None = None,
    bookmark_interval: float = 60.0,
    clock: Clock | None = None,
    limits: RequestLimits | None = None,
    quota: ObjectQuota | None = None,
    history_server: str = HISTORY_SERVER,
    audit_log: Path | None = None,
) -> Starlette:
    """The API of `cluster`, with /version, /openapi/v2, /openapi/v3, /metrics and the probes.

    `token`: the bearer token every request but the public paths (server/auth.py) must carry (None: no
    authentication). `token_file`: named tokens, some read-only, also let in (server/tokens.py); it is
    re-read when it changes.
    `log_reader`: where pod logs come from (the runtime); without one, log requests answer 404.
    `registry`: served at /metrics. `bookmark_interval`: seconds between BOOKMARK events on an idle
    watch that allows them. `clock`: what ages in Table responses are measured to (the machine's clock
    unless the cluster runs on another). `limits`: what one request and one client may cost (the
    defaults of server/limits.py); `quota`: how many objects of a kind a namespace may hold (no limit
    without one). `history_server`: the Spark History Server the web console (/ui) links to.
    `audit_log`: a file to append an audit Event to per authenticated request (server/audit.py)."""
    if bookmark_interval <= 0:
        raise ValueError("bookmark_interval must be positive")
    if token is None and token_file is not None:
        raise ValueError("named tokens need the cluster token: authentication is off without one")
    streams = StreamRegistry()
    limits = limits or RequestLimits()
    watches = WatchSlots(limits.max_watches_per_client, limits.max_watches or default_max_watches())
    context = ApiContext(
        cluster, streams, log_reader, bookmark_interval, clock or SystemClock(), watches, quota
    )
    api = _Api(context, limits)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> Response:
        # Not ready while the store does not answer reads or refuses writes (a full or read-only disk):
        # 503 with the reason, until a write succeeds again.
        try:
            await run_in_threadpool(cluster.list, "Namespace")
        except Exception as exc:
            return PlainTextResponse(f"readyz check failed: the cluster store does not answer: {exc}", 503)
        if isinstance(cluster, StorageHealth):
            problem = await run_in_threadpool(cluster.storage_problem)
            if problem is not None:
                return PlainTextResponse(f"readyz check failed: {problem}", 503)
        return PlainTextResponse("ok")

    async def version(request: Request) -> Response:
        return JSONResponse(version_info())

    async def metrics(request: Request) -> Response:
        if registry is None:
            return _not_found(request)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    async def openapi_v2(request: Request) -> Response:
        # client-go asks for protobuf only; refusing it (406) makes it fall back instead of failing to
        # decode JSON as protobuf.
        if not _accepts_json(request.headers.get("accept", "")):
            return error_response(
                NotAcceptable("/openapi/v2 is served as application/json only; ask for that media type")
            )
        return JSONResponse(await run_in_threadpool(swagger_document))

    async def openapi_index(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(openapi_root))

    async def openapi_document(request: Request) -> Response:
        try:
            document = await run_in_threadpool(group_version_document, request.path_params["rest"])
            return JSONResponse(document)
        except NotFound as exc:
            return error_response(exc)

    async def not_found(request: Request) -> Response:
        return _not_found(request)

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/livez", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/version", version, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/openapi/v2", openapi_v2, methods=["GET"]),
            Route("/openapi/v3", openapi_index, methods=["GET"]),
            Route("/openapi/v3/{rest:path}", openapi_document, methods=["GET"]),
            Route(SELF_SUBJECT_ACCESS_REVIEWS, self_subject_access_review, methods=["POST"]),
            *ServiceProxy(cluster, limits).routes(),  # before /api/...: services/{id}/proxy is not stored
            Route("/api", api),
            Route("/api/{rest:path}", api),
            Route("/apis", api),
            Route("/apis/{rest:path}", api),
            *yunikorn_routes(cluster),
            *Console(cluster, streams, clock or SystemClock(), history_server).routes(),
            Route("/{rest:path}", not_found, methods=methods),
        ]
    )
    app.state.streams = streams
    if audit_log is not None:  # added first, so it runs inside the token check and knows the user
        app.add_middleware(AuditLog, path=audit_log, user_key=USER_SCOPE_KEY)
    if token is not None:
        app.add_middleware(BearerAuth, authenticator=Authenticator(token, token_file))
    return app


def streams_of(app: Starlette) -> StreamRegistry:
    """The open watch and log streams of an app made by `create_app` (to end them on shutdown)."""
    streams = app.state.streams
    assert isinstance(streams, StreamRegistry)
    return streams
