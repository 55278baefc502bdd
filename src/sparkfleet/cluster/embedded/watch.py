"""Watches over the `changes` table.

Writers in this process wake watchers through a `Notifier` right after each commit; writers in other
processes are noticed by polling the table every `poll_interval` seconds. Either way the watcher reads
the changes after its cursor from the database, so resuming after a restart is the same code path.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator

from sparkfleet.clock import Clock
from sparkfleet.cluster.closing import Closing
from sparkfleet.cluster.embedded.codec import loads
from sparkfleet.cluster.errors import ClusterError, Gone
from sparkfleet.cluster.port import Obj, WatchEvent, WatchEventType
from sparkfleet.cluster.selectors import FieldSelector, LabelSelector

# (rv, type, body, body before the change when asked for).
ChangeRow = tuple[int, str, str, str | None]
# read(after, kind, namespace, with_previous) -> (compacted_rv, next_cursor, rows)
ChangeReader = Callable[[int, str | None, str | None, bool], tuple[int, int, list[ChangeRow]]]


class Notifier:
    """A commit counter that waiters block on."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._seq = 0

    @property
    def seq(self) -> int:
        with self._changed:
            return self._seq

    def notify(self) -> None:
        with self._changed:
            self._seq += 1
            self._changed.notify_all()

    def wait(self, seen: int, timeout: float) -> None:
        """Block until a commit after `seen`, at most `timeout` real seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._seq != seen, timeout)


class EmbeddedWatch(Closing):
    def __init__(
        self,
        read: ChangeReader,
        notifier: Notifier,
        clock: Clock,
        poll_interval: float,
        *,
        kind: str | None,
        namespace: str | None,
        labels: LabelSelector | None,
        fields: FieldSelector | None,
        cursor: int,
        initial: Iterable[Obj],
        deadline: float | None,
    ) -> None:
        self._read = read
        self._notifier = notifier
        self._clock = clock
        self._poll_interval = poll_interval
        self._kind = kind
        self._namespace = namespace
        self._labels = labels
        self._fields = fields
        self._cursor = cursor
        self._delivered = cursor
        self._deadline = deadline
        self._closed = False
        # The list's objects (a list+watch), handed out as ADDED before any change; read lazily, and
        # closed with the watch when it has a `close` (a SnapshotList's transaction).
        self._initial: Iterator[Obj] | None = iter(initial)
        self._initial_close: Callable[[], None] | None = getattr(initial, "close", None)
        self._pending: deque[tuple[WatchEvent, int]] = deque()

    @property
    def resource_version(self) -> str:
        """Resume point: the resourceVersion of the last event handed out, or of everything read so far.

        During the initial ADDED events of a list+watch this is the list's resourceVersion; resume from it
        only after those events have been consumed."""
        return str(self._delivered if self._pending or self._initial is not None else self._cursor)

    def __iter__(self) -> EmbeddedWatch:
        return self

    def __next__(self) -> WatchEvent:
        while True:
            if self._closed:
                raise StopIteration
            if self._initial is not None:
                obj = next(self._initial, None)
                if obj is not None:
                    return WatchEvent(WatchEventType.ADDED, obj)
                self._end_initial()
                continue
            if self._pending:
                event, rv = self._pending.popleft()
                self._delivered = rv
                return event
            seen = self._notifier.seq
            self._fill()
            if self._pending or self._closed:
                continue
            if self._deadline is not None and self._clock.monotonic() >= self._deadline:
                self.close()
                raise StopIteration
            self._notifier.wait(seen, self._poll_interval)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._end_initial()
            self._pending.clear()
            self._notifier.notify()

    def _end_initial(self) -> None:
        self._initial = None
        if self._initial_close is not None:
            self._initial_close()
            self._initial_close = None

    @property
    def closed(self) -> bool:
        return self._closed

    def _fill(self) -> None:
        selective = self._labels is not None or self._fields is not None
        try:
            compacted, next_cursor, rows = self._read(self._cursor, self._kind, self._namespace, selective)
        except (sqlite3.Error, ClusterError):
            if self._closed:  # the store was closed under this watch
                return
            raise
        if self._cursor < compacted:
            self.close()
            raise Gone(f"too old resource version: {self._cursor} ({compacted})")
        for rv, change, text, previous in rows:
            event = self._event(WatchEventType(change), text, previous)
            if event is not None:
                self._pending.append((event, rv))
        self._cursor = next_cursor

    def _matches(self, obj: Obj) -> bool:
        if self._labels is not None and not self._labels.matches(obj.get("metadata", {}).get("labels")):
            return False
        return self._fields is None or self._fields.matches(obj)

    def _event(self, change: WatchEventType, text: str, previous: str | None) -> WatchEvent | None:
        obj: Obj = loads(text)
        if self._labels is None and self._fields is None:
            return WatchEvent(change, obj)
        matches = self._matches(obj)
        if change is WatchEventType.MODIFIED:
            # Like the API server's watch cache: moving into the selection is ADDED, out of it DELETED.
            # Without the previous body (outside the history window) the object is taken as unchanged.
            matched = self._matches(loads(previous)) if previous is not None else matches
            if matches and matched:
                return WatchEvent(WatchEventType.MODIFIED, obj)
            if matches:
                return WatchEvent(WatchEventType.ADDED, obj)
            if matched:
                return WatchEvent(WatchEventType.DELETED, obj)
            return None
        return WatchEvent(change, obj) if matches else None
