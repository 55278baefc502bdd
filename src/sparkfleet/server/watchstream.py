"""Streaming responses: watch events as newline-delimited JSON, and container logs.

A cluster watch blocks its reader, so each stream has a pump thread that iterates it and hands the
events to the event loop. The response listens for the client going away at the same time, and closes
the watch then (which ends the pump promptly), so an idle watch whose client left does not linger.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import anyio
from starlette.types import Receive, Scope, Send

from sparkfleet.cluster import ClusterError, Gone, KindInfo, Obj, Watch
from sparkfleet.server.errors import ServerError, status_of

__all__ = [
    "INITIAL_EVENTS_END",
    "WATCH_BACKLOG",
    "LogStream",
    "StreamRegistry",
    "WatchStream",
    "encode_event",
]

WATCH_BACKLOG = 1000
"""Events a watch may have read and not yet sent to its client before it is ended as too slow."""

# The annotation of the bookmark that ends the initial events of a `sendInitialEvents` watch.
INITIAL_EVENTS_END = "k8s.io/initial-events-end"

_END = object()


def encode_event(event_type: str, obj: Obj) -> bytes:
    return json.dumps({"type": event_type, "object": obj}, separators=(",", ":")).encode() + b"\n"


class StreamRegistry:
    """The open streams, so a stopping server can end them instead of waiting for their clients."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._closers: dict[int, Callable[[], None]] = {}
        self._next = 0
        self._closed = False

    def add(self, close: Callable[[], None]) -> int:
        with self._changed:
            if self._closed:
                close()
            self._next += 1
            self._closers[self._next] = close
            return self._next

    def remove(self, key: int) -> None:
        with self._changed:
            self._closers.pop(key, None)
            self._changed.notify_all()

    def close_all(self) -> None:
        """End every open stream, and any opened from now on."""
        with self._changed:
            self._closed = True
            closers = list(self._closers.values())
        for close in closers:
            close()

    def wait_until_empty(self, timeout: float) -> bool:
        """Block until no stream is open (at most `timeout` real seconds); whether none is."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._closers, timeout)

    def __len__(self) -> int:
        with self._changed:
            return len(self._closers)


class _Pump:
    """Iterates a blocking iterator in a thread; the items arrive on an asyncio queue, then _END.

    With a `backlog`, a consumer that falls that many items behind (a client that stopped reading) ends
    the stream with a 410 Gone error instead of growing the queue, as kube-apiserver closes a watcher too
    slow to keep up; the client starts again from a fresh list."""

    def __init__(
        self, items: Iterator[Any], loop: asyncio.AbstractEventLoop, name: str, backlog: int | None = None
    ) -> None:
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self._backlog = backlog
        self._pending = 0  # items handed to the loop and not yet taken
        self._count_lock = threading.Lock()
        self._items = items
        self._loop = loop
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop handing out items; a consumer waiting on the queue gets _END at once."""
        if not self._stopped.is_set():
            self._stopped.set()
            self._put(_END)

    def _put(self, item: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the event loop has closed: nobody listens any more
            self._loop.call_soon_threadsafe(self.queue.put_nowait, item)

    async def get(self) -> Any:
        item = await self.queue.get()
        with self._count_lock:
            self._pending -= 1
        return item

    def _run(self) -> None:
        try:
            for item in self._items:
                if self._stopped.is_set():
                    break
                with self._count_lock:
                    behind = self._pending
                    self._pending += 1
                if self._backlog is not None and behind >= self._backlog:
                    self._put(
                        Gone(f"the client fell {behind} events behind this watch: list and watch again")
                    )
                    break
                self._put(item)
        except ClusterError as exc:
            self._put(exc)
        except Exception as exc:  # the stream must end with an error event, not hang
            self._put(ServerError(f"the stream failed: {exc}"))
        self._put(_END)


async def _until_disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _serve_stream(
    scope: Scope,
    receive: Receive,
    send: Send,
    media_type: str,
    body: Callable[[Callable[[bytes], Awaitable[None]]], Awaitable[None]],
    close: Callable[[], None],
) -> None:
    """Send the response start, then `body` (which writes chunks) until it ends or the client leaves."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", media_type.encode()), (b"cache-control", b"no-cache")],
        }
    )
    disconnected = False

    async def write(chunk: bytes) -> None:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})

    try:
        async with anyio.create_task_group() as group:

            async def watch_client() -> None:
                nonlocal disconnected
                await _until_disconnected(receive)
                disconnected = True
                group.cancel_scope.cancel()

            group.start_soon(watch_client)
            try:
                await body(write)
            except OSError:  # the client went away mid-write
                disconnected = True
            group.cancel_scope.cancel()
    finally:
        close()
    if not disconnected:
        await send({"type": "http.response.body", "body": b"", "more_body": False})


class WatchStream:
    """The ASGI response of a `watch=true` request."""

    def __init__(
        self,
        watch: Watch | None,
        info: KindInfo,
        *,
        initial: list[Obj],
        start_rv: str,
        bookmarks: bool,
        initial_events_end: bool,
        bookmark_interval: float,
        registry: StreamRegistry,
        error: ClusterError | None = None,
        present: Callable[[Obj], Obj] | None = None,
        release: Callable[[], None] | None = None,
    ) -> None:
        """`present` turns each watched object into what its event carries (a Table row, say); bookmarks
        and errors are sent as they are. `release` is called once the stream has ended (its watch slot)."""
        self._watch = watch
        self._info = info
        self._initial = initial
        self._rv = start_rv
        self._bookmarks = bookmarks
        self._initial_events_end = initial_events_end
        self._interval = bookmark_interval
        self._registry = registry
        self._error = error
        self._present = present or (lambda obj: obj)
        self._release = release
        self._stopped_early = False

    @classmethod
    def failed(cls, info: KindInfo, error: ClusterError, registry: StreamRegistry) -> WatchStream:
        """A stream whose only event is ERROR, as the API server answers a watch it cannot start."""
        return cls(
            None,
            info,
            initial=[],
            start_rv="",
            bookmarks=False,
            initial_events_end=False,
            bookmark_interval=0,
            registry=registry,
            error=error,
        )

    def _bookmark(self, rv: str, annotations: dict[str, str] | None = None) -> bytes:
        metadata: dict[str, Any] = {"resourceVersion": rv}
        if annotations:
            metadata["annotations"] = annotations
        obj = {"kind": self._info.kind, "apiVersion": self._info.api_version, "metadata": metadata}
        return encode_event("BOOKMARK", obj)

    async def _events(self, write: Callable[[bytes], Awaitable[None]]) -> None:
        if self._error is not None or self._watch is None:
            await write(encode_event("ERROR", status_of(self._error or ServerError("no watch"))))
            return
        for obj in self._initial:
            await write(encode_event("ADDED", self._present(obj)))
        if self._initial_events_end and self._bookmarks:
            await write(self._bookmark(self._rv, {INITIAL_EVENTS_END: "true"}))
        pump = _Pump(
            iter(self._watch), asyncio.get_running_loop(), f"watch-{self._info.plural}", WATCH_BACKLOG
        )
        pump.start()
        try:
            while True:
                try:
                    if self._bookmarks:
                        item = await asyncio.wait_for(pump.get(), self._interval)
                    else:
                        item = await pump.get()
                except TimeoutError:
                    # Only events already sent are covered: a resume from here loses nothing.
                    await write(self._bookmark(self._rv))
                    continue
                if item is _END:
                    if self._bookmarks:
                        # A watch that ran its course has seen everything up to its resourceVersion; one
                        # stopped early may have dropped events it had read, so it vouches for less.
                        ended_at = self._rv if self._stopped_early else self._watch.resource_version
                        await write(self._bookmark(ended_at or self._rv))
                    return
                if isinstance(item, ClusterError):
                    await write(encode_event("ERROR", status_of(item)))
                    return
                await write(encode_event(item.type.value, self._present(item.object)))
                self._rv = str(item.object.get("metadata", {}).get("resourceVersion") or self._rv)
        finally:
            pump.stop()

    def _stop(self) -> None:
        self._stopped_early = True
        if self._watch is not None:
            self._watch.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._registry.add(self._stop)
        try:
            await _serve_stream(scope, receive, send, "application/json", self._events, self._stop)
        finally:
            self._registry.remove(key)
            if self._release is not None:
                self._release()


class LogStream:
    """The ASGI response of a pod log request: the runtime's chunks as they come."""

    def __init__(self, chunks: Iterator[bytes], registry: StreamRegistry) -> None:
        self._chunks = chunks
        self._registry = registry
        self._pump: _Pump | None = None

    def _close(self) -> None:
        # A log iterator may be blocked in its thread (following a log); it stops at its next chunk.
        if self._pump is not None:
            self._pump.stop()

    async def _body(self, write: Callable[[bytes], Awaitable[None]]) -> None:
        self._pump = _Pump(self._chunks, asyncio.get_running_loop(), "pod-log")
        self._pump.start()
        while True:
            item = await self._pump.get()
            if item is _END or isinstance(item, ClusterError):
                return
            if item:
                await write(bytes(item))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._registry.add(self._close)
        try:
            await _serve_stream(scope, receive, send, "text/plain; charset=utf-8", self._body, self._close)
        finally:
            self._registry.remove(key)
