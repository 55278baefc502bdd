"""`sparkfleet controller`: the controllers in a process of their own, over any Kubernetes API.

The process connects as kubectl does (`server/kubeconnect.py`), and with `--leader-elect` waits to hold
the Lease (`reconcile/leader.py`) before it builds and starts the chosen controllers
(`platform/controllerset.py`), so of several replicas exactly one acts. It serves `/healthz` (alive),
`/readyz` (the API answered) and `/metrics` (the controllers' metrics and
`leader_election_master_status`, controller-runtime's gauge) on `--listen`, without a token as a pod's
probes and Prometheus reach it: inside a pod that address is the pod's, outside it stays loopback.

It ends with exit code 0 on SIGTERM or SIGINT (the controllers finish the key they are on, then the Lease
is released so a standby takes over at once), and with 1 when it loses the Lease (a standby holds it or
it could not renew in time), as client-go's OnStoppedLeading ends a controller manager.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from sparkfleet.api.timefmt import format_micro_time
from sparkfleet.api.wire import EMBEDDED_SCHEDULER_NAMES, SchedulerNames
from sparkfleet.clock import Clock, SystemClock
from sparkfleet.cluster import Cluster, ClusterError
from sparkfleet.config import PlatformConfig
from sparkfleet.platform import ControllerGroup, ControllerSet
from sparkfleet.reconcile import LeaderElection, LeaseConfig
from sparkfleet.server import (
    Authenticator,
    BearerAuth,
    Console,
    RemoteCluster,
    ServerHandle,
    StreamRegistry,
    start_server,
)
from sparkfleet.server.console import PREFIX as CONSOLE_PREFIX

__all__ = [
    "LOG_FORMATS",
    "LOST_LEADERSHIP",
    "ControllerOptions",
    "ControllerProcess",
    "JsonLogFormatter",
    "configure_logging",
    "default_identity",
    "run_until_signalled",
]

log = logging.getLogger("sparkfleet.controller")

LOST_LEADERSHIP = 1
"""The exit code when the Lease was lost: the process supervisor starts it again, as a standby."""


def default_identity() -> str:
    """The Lease holder's name: the pod's (`POD_NAME` from the downward API), else controller-runtime's
    `<hostname>_<uuid>`."""
    return os.environ.get("POD_NAME") or f"{socket.gethostname()}_{uuid.uuid4()}"


@dataclass(frozen=True)
class ControllerOptions:
    groups: frozenset[ControllerGroup]
    config: PlatformConfig
    state_dir: Path
    """Where the simulated EC2 keeps its instances (unused by the AWS adapter)."""
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    leader_elect: bool = False
    lease: LeaseConfig = field(default_factory=lambda: LeaseConfig("default", "sparkfleet-controller", ""))
    workers: int = 2
    scheduler_names: SchedulerNames = EMBEDDED_SCHEDULER_NAMES
    console_token: str | None = None
    """With a token, the web console is served at /ui too, behind that token (the probes and /metrics
    stay open)."""


class _ConsoleGuard:
    """The token check for /ui alone: a pod's probes and Prometheus reach the rest without one."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self._open = app
        self._guarded = BearerAuth(app, authenticator=Authenticator(token))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if path == CONSOLE_PREFIX or path.startswith(f"{CONSOLE_PREFIX}/"):
            await self._guarded(scope, receive, send)
        else:
            await self._open(scope, receive, send)


