"""The console's pages: server-rendered HTML (Jinja2 templates of this package), live through SSE.

Every page has a `live` block; `/ui/stream/<page>` sends that block again, rendered afresh, as a
server-sent event whenever the store changes (the store's watch of every kind, coalesced), and htmx's
SSE extension swaps it in. The front end is htmx and its SSE extension, vendored under static/, so the
console loads with no network beyond the cluster's own API.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.clock import Clock
from sparkfleet.cluster import Cluster, ClusterError, NotFound
from sparkfleet.server.console import costview, views
from sparkfleet.server.console.session import HOME, LOGIN_PATH, PREFIX, login
from sparkfleet.server.watchstream import StreamRegistry
from sparkfleet.server.yunikornrest import gather

__all__ = ["HISTORY_SERVER", "MAX_STREAMS", "PAGES", "Console"]

log = logging.getLogger(__name__)

HISTORY_SERVER = "http://127.0.0.1:18080"
"""Where `sparkfleet history-server` listens by default (Spark's `spark.history.ui.port`, on loopback)."""
MAX_STREAMS = 32
"""Live pages open at once; more answer 429 (each holds a store watch and a thread)."""
COALESCE_SECONDS = 0.5
"""A burst of changes within this time is sent as one update."""
KEEPALIVE_SECONDS = 15.0

PAGES = {
    "applications": "Applications",
    "queues": "Queues",
    "nodes": "Nodes",
    "nodeclaims": "NodeClaims",
    "events": "Events",
    "cost": "Cost",
}
"""Page name -> title, in the order of the navigation bar."""

_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _age(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "-"
    return _duration((now - moment).total_seconds())


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _money(amount: float | None, currency: str = "USD") -> str:
    if amount is None:
        return "not yet known"
    symbol = "$" if currency == "USD" else f"{currency} "
    return f"{symbol}{amount:.4f}"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("sparkfleet.server.console", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = _money
    env.filters["duration"] = _duration
    env.filters["rfc3339"] = lambda m: format_rfc3339(m) if m else "-"
    return env


@dataclass(frozen=True, slots=True)
class _Page:
    name: str
    template: str
    args: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        """The page's path under /ui (and under /ui/stream)."""
        return "/".join(("applications", *self.args) if self.args else (self.name,))

    @property
    def title(self) -> str:
        return "/".join(self.args) if self.args else PAGES[self.name]


class Console:
    """The /ui routes of one cluster."""

    def __init__(
        self, cluster: Cluster, streams: StreamRegistry, clock: Clock, history_server: str = HISTORY_SERVER
    ) -> None:
        self._cluster = cluster
        self._streams = streams
        self._clock = clock
        self._history = history_server.rstrip("/")
        self._env = _environment()
        self._open = 0
        self._lock = threading.Lock()

    # --- what each page shows ---

    def _context(self, page: _Page) -> dict[str, Any]:
        cluster = self._cluster
        head = cluster.list("Namespace").resourceVersion
        view = gather(cluster)
        now = self._clock.now()
        context: dict[str, Any] = {
            "page": page.name,
            "title": page.title,
            "stream": f"{PREFIX}/stream/{page.path}",
            "pages": PAGES,
            "prefix": PREFIX,
            "rv": head,
            "now": now,
            "age": lambda m: _age(m, now),
            "live_scheduler": view.live,
            "history_server": self._history,
        }
        builders: Mapping[str, Callable[[], dict[str, Any]]] = {
            "applications": lambda: {"apps": views.applications(cluster, view, self._history)},
            "application": lambda: self._application(view, *page.args),
            "queues": lambda: {"queues": views.queues(view)},
            "nodes": lambda: {"nodes": views.nodes(cluster, view)},
            "nodeclaims": lambda: {"claims": views.node_claims(cluster)},
            "events": lambda: {"events": views.events(cluster)},
            "cost": lambda: self._cost(view),
        }
        context.update(builders[page.name]())
        return context

    def _application(self, view: Any, namespace: str, name: str) -> dict[str, Any]:
        found = [
            a
            for a in views.applications(self._cluster, view, self._history)
            if (a.namespace, a.name) == (namespace, name)
        ]
        if not found:
            raise NotFound(f'sparkapplications "{name}" not found in namespace "{namespace}"')
        return {"app": found[0]}

    def _cost(self, view: Any) -> dict[str, Any]:
        apps = views.applications(self._cluster, view, self._history)
        summary = costview.cost_summary(apps, views.nodes(self._cluster, view))
        return {
            "apps": apps,
            "summary": summary,
            "plot": costview.plot_svg(costview.cost_series(apps), summary.currency),
        }

    def render(self, page: _Page, *, fragment: bool = False) -> str:
        template = self._env.get_template(page.template)
        context = self._context(page)
        if fragment:
            return "".join(template.blocks["live"](template.new_context(context)))
        return template.render(context)

    # --- HTTP ---

    def _page(self, request: Request) -> _Page:
        name = request.path_params.get("page", "")
        if name == "applications" and "namespace" in request.path_params:
            args = (request.path_params["namespace"], request.path_params["name"])
            return _Page("application", "application.html", args)
        if name not in PAGES:
            raise NotFound(f"no console page {name!r}: the pages are {', '.join(PAGES)}")
        return _Page(name, f"{name}.html")

    async def page(self, request: Request) -> Response:
        try:
            page = self._page(request)
            html = await run_in_threadpool(self.render, page)
        except NotFound as exc:
            return HTMLResponse(f"<h1>Not found</h1><p>{exc.message}</p>", 404, headers=_SECURITY_HEADERS)
        return HTMLResponse(html, headers=_SECURITY_HEADERS)

    async def stream(self, request: Request) -> Response:
        try:
            page = self._page(request)
        except NotFound as exc:
            return PlainTextResponse(exc.message, 404)
        with self._lock:
            if self._open >= MAX_STREAMS:
                return PlainTextResponse(
                    f"too many live console pages open (at most {MAX_STREAMS}); close some", 429
                )
            self._open += 1
        try:
            watch = await run_in_threadpool(self._watch)
        except ClusterError as exc:
            with self._lock:
                self._open -= 1
            return PlainTextResponse(exc.message, 503)
        return StreamingResponse(
            self._events(page, watch),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    def _watch(self) -> Any:
        head = self._cluster.list("Namespace").resourceVersion
        return self._cluster.watch(None, resource_version=head)

    async def _events(self, page: _Page, watch: Any) -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        changed = asyncio.Event()
        ended = asyncio.Event()

        def pump() -> None:
            try:
                for _ in watch:
                    loop.call_soon_threadsafe(changed.set)
            except ClusterError as exc:  # Gone, a closed store: the browser reconnects
                log.debug("console stream ended: %s", exc)
            finally:
                with contextlib.suppress(RuntimeError):  # the loop is already closed
                    loop.call_soon_threadsafe(ended.set)

        key = self._streams.add(watch.close)
        thread = threading.Thread(target=pump, name="sparkfleet-console-stream", daemon=True)
        thread.start()
        try:
            yield "retry: 2000\n\n"
            while not ended.is_set():
                waiter = asyncio.ensure_future(changed.wait())
                stopper = asyncio.ensure_future(ended.wait())
                done, pending = await asyncio.wait(
                    {waiter, stopper}, timeout=KEEPALIVE_SECONDS, return_when=asyncio.FIRST_COMPLETED
                )
                for task in pending:
                    task.cancel()
                if ended.is_set():
                    break
                if not done:
                    yield ": keepalive\n\n"
                    continue
                await asyncio.sleep(COALESCE_SECONDS)
                changed.clear()
                try:
                    html = await run_in_threadpool(self.render, page, fragment=True)
                except NotFound:
                    break  # the application went: the page stays as it was
                yield "event: update\n" + "".join(f"data: {line}\n" for line in html.splitlines()) + "\n"
        finally:
            watch.close()
            self._streams.remove(key)
            with self._lock:
                self._open -= 1

    def routes(self) -> list[BaseRoute]:
        async def home(request: Request) -> Response:
            return RedirectResponse(f"{PREFIX}/applications", status_code=307)

        return [
            Route(PREFIX, home, methods=["GET"]),
            Route(HOME, home, methods=["GET"]),
            Route(LOGIN_PATH, login, methods=["GET"]),
            Mount(f"{PREFIX}/static", app=StaticFiles(packages=[("sparkfleet.server.console", "static")])),
            Route(f"{PREFIX}/stream/{{page}}", self.stream, methods=["GET"]),
            Route(f"{PREFIX}/stream/{{page}}/{{namespace}}/{{name}}", self.stream, methods=["GET"]),
            Route(f"{PREFIX}/{{page}}", self.page, methods=["GET"]),
            Route(f"{PREFIX}/{{page}}/{{namespace}}/{{name}}", self.page, methods=["GET"]),
        ]
