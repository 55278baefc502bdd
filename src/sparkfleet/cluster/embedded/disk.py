"""When the store's disk fails, and how a store is opened safely by several processes at once.

A write refused for lack of space, a read-only home or an I/O error becomes a `StorageError` (507) naming
the store and the cause, never an internal error; the store remembers that its writes fail until one
succeeds again (what `/readyz` reports), and SQLite rolls the refused transaction back, so the file
stays whole. The first opening of a store (WAL mode, the tables) and its seeding run under an exclusive
lock on `<store>.lock`, so two processes starting one brand-new cluster at once do it one after the
other instead of racing.
"""

from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sparkfleet.cluster.embedded.schema import Durability, connect, initialise
from sparkfleet.cluster.errors import StorageError

__all__ = [
    "DiskState",
    "open_writer",
    "os_storage_error",
    "setup_lock",
    "sqlite_storage_error",
    "storage_failures",
]

_FULL = "free space on the disk of {home}"
_STORE_FULL = "free space on the disk of {home}, or raise the store's size limit"
_READ_ONLY = "the cluster home {home} must be writable by this user: check its mount and permissions"
_IO = "a disk I/O error under {home}: the disk may be full, read-only or failing"
_DAMAGED = "the file is damaged: restore it from a backup, or move it away to start a new cluster"

_SQLITE_HINTS = {
    sqlite3.SQLITE_FULL: _STORE_FULL,
    sqlite3.SQLITE_READONLY: _READ_ONLY,
    sqlite3.SQLITE_PERM: _READ_ONLY,
    sqlite3.SQLITE_CANTOPEN: _READ_ONLY,
    sqlite3.SQLITE_IOERR: _IO,
    sqlite3.SQLITE_CORRUPT: _DAMAGED,
    sqlite3.SQLITE_NOTADB: _DAMAGED,
}
_OS_HINTS = {
    errno.ENOSPC: _FULL,
    errno.EDQUOT: _FULL,
    errno.EFBIG: _FULL,
    errno.EROFS: _READ_ONLY,
    errno.EACCES: _READ_ONLY,
    errno.EPERM: _READ_ONLY,
}

# The probe's row: large enough to need fresh pages (and WAL frames), so a store that is still full
# fails it, small enough to cost nothing.
_PROBE_BYTES = 64 * 1024


def sqlite_storage_error(exc: sqlite3.Error, path: Path, doing: str) -> StorageError | None:
    """`exc` as a StorageError ("the cluster store <path> <doing>: <cause> (<what to do>)"), or None
    when it is not a failure of the storage (a bug, a constraint)."""
    code = getattr(exc, "sqlite_errorcode", None)
    hint = None if code is None else _SQLITE_HINTS.get(code & 0xFF)
    if hint is None:
        return None
    return StorageError(f"the cluster store {path} {doing}: {exc} ({hint.format(home=path.parent)})")


@contextmanager
def storage_failures(path: Path, doing: str) -> Iterator[None]:
    """Raise the storage failures of the block as StorageError (see `sqlite_storage_error`)."""
    try:
        yield
    except sqlite3.Error as exc:
        failure = sqlite_storage_error(exc, path, doing)
        if failure is None:
            raise
        raise failure from exc


def os_storage_error(exc: OSError, path: Path, doing: str, what: str = "the cluster store") -> StorageError:
    """A file of the cluster home that cannot be made or written, as a StorageError naming it:
    "<what> <path> <doing>: <cause> (<what to do>)"."""
    hint = _OS_HINTS.get(exc.errno or 0, _IO)
    home = path if path.is_dir() else path.parent
    cause = exc.strerror or str(exc)
    return StorageError(f"{what} {path} {doing}: {cause} ({hint.format(home=home)})")


@contextmanager
def setup_lock(path: Path) -> Iterator[None]:
    """Hold the store's setup lock: exclusive across processes (flock), released if the holder dies.
    Not re-entrant: a thread holding it must not open the same store again meanwhile."""
    lock = path.with_name(f"{path.name}.lock")
    try:
        # Read-only is enough for flock, so an existing lock file also serves a home that is not ours.
        fd = os.open(lock, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise os_storage_error(exc, path, "cannot be opened") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def open_writer(path: Path, durability: Durability, max_size: int | None) -> sqlite3.Connection:
    """The store's write connection, the file made and checked under the setup lock; `max_size`
    (bytes) caps the file: writes that would grow it further are refused with SQLITE_FULL."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_storage_error(exc, path, "cannot be opened") from None
    with setup_lock(path):
        conn: sqlite3.Connection | None = None
        try:
            conn = connect(path, durability)
            initialise(conn)
            if max_size is not None:
                (page_size,) = conn.execute("PRAGMA page_size").fetchone()
                conn.execute(f"PRAGMA max_page_count = {max(1, max_size // page_size)}")
            return conn
        except BaseException as exc:
            if conn is not None:
                conn.close()
            failure = (
                sqlite_storage_error(exc, path, "cannot be opened")
                if isinstance(exc, sqlite3.Error)
                else None
            )
            if failure is None:
                raise
            raise failure from exc


class DiskState:
    """Whether the store's writes succeed: the last write's outcome, checked again on demand."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problem: str | None = None

    def write_failed(self, exc: sqlite3.Error) -> StorageError | None:
        """The StorageError `exc` stands for (remembered as the problem), or None if it is no storage
        failure."""
        failure = sqlite_storage_error(exc, self.path, "cannot take writes")
        if failure is not None:
            self.problem = failure.message
        return failure

    def write_succeeded(self) -> None:
        self.problem = None

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Around one write: its storage failure raised as StorageError and remembered, its success
        clearing what was remembered."""
        try:
            yield
        except sqlite3.Error as exc:
            failure = self.write_failed(exc)
            if failure is None:
                raise
            raise failure from exc
        self.write_succeeded()

    def recheck(self, conn: sqlite3.Connection) -> str | None:
        """After a failure, try a probe write on `conn` (the caller holds the write lock): None once
        writes succeed again, else why they fail. Nothing is probed while writes succeed."""
        if self.problem is None:
            return None
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(
                    "INSERT OR REPLACE INTO probe (id, pad) VALUES (1, zeroblob(?))", (_PROBE_BYTES,)
                )
                conn.execute("DELETE FROM probe")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    with suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            failure = self.write_failed(exc)
            if failure is None:
                raise
            return failure.message
        self.write_succeeded()
        return None
