"""The list that starts a list+watch, read lazily from one snapshot.

A watch from "now" first hands out an ADDED event for every object that matches, all as of one
resourceVersion. Reading them all up front holds the whole list in memory for as long as its consumer
takes, once per watch: with every controller watching pods, that is the whole history of pods several
times over. Here the list is a cursor of its own read transaction instead, decoded one object at a time
as the watch hands them out, and the transaction ends (so the write-ahead log can be checkpointed past
it) when the last one has been read or the watch is closed.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from sparkfleet.cluster.embedded.disk import storage_failures
from sparkfleet.cluster.embedded.query import list_sql, matching
from sparkfleet.cluster.embedded.schema import Durability, connect
from sparkfleet.cluster.port import Obj
from sparkfleet.cluster.selectors import FieldSelector, LabelSelector

__all__ = ["SnapshotList"]


class SnapshotList:
    """The objects matching a list, as of `resource_version`, one at a time. Close it (or read it to the
    end) to end its transaction; closing from another thread is safe."""

    def __init__(
        self,
        path: Path,
        durability: Durability,
        kind: str | None,
        namespace: str | None,
        labels: LabelSelector | None,
        fields: FieldSelector | None,
    ) -> None:
        self._path = path
        self._lock = threading.RLock()
        sql, params = list_sql(kind, namespace, labels, fields)
        with storage_failures(path, "cannot be read"):
            conn = connect(path, durability)
            try:
                conn.execute("BEGIN")
                (rv,) = conn.execute("SELECT resource_version FROM meta WHERE id = 1").fetchone()
                rows = conn.execute(sql, params)
            except BaseException:
                conn.close()
                raise
        self._conn: sqlite3.Connection | None = conn
        self._rows = rows
        self.resource_version: int = rv
        self._objects: Iterator[Obj] = matching(rows, labels, fields)

    def __iter__(self) -> SnapshotList:
        return self

    def __next__(self) -> Obj:
        with self._lock:
            if self._conn is None:
                raise StopIteration
            with storage_failures(self._path, "cannot be read"):
                found = next(self._objects, None)
            if found is None:
                self.close()
                raise StopIteration
            return found

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                # The cursor first: a connection closed with a statement still stepping stays open
                # (and its snapshot held) until that statement is finalized.
                self._rows.close()
                self._objects = iter(())
                conn.close()  # ends the read transaction with it
