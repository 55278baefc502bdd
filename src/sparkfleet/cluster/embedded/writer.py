"""The embedded store's one write connection.

Every write is a `BEGIN IMMEDIATE` transaction, serialised by a lock here (and across processes by
SQLite's write lock), so a write is in the log when the call returns and a killed process leaves all of
it or none. A thread's `transaction()` gathers its writes into one transaction, each write in a savepoint
of its own; commits wake the store's watches through the notifier.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sparkfleet.cluster.embedded.disk import DiskState, open_writer, storage_failures
from sparkfleet.cluster.embedded.schema import Durability
from sparkfleet.cluster.embedded.tx import WriteTx
from sparkfleet.cluster.embedded.watch import Notifier
from sparkfleet.cluster.errors import ClusterError

__all__ = ["Writer"]

T = TypeVar("T")


class Writer:
    """The write connection, its lock and the transaction each thread has open."""

    def __init__(
        self, path: Path, durability: Durability, max_size: int | None, history_limit: int, notifier: Notifier
    ) -> None:
        self.path = path
        self.conn = open_writer(path, durability, max_size)
        self.lock = threading.Lock()
        """Held by every write, and by whatever must not overlap the store's closing."""
        self.closed = False
        self._disk = DiskState(path)
        self._history_limit = history_limit
        self._notifier = notifier
        self._batch = threading.local()  # .tx: the transaction this thread has open, if any

    def current(self) -> WriteTx | None:
        """The transaction this thread has open, if any."""
        tx: WriteTx | None = getattr(self._batch, "tx", None)
        return tx

    def refuse_closed(self) -> None:
        """Raise when the store is closed; call with `lock` held."""
        if self.closed:
            raise ClusterError(f"the cluster store {self.path} is closed")

    def write(self, work: Callable[[WriteTx], T]) -> T:
        """`work` as one transaction (or, inside this thread's `transaction()`, as a savepoint of it)."""
        batch = self.current()
        if batch is not None:
            return batch.savepoint(work)
        with self.lock:
            self.refuse_closed()
            conn = self.conn
            with self._disk.writing():
                conn.execute("BEGIN IMMEDIATE")
                try:
                    tx = WriteTx(conn, self._history_limit)
                    result = work(tx)
                    tx.finish()
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
        if tx.changed:
            self._notifier.notify()
        return result

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Every write of this thread inside is one transaction, each in a savepoint of its own (so one
        that fails leaves the others); committed at the end, rolled back if the block raises."""
        if self.current() is not None:
            yield  # already inside one: a single transaction still
            return
        with self.lock:
            self.refuse_closed()
            conn = self.conn
            with self._disk.writing():
                conn.execute("BEGIN IMMEDIATE")
                tx = WriteTx(conn, self._history_limit)
                self._batch.tx = tx
                try:
                    yield
                    tx.finish()
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                finally:
                    self._batch.tx = None
        if tx.changed:
            self._notifier.notify()

    def maintain(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work` on the write connection outside any transaction, writers held off meanwhile (for
        compaction). A failure of the disk is a StorageError."""
        with self.lock:
            self.refuse_closed()
            with storage_failures(self.path, "cannot be compacted"):
                return work(self.conn)

    def storage_problem(self) -> str | None:
        """None while writes succeed; after a refused write, why writes fail, until a probe write (or any
        write) succeeds again."""
        with self.lock:
            if self.closed:
                return f"the cluster store {self.path} is closed"
            return self._disk.recheck(self.conn)
