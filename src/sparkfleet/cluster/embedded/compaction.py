"""Compaction: the store's file gives back the space that deleted objects, expired Events and dropped
watch history leave behind, while the cluster runs.

SQLite keeps freed pages in the file for reuse. A store made with `auto_vacuum = INCREMENTAL` (every new
one, see schema.py) can move them to the end and cut the file there a few at a time
(`PRAGMA incremental_vacuum(N)`), each step a short write that other writers queue behind. A store made
before that has the mode set and is rebuilt once with `VACUUM`, which holds writes off for as long as
copying the file takes, so it is done when the cluster starts. The write-ahead log is then checkpointed
without waiting for readers, which is what shrinks the file itself in WAL mode.

Every function here runs on the store's write connection outside a transaction, with the store's
writers held off (`EmbeddedCluster.maintain`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

__all__ = ["RECLAIM_STEP", "FileSpace", "checkpoint", "make_incremental", "reclaim", "space"]

RECLAIM_STEP = 256
"""Pages (1 MiB at the default page size) handed back per step: a few milliseconds of writing."""
_INCREMENTAL = 2


@dataclass(frozen=True, slots=True)
class FileSpace:
    pages: int
    free_pages: int
    page_size: int
    incremental: bool

    @property
    def free_bytes(self) -> int:
        return self.free_pages * self.page_size


def space(conn: sqlite3.Connection) -> FileSpace:
    """The file's pages, how many of them are free, and whether it is in incremental auto-vacuum."""
    (pages,) = conn.execute("PRAGMA page_count").fetchone()
    (free,) = conn.execute("PRAGMA freelist_count").fetchone()
    (size,) = conn.execute("PRAGMA page_size").fetchone()
    (mode,) = conn.execute("PRAGMA auto_vacuum").fetchone()
    return FileSpace(int(pages), int(free), int(size), int(mode) == _INCREMENTAL)


def make_incremental(conn: sqlite3.Connection) -> bool:
    """Put a store made without incremental auto-vacuum into it with a one-time VACUUM (which also
    compacts it); False when it was in it already."""
    if space(conn).incremental:
        return False
    conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
    conn.execute("VACUUM")
    return True


def reclaim(conn: sqlite3.Connection, pages: int = RECLAIM_STEP) -> int:
    """Hand back at most `pages` free pages at the end of the file; how many were."""
    before = space(conn)
    if not before.incremental or not before.free_pages:
        return 0
    # A script, because the pragma frees one page per step of its statement and `execute` steps once.
    conn.executescript(f"PRAGMA incremental_vacuum({max(1, int(pages))});")
    return before.free_pages - space(conn).free_pages


def checkpoint(conn: sqlite3.Connection) -> None:
    """Copy the write-ahead log into the file as far as readers allow, without waiting for them: once it
    is all copied, the file is cut to its pages and the log to its size limit."""
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
