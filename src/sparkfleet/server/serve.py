"""Running the API with uvicorn on loopback: in a background thread (`start_server`) or blocking (`serve`)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette

from sparkfleet.server.app import streams_of

__all__ = ["LOOPBACK", "ServerHandle", "bind_socket", "kubeconfig", "serve", "start_server"]

LOOPBACK = "127.0.0.1"
_STARTUP_TIMEOUT = 30.0


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
        self, app: Starlette, graceful_timeout: float, on_started: Callable[[], None] | None = None
    ) -> None:
        super().__init__(
            uvicorn.Config(
                app,
                log_level="warning",
                access_log=False,
                lifespan="off",
                timeout_graceful_shutdown=max(1, int(graceful_timeout)),
            )
        )
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
        return kubeconfig(self.url, self.token, name, namespace)

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_server(
    app: Starlette, token: str | None, *, host: str = LOOPBACK, port: int = 0, graceful_timeout: float = 5.0
) -> ServerHandle:
    """Serve `app` (from `create_app`, with the same `token`) in a background thread; returns once it
    listens. Port 0 picks a free port."""
    sock = bind_socket(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    server = _Server(app, graceful_timeout)
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
    return ServerHandle(f"http://{bound_host}:{bound_port}", token, bound_host, bound_port, server, thread)


def serve(
    app: Starlette,
    token: str | None,
    *,
    host: str = LOOPBACK,
    port: int = 0,
    graceful_timeout: float = 5.0,
    on_ready: Callable[[ServerHandle], None] | None = None,
) -> None:
    """Serve `app` in this thread until stopped: by SIGINT/SIGTERM when this is the main thread, or by
    the handle given to `on_ready` once the server listens (the place to record its URL)."""
    sock = bind_socket(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    handle: list[ServerHandle] = []

    def started() -> None:
        if on_ready is not None:
            on_ready(handle[0])

    server = _Server(app, graceful_timeout, started)
    handle.append(ServerHandle(f"http://{bound_host}:{bound_port}", token, bound_host, bound_port, server))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


def kubeconfig(
    url: str, token: str | None, name: str = "sparkfleet", namespace: str = "default"
) -> dict[str, Any]:
    """A kubeconfig for kubectl and client libraries (Spark's included) to reach the server."""
    user: dict[str, Any] = {"token": token} if token else {}
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": url}}],
        "users": [{"name": name, "user": user}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name, "namespace": namespace}}],
        "current-context": name,
        "preferences": {},
    }
