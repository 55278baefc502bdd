"""The ASGI application: the Kubernetes REST API of one cluster, plus probes, /version, /openapi and
/metrics."""

from __future__ import annotations

import logging
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from sparkfleet.clock import Clock, SystemClock
from sparkfleet.cluster import Cluster, NotFound
from sparkfleet.server.auth import Authenticator, BearerAuth
from sparkfleet.server.discovery import version_info
from sparkfleet.server.errors import NotAcceptable, ServerError
from sparkfleet.server.handlers import ApiContext, ApiRequest, LogReader, error_response, handle
from sparkfleet.server.openapi import group_version_document, openapi_root, swagger_document
from sparkfleet.server.watchstream import StreamRegistry

__all__ = ["create_app", "streams_of"]

log = logging.getLogger(__name__)


class _Api:
    """Everything under /api and /apis: read the request, answer it from a worker thread."""

    def __init__(self, context: ApiContext) -> None:
        self._context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        body = await request.body()
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
) -> Starlette:
    """The API of `cluster`, with /version, /openapi/v2, /openapi/v3, /metrics and the probes.

    `token`: the bearer token every request but the public paths (server/auth.py) must carry (None: no
    authentication). `token_file`: named tokens, some read-only, also let in (server/tokens.py); it is
    re-read when it changes.
    `log_reader`: where pod logs come from (the runtime); without one, log requests answer 404.
    `registry`: served at /metrics. `bookmark_interval`: seconds between BOOKMARK events on an idle
    watch that allows them. `clock`: what ages in Table responses are measured to (the machine's clock
    unless the cluster runs on another)."""
    if bookmark_interval <= 0:
        raise ValueError("bookmark_interval must be positive")
    if token is None and token_file is not None:
        raise ValueError("named tokens need the cluster token: authentication is off without one")
    streams = StreamRegistry()
    api = _Api(ApiContext(cluster, streams, log_reader, bookmark_interval, clock or SystemClock()))

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> Response:
        try:
            await run_in_threadpool(cluster.list, "Namespace")
        except Exception as exc:
            return PlainTextResponse(f"readyz check failed: the cluster store does not answer: {exc}", 500)
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
            Route("/api", api),
            Route("/api/{rest:path}", api),
            Route("/apis", api),
            Route("/apis/{rest:path}", api),
            Route("/{rest:path}", not_found, methods=methods),
        ]
    )
    app.state.streams = streams
    if token is not None:
        app.add_middleware(BearerAuth, authenticator=Authenticator(token, token_file))
    return app


def streams_of(app: Starlette) -> StreamRegistry:
    """The open watch and log streams of an app made by `create_app` (to end them on shutdown)."""
    streams = app.state.streams
    assert isinstance(streams, StreamRegistry)
    return streams