class ControllerProcess:
    """One replica: its health server, its candidacy and, while it leads, its controllers."""

    def __init__(self, cluster: Cluster, options: ControllerOptions, clock: Clock | None = None) -> None:
        self.cluster = cluster
        self.options = options
        self.clock = clock or SystemClock()
        self.registry = CollectorRegistry()
        self._leader_gauge = Gauge(
            "leader_election_master_status",
            "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 "
            "indicates master. 'name' is the string used to identify the lease.",
            ["name"],
            registry=self.registry,
        )
        self._leader_gauge.labels(options.lease.name).set(0)
        self.controllers: ControllerSet | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()

    # The health server.

    def health_app(self) -> Starlette:
        async def healthz(_: Request) -> Response:
            return PlainTextResponse("ok")

        async def readyz(_: Request) -> Response:
            if self._ready.is_set():
                return PlainTextResponse("ok")
            return PlainTextResponse("the Kubernetes API has not answered yet", status_code=503)

        async def metrics(_: Request) -> Response:
            body = generate_latest(self.registry)
            with self._lock:
                if self.controllers is not None:
                    body += generate_latest(self.controllers.registry)
            return Response(body, media_type=CONTENT_TYPE_LATEST)

        streams = StreamRegistry()  # the console's live pages; the server ends them on shutdown
        routes: list[BaseRoute] = [
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ]
        token = self.options.console_token
        if token:
            routes += Console(self.cluster, streams, self.clock).routes()
        app = Starlette(routes=routes)
        app.state.streams = streams
        if token:
            app.add_middleware(_ConsoleGuard, token=token)
        return app

    def serve_health(self) -> ServerHandle:
        opts = self.options
        return start_server(self.health_app(), None, host=opts.listen_host, port=opts.listen_port)

    # Leading.

    def run(self, stop: threading.Event) -> int:
        """Run until `stop` (0) or until the Lease is lost (LOST_LEADERSHIP)."""
        self._wait_for_api(stop)
        if stop.is_set():
            return 0
        if not self.options.leader_elect:
            self._start_leading()
            stop.wait()
            self._stop_leading()
            return 0
        election = LeaderElection(self.cluster, self.clock, self.options.lease)
        election.run(stop, self._start_leading, self._stop_leading)
        return 0 if stop.is_set() else LOST_LEADERSHIP

    def _wait_for_api(self, stop: threading.Event) -> None:
        lease = self.options.lease
        while not stop.is_set():
            try:
                self.cluster.get("Lease", lease.namespace, lease.name)
            except ClusterError:
                pass  # an answer (NotFound, Forbidden, ...): the API is there
            except Exception as exc:  # the API unreachable: no connection, TLS, DNS
                log.warning("waiting for the Kubernetes API: %s", exc)
                stop.wait(2.0)
                continue
            self._ready.set()
            return

    def _start_leading(self) -> None:
        opts = self.options
        chosen = ControllerSet(
            self.cluster,
            opts.state_dir,
            opts.config,
            self.clock,
            groups=opts.groups,
            workers=opts.workers,
            scheduler_names=opts.scheduler_names,
            informers=True,
            kubelets_register=self._kubelets_register(),
        )
        with self._lock:
            self.controllers = chosen
        self._leader_gauge.labels(opts.lease.name).set(1)
        names = ", ".join(sorted(g.value for g in opts.groups))
        log.info("starting the controllers: %s", names)
        chosen.start()

    def _kubelets_register(self) -> bool:
        """On a Kubernetes API (EKS) each instance's kubelet registers its Node; the embedded cluster's
        `up --controllers-out-of-process` has none, so there the NodeClaim controller creates them."""
        if not isinstance(self.cluster, RemoteCluster):
            return False
        return not self.cluster.serves_embedded_cluster()

    def _stop_leading(self) -> None:
        self._leader_gauge.labels(self.options.lease.name).set(0)
        with self._lock:
            chosen, self.controllers = self.controllers, None
        if chosen is not None:
            log.info("stopping the controllers")
            chosen.stop()


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line with Karpenter's keys (`level`, `time`, `logger`, `message`), for a log
    collector (FluentBit) to parse; the traceback of an error in `error`."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "level": record.levelname,
            "time": format_micro_time(datetime.fromtimestamp(record.created, UTC)),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry)


LOG_FORMATS = ("json", "text")


def configure_logging(log_format: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonLogFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise


def run_until_signalled(cluster: Cluster, options: ControllerOptions) -> int:
    """Serve the probes, then lead or stand by until SIGTERM/SIGINT (0) or until the Lease is lost."""
    process = ControllerProcess(cluster, options)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    health = process.serve_health()
    log.info("%s: /healthz, /readyz and /metrics on %s:%d", options.lease.identity, health.host, health.port)
    try:
        code = process.run(stop)
    finally:
        health.stop()
        cluster.close()
    if code == LOST_LEADERSHIP:
        log.error("lost the Lease %s/%s: exiting", options.lease.namespace, options.lease.name)
    return code
