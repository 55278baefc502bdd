"""Running the API with uvicorn on loopback: in a background thread (`start_server`) or blocking (`serve`)."""

from __future__ import annotations

import base64
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette

from sparkfleet.server.app import streams_of
from sparkfleet.server.connection import DEFAULT_HEADER_TIMEOUT, IDLE_TIMEOUT, bounded_protocol

__all__ = ["LOOPBACK", "ServerHandle", "TlsFiles", "bind_socket", "kubeconfig", "serve", "start_server"]

LOOPBACK = "127.0.0.1"
_STARTUP_TIMEOUT = 30.0


class _QuietUpgrades(logging.Filter):
    """fabric8 (Spark's client) asks to upgrade every watch to a WebSocket and falls back to plain HTTP
    on the answer it gets, so uvicorn's warning about each such request is noise."""

    _NOISE = ("Unsupported upgrade request", "No supported WebSocket library")

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self._NOISE)


_UPGRADE_FILTER = _QuietUpgrades()


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """A PEM certificate and its key, to serve HTTPS. kubectl (client-go) sends a bearer token only over
    TLS, so a token-protected server it talks to needs them; `ca_file` is what clients should trust
    (the certificate itself when it is self-signed)."""

    certfile: Path
    keyfile: Path
    ca_file: Path | None = None

    @property
    def trusted(self) -> Path:
        return self.ca_file or self.certfile


def bind_socket(host: str = LOOPBACK, port: int = 0) -> socket.socket:
    """A bound TCP socket for uvicorn to listen on; port 0 picks a free one (see getsockname)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class _Server(uvicorn.Server):
    """A uvicorn server that reports when it is listening, and ends the app's open streams (watches
    would otherwise hold the graceful shutdown until their clients leave)."""

    def __init__(
        self,
        app: Starlette,
        graceful_timeout: float,
        tls: TlsFiles | None = None,
        on_started: Callable[[], None] | None = None,
        header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    ) -> None:
        super().__init__(
            uvicorn.Config(
                app,
                http=bounded_protocol(header_timeout),
                # No WebSocket is served, whichever WebSocket library happens to be installed: an upgrade
                # request is answered as plain HTTP, which is what makes fabric8 fall back to an HTTP watch.
                ws="none",
                log_level="warning",
                access_log=False,
                lifespan="off",
                timeout_graceful_shutdown=max(1, int(graceful_timeout)),
                timeout_keep_alive=int(IDLE_TIMEOUT),
                ssl_certfile=str(tls.certfile) if tls else None,
                ssl_keyfile=str(tls.keyfile) if tls else None,
            )
        )
        logging.getLogger("uvicorn.error").addFilter(_UPGRADE_FILTER)  # idempotent: one filter object
        self.ready = threading.Event()
        self._app = app
        self._on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()
        if self.started and self._on_started is not None:
            self._on_started()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        streams_of(self._app).close_all()
        await super().shutdown(sockets)


@dataclass
class ServerHandle:
    """A running server: where it listens, its token, and how to stop it."""

    url: str
    token: str | None
    host: str
    port: int
    tls: TlsFiles | None
    _server: _Server = field(repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def stop(self, timeout: float = 10.0) -> None:
        """End open watches and log streams, stop accepting connections, and (for a server started in
        the background) wait for its thread."""
        self._server.should_exit = True
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._server.started and not self._server.should_exit

    def kubeconfig(self, name: str = "sparkfleet", namespace: str = "default") -> dict[str, Any]:
        return kubeconfig(self.url, self.token, name, namespace, self.tls.trusted if self.tls else None)

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _url(tls: TlsFiles | None, host: str, port: int) -> str:
    return f"{'https' if tls else 'http'}://{host}:{port}"


def start_server(
    app: Starlette,
    token: str | None,
    *,
    host: str = LOOPBACK,
    port: int = 0,
    tls: TlsFiles | None = None,
    graceful_timeout: float = 5.0,
    header_timeout: float = DEFAULT_HEADER_TIMEOUT,
) -> ServerHandle:
    """Serve `app` (from `create_app`, with the same `token`) in a background thread; returns once it
    listens. Port 0 picks a free port; `tls` serves HTTPS; a connection whose request head has not
    arrived `header_timeout` seconds after it opened (or after its last response) is closed."""
    sock = bind_socket(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    server = _Server(app, graceful_timeout, tls, header_timeout=header_timeout)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the caller waiting for startup
            failure.append(exc)
        finally:
            server.ready.set()
            sock.close()

    thread = threading.Thread(target=run, name=f"sparkfleet-api-{bound_port}", daemon=True)
    thread.start()
    if not server.ready.wait(_STARTUP_TIMEOUT) or failure or not server.started:
        server.should_exit = True
        thread.join(_STARTUP_TIMEOUT)
        cause = failure[0] if failure else None
        raise RuntimeError(f"the API server on {bound_host}:{bound_port} did not start") from cause
    return ServerHandle(_url(tls, bound_host, bound_port), token, bound_host, bound_port, tls, server, thread)


def serve(
    app: Starlette,
    token: str | None,
    *,
    host: str = LOOPBACK,
    port: int = 0,
    tls: TlsFiles | None = None,
    graceful_timeout: float = 5.0,
    on_ready: Callable[[ServerHandle], None] | None = None,
    header_timeout: float = DEFAULT_HEADER_TIMEOUT,
) -> None:
    """Serve `app` in this thread until stopped: by SIGINT/SIGTERM when this is the main thread, or by
    the handle given to `on_ready` once the server listens (the place to record its URL)."""
    sock = bind_socket(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    handle: list[ServerHandle] = []

    def started() -> None:
        if on_ready is not None:
            on_ready(handle[0])

    server = _Server(app, graceful_timeout, tls, started, header_timeout)
    handle.append(ServerHandle(_url(tls, bound_host, bound_port), token, bound_host, bound_port, tls, server))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


def kubeconfig(
    url: str,
    token: str | None,
    name: str = "sparkfleet",
    namespace: str = "default",
    ca_file: Path | None = None,
) -> dict[str, Any]:
    """A kubeconfig for kubectl and client libraries (Spark's included) to reach the server. Over plain
    HTTP kubectl leaves the token out of its requests; serve with TLS for kubectl to authenticate."""
    user: dict[str, Any] = {"token": token} if token else {}
    cluster: dict[str, Any] = {"server": url}
    if ca_file is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca_file.read_bytes()).decode()
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": cluster}],
        "users": [{"name": name, "user": user}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name, "namespace": namespace}}],
        "current-context": name,
        "preferences": {},
    }
