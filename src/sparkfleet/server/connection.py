"""One HTTP connection as the server keeps it: never held without a request, never slowed by Nagle.

uvicorn closes a connection that stays idle `timeout_keep_alive` seconds after a response, but not one
that never sends a complete request: a client that connects and says nothing, or trickles a header
byte by byte, would hold a socket (and a file handle) forever, without needing a token. Here the request
head (request line and headers) must arrive within `header_timeout` seconds of the connection, or of
its first byte after a response, as Go's `ReadHeaderTimeout` bounds it in kube-apiserver; otherwise the
connection is closed. Between requests a kept-alive connection may stay idle IDLE_TIMEOUT seconds, as
kube-apiserver's `IdleTimeout`: clients that poll (Spark's executor-pod polling every 30 s) find their
connection still open rather than closed under them as they reuse it.

Responses go out as soon as they are written (TCP_NODELAY): a response head and body sent in two writes
would otherwise wait for the client's delayed acknowledgement, some 40 ms per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["DEFAULT_HEADER_TIMEOUT", "IDLE_TIMEOUT", "bounded_protocol"]

DEFAULT_HEADER_TIMEOUT = 30.0
IDLE_TIMEOUT = 90.0


class _BoundedH11Protocol(H11Protocol):
    header_timeout = DEFAULT_HEADER_TIMEOUT
    _header_timer: asyncio.TimerHandle | None = None
    _idle = False
    """The timer armed is the idle one (no byte of the next request yet)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._arm_header_timer()

    def _arm_header_timer(self, timeout: float | None = None, *, idle: bool = False) -> None:
        self._cancel_header_timer()
        self._idle = idle
        self._header_timer = self.loop.call_later(timeout or self.header_timeout, self._header_timed_out)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timed_out(self) -> None:
        self._header_timer = None
        # h11 leaves IDLE only once a whole request head has arrived.
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._cancel_header_timer()
        elif self._idle and data:  # the next request has begun: its head is due within header_timeout
            self._arm_header_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm_header_timer(max(IDLE_TIMEOUT, self.header_timeout), idle=True)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)


def bounded_protocol(header_timeout: float = DEFAULT_HEADER_TIMEOUT) -> type[Any]:
    """The uvicorn HTTP protocol class (`Config(http=...)`) with this header timeout, in seconds."""
    if header_timeout <= 0:
        raise ValueError("header_timeout must be positive")
    return type("BoundedH11Protocol", (_BoundedH11Protocol,), {"header_timeout": header_timeout})
