"""The ASGI application: the Kubernetes REST API of one cluster, plus probes, /version and /metrics."""

from __future__ import annotations

import logging

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from sparkfleet.cluster.errors import NotFound
from sparkfleet.cluster.port import Cluster
from sparkfleet.server.auth import BearerAuth
from sparkfleet.server.discovery import version_info
from sparkfleet.server.errors import ServerError
from sparkfleet.server.handlers import ApiContext, ApiRequest, LogReader, error_response, handle
from sparkfleet.server.openapi import group_version_document, openapi_root
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


def create_app(
    cluster: Cluster,
    token: str | None,
    *,
    log_reader: LogReader | None = None,
    registry: CollectorRegistry | None = None,
    bookmark_interval: float = 60.0,
) -> Starlette:
    """The API of `cluster`, with /version, /openapi/v3, /metrics and the probes.

    `token`: the bearer token every request but the probes must carry (None: no authentication).
    `log_reader`: where pod logs come from (the runtime); without one, log requests answer 404.
    `registry`: served at /metrics. `bookmark_interval`: seconds between BOOKMARK events on an idle
    watch that allows them."""
    if bookmark_interval <= 0:
        raise ValueError("bookmark_interval must be positive")
    streams = StreamRegistry()
    api = _Api(ApiContext(cluster, streams, log_reader, bookmark_interval))

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

    async def openapi_index(request: Request) -> Response:
        return JSONResponse(openapi_root())

    async def openapi_document(request: Request) -> Response:
        try:
            return JSONResponse(group_version_document(request.path_params["rest"]))
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
        app.add_middleware(BearerAuth, token=token)
    return app


def streams_of(app: Starlette) -> StreamRegistry:
    """The open watch and log streams of an app made by `create_app` (to end them on shutdown)."""
    streams = app.state.streams
    assert isinstance(streams, StreamRegistry)
    return streams
