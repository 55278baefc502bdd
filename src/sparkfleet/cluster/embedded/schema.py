"""The SQLite layout of the embedded store, and how every connection to it is opened."""

from __future__ import annotations

import sqlite3
from enum import StrEnum
from pathlib import Path

SCHEMA_VERSION = 1

# Cluster-scoped objects have namespace "" (NULL would defeat the unique key).
# `probe` stays empty: the readiness check writes and deletes a row there to see whether writes succeed.
# The generated columns expose the fields controllers select on most (pods of a node, events of an
# object) to indexes, so those lists do not decode every body.
_DDL = """
CREATE TABLE IF NOT EXISTS meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    schema_version INTEGER NOT NULL,
    resource_version INTEGER NOT NULL,
    compacted_rv INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS objects (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    uid TEXT NOT NULL UNIQUE,
    resource_version INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    body TEXT NOT NULL,
    node_name TEXT GENERATED ALWAYS AS (json_extract(body, '$.spec.nodeName')) VIRTUAL,
    involved_name TEXT GENERATED ALWAYS AS (json_extract(body, '$.involvedObject.name')) VIRTUAL,
    UNIQUE (kind, namespace, name)
);
CREATE INDEX IF NOT EXISTS objects_by_node ON objects (kind, node_name);
CREATE INDEX IF NOT EXISTS objects_by_involved ON objects (kind, namespace, involved_name);
CREATE INDEX IF NOT EXISTS objects_by_namespace ON objects (namespace);
CREATE TABLE IF NOT EXISTS owners (
    owner_uid TEXT NOT NULL,
    dependent_uid TEXT NOT NULL,
    PRIMARY KEY (owner_uid, dependent_uid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS owners_by_dependent ON owners (dependent_uid);
CREATE TABLE IF NOT EXISTS changes (
    rv INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    kind TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    prev_rv INTEGER,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS probe (
    id INTEGER PRIMARY KEY,
    pad BLOB NOT NULL
);
"""

EVENT_TIME_SQL = (
    "coalesce(json_extract(body, '$.lastTimestamp'), json_extract(body, '$.eventTime'), "
    "json_extract(body, '$.metadata.creationTimestamp'))"
)
"""When an Event was last recorded (RFC 3339 text, which sorts as time does): what its expiry counts
from. Queries must spell it exactly so, to use the partial index below (Events only, so other writes do
not pay for it)."""
EVENT_INDEX = "events_by_time"
_EVENT_INDEX = f"CREATE INDEX IF NOT EXISTS {EVENT_INDEX} ON objects ({EVENT_TIME_SQL}) WHERE kind = 'Event'"


class Durability(StrEnum):
    """What an acknowledged write survives.

    PROCESS (the default): any crash or kill of the process. In WAL mode with synchronous=NORMAL a
    commit is in the write-ahead log before the call returns; only a power loss or kernel crash can take
    the last commits with it, and even then the file is never corrupt. MACHINE: a power loss too
    (synchronous=FULL, one fsync per commit, about four times slower per write).
    """

    PROCESS = "process"
    MACHINE = "machine"


_SYNCHRONOUS = {Durability.PROCESS: "NORMAL", Durability.MACHINE: "FULL"}
_WAL_SIZE_LIMIT = 64 * 1024 * 1024


def connect(path: Path, durability: Durability = Durability.PROCESS) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) with the chosen durability."""
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=30.0, cached_statements=256
    )
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute(f"PRAGMA synchronous = {_SYNCHRONOUS[durability]}")
    conn.execute("PRAGMA cache_size = -16000")  # KiB
    # Checkpoint the WAL into the database less often than every 1000 pages: fewer fsyncs per write.
    conn.execute("PRAGMA wal_autocheckpoint = 4000")
    # The log's file is cut back to this once a checkpoint has copied it all, so a burst of writes (or
    # a compaction) does not leave a large -wal file behind.
    conn.execute(f"PRAGMA journal_size_limit = {_WAL_SIZE_LIMIT}")
    return conn


def initialise(conn: sqlite3.Connection) -> None:
    """Create the tables on first use; refuse a file written by an incompatible schema. A new file is
    made with incremental auto-vacuum, so compaction can hand freed pages back without a full VACUUM
    (a pragma that only takes effect before the first table; older files are converted once, see
    compaction.py)."""
    conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise RuntimeError(f"the store needs SQLite WAL mode, got journal_mode={mode}")
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in _DDL.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(_EVENT_INDEX)
        conn.execute(
            "INSERT OR IGNORE INTO meta (id, schema_version, resource_version, compacted_rv) "
            "VALUES (1, ?, 0, 0)",
            (SCHEMA_VERSION,),
        )
        (version,) = conn.execute("SELECT schema_version FROM meta WHERE id = 1").fetchone()
        if version != SCHEMA_VERSION:
            raise RuntimeError(f"store schema version {version} is not supported (expected {SCHEMA_VERSION})")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
