"""The store's read connections: one per reading thread, and a small pool shared by watches.

A thread's connection lives until the thread ends (closed on the next new reader) or the store closes.
Watches read their changes through the shared pool, so the thread that iterates a watch holds no
connection, and no file handles, of its own while it waits. `close` waits until no read is in flight.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sparkfleet.cluster.embedded.disk import storage_failures
from sparkfleet.cluster.embedded.schema import Durability, connect
from sparkfleet.cluster.errors import ClusterError

__all__ = ["CHANGE_READERS", "Readers"]

CHANGE_READERS = 4
"""Connections that watches read their changes through, shared: a waiting watch holds none."""


class Readers:
    """Read connections of one store file. Share one instance between threads."""

    def __init__(self, path: Path, durability: Durability) -> None:
        self._path = path
        self._durability = durability
        self._local = threading.local()
        # Read connections by owning thread, so those of finished threads can be closed.
        self._own: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._pool: list[sqlite3.Connection] = []
        self._idle: list[sqlite3.Connection] = []
        # Guards the bookkeeping; close() waits on it until no read is in flight.
        self._state = threading.Condition()
        self._in_flight = 0
        self._closed = False

    def _closed_error(self) -> ClusterError:
        return ClusterError(f"the cluster store {self._path} is closed")

    @contextmanager
    def own(self) -> Iterator[sqlite3.Connection]:
        """This thread's read connection, kept open until the read is done even if close() is called."""
        with self._state:
            if self._closed:
                raise self._closed_error()
            conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
            if conn is None:
                self._close_orphans()
                with storage_failures(self._path, "cannot be read"):
                    conn = connect(self._path, self._durability)
                self._own.append((threading.current_thread(), conn))
                self._local.conn = conn
            self._in_flight += 1
        try:
            with storage_failures(self._path, "cannot be read"):
                yield conn
        finally:
            with self._state:
                self._in_flight -= 1
                if not self._in_flight:
                    self._state.notify_all()

    @contextmanager
    def shared(self) -> Iterator[sqlite3.Connection]:
        """A connection of the pool watches read their changes through; waits while all are in use."""
        with self._state:
            self._state.wait_for(lambda: self._closed or bool(self._idle) or len(self._pool) < CHANGE_READERS)
            if self._closed:
                raise self._closed_error()
            if self._idle:
                conn = self._idle.pop()
            else:
                with storage_failures(self._path, "cannot be read"):
                    conn = connect(self._path, self._durability)
                self._pool.append(conn)
            self._in_flight += 1
        try:
            with storage_failures(self._path, "cannot be read"):
                yield conn
        finally:
            with self._state:
                self._idle.append(conn)
                self._in_flight -= 1
                self._state.notify_all()

    def _close_orphans(self) -> None:
        alive = []
        for thread, conn in self._own:
            if thread.is_alive():
                alive.append((thread, conn))
            else:
                conn.close()
        self._own = alive

    def refuse(self) -> None:
        """Refuse new reads (the first half of closing) and wake readers waiting for the pool."""
        with self._state:
            self._closed = True
            self._state.notify_all()

    def close(self) -> None:
        """Refuse new reads, wait for those in flight, then close every connection. Idempotent."""
        with self._state:
            self._closed = True
            self._state.wait_for(lambda: not self._in_flight)
            for conn in self._pool:
                conn.close()
            self._pool.clear()
            self._idle.clear()
            for _, conn in self._own:
                conn.close()
            self._own.clear()
