"""One write transaction: the rows it touches, the resourceVersions it hands out, the changes it logs.

Every stored change gets the next value of the global counter and a row in `changes`, which is what
watchers read; both happen in the same transaction as the object write, so they cannot disagree.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sparkfleet.cluster.embedded.codec import dumps, loads
from sparkfleet.cluster.embedded.rules import content_changed, owner_uids, validate_stored
from sparkfleet.cluster.errors import AlreadyExists, NotFound
from sparkfleet.cluster.kinds import KindInfo

Obj = dict[str, Any]
T = TypeVar("T")


@dataclass(slots=True)
class Stored:
    """A row as read inside the transaction; `obj` is a private decoded copy."""

    row_id: int
    kind: str
    namespace: str
    name: str
    uid: str
    rv: int
    obj: Obj


_COLUMNS = "id, kind, namespace, name, uid, resource_version, body"


def _stored(row: tuple[Any, ...]) -> Stored:
    return Stored(row[0], row[1], row[2], row[3], row[4], row[5], loads(row[6]))


class WriteTx:
    def __init__(self, conn: sqlite3.Connection, history_limit: int) -> None:
        self._conn = conn
        self._history_limit = history_limit
        rv, compacted = conn.execute(
            "SELECT resource_version, compacted_rv FROM meta WHERE id = 1"
        ).fetchone()
        self._rv: int = rv
        self._compacted: int = compacted
        self._start_rv: int = rv

    @property
    def changed(self) -> bool:
        return self._rv != self._start_rv

    def _next_rv(self) -> int:
        self._rv += 1
        return self._rv

    def load(self, info: KindInfo, namespace: str, name: str) -> Stored | None:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM objects WHERE kind = ? AND namespace = ? AND name = ?",
            (info.kind, namespace, name),
        ).fetchone()
        return None if row is None else _stored(row)

    def require(self, info: KindInfo, namespace: str, name: str) -> Stored:
        found = self.load(info, namespace, name)
        if found is None:
            raise NotFound.of(info.resource, name)
        return found

    def exists(self, info: KindInfo, namespace: str, name: str) -> bool:
        return (
            self._conn.execute(
                "SELECT 1 FROM objects WHERE kind = ? AND namespace = ? AND name = ?",
                (info.kind, namespace, name),
            ).fetchone()
            is not None
        )

    def uid_exists(self, uid: str) -> bool:
        return self._conn.execute("SELECT 1 FROM objects WHERE uid = ?", (uid,)).fetchone() is not None

    def dependents(self, owner_uid: str) -> list[Stored]:
        rows = self._conn.execute(
            "SELECT o.id, o.kind, o.namespace, o.name, o.uid, o.resource_version, o.body FROM owners w "
            "JOIN objects o ON o.uid = w.dependent_uid WHERE w.owner_uid = ? ORDER BY o.id",
            (owner_uid,),
        ).fetchall()
        return [_stored(row) for row in rows]

    def matching(self, index: str, condition: str, params: tuple[object, ...], limit: int) -> list[Stored]:
        """At most `limit` objects that an SQL `condition` on the objects table selects through `index`,
        in its order."""
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM objects INDEXED BY {index} WHERE {condition} LIMIT ?", (*params, limit)
        )
        return [_stored(row) for row in rows.fetchall()]

    def in_namespace(self, namespace: str) -> list[Stored]:
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM objects WHERE namespace = ? ORDER BY id", (namespace,)
        )
        return [_stored(row) for row in rows.fetchall()]

    def _log(
        self, rv: int, change: str, stored: tuple[str, str, str], prev_rv: int | None, text: str
    ) -> None:
        self._conn.execute(
            "INSERT INTO changes (rv, type, kind, namespace, name, prev_rv, body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (rv, change, *stored, prev_rv, text),
        )

    def _index_owners(self, uid: str, owners: list[str]) -> None:
        self._conn.executemany(
            "INSERT OR IGNORE INTO owners (owner_uid, dependent_uid) VALUES (?, ?)",
            [(o, uid) for o in owners],
        )

    def insert(self, info: KindInfo, namespace: str, body: Obj) -> Obj:
        metadata = body["metadata"]
        name, uid = metadata["name"], metadata["uid"]
        rv = self._next_rv()
        metadata["resourceVersion"] = str(rv)
        text = dumps(body, info.kind, name)
        try:
            self._conn.execute(
                "INSERT INTO objects (kind, namespace, name, uid, resource_version, generation, body) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (info.kind, namespace, name, uid, rv, metadata["generation"], text),
            )
        except sqlite3.IntegrityError as exc:
            raise AlreadyExists.of(info.resource, name) from exc
        self._log(rv, "ADDED", (info.kind, namespace, name), None, text)
        owners = owner_uids(body)
        if owners:
            self._index_owners(uid, owners)
        result: Obj = loads(text)
        return result

    def replace(self, info: KindInfo, current: Stored, body: Obj) -> Obj:
        """Store `body` as the next version of `current`; an update that changes nothing is not a change."""
        old = current.obj
        metadata = body["metadata"]
        generation = old["metadata"].get("generation", 1)
        metadata["generation"] = generation + 1 if content_changed(old, body) else generation
        metadata["resourceVersion"] = old["metadata"]["resourceVersion"]
        if body == old:
            return old
        validate_stored(info, body)
        rv = self._next_rv()
        metadata["resourceVersion"] = str(rv)
        text = dumps(body, info.kind, current.name)
        self._conn.execute(
            "UPDATE objects SET resource_version = ?, generation = ?, body = ? WHERE id = ?",
            (rv, metadata["generation"], text, current.row_id),
        )
        self._log(rv, "MODIFIED", (current.kind, current.namespace, current.name), current.rv, text)
        owners = owner_uids(body)
        if owners != owner_uids(old):
            self._conn.execute("DELETE FROM owners WHERE dependent_uid = ?", (current.uid,))
            self._index_owners(current.uid, owners)
        result: Obj = loads(text)
        return result

    def remove(self, current: Stored) -> Obj:
        """Delete the row; the DELETED change carries the last body with the deletion's resourceVersion."""
        rv = self._next_rv()
        body = current.obj
        body["metadata"]["resourceVersion"] = str(rv)
        text = dumps(body, current.kind, current.name)
        self._conn.execute("DELETE FROM objects WHERE id = ?", (current.row_id,))
        self._conn.execute("DELETE FROM owners WHERE dependent_uid = ?", (current.uid,))
        self._log(rv, "DELETED", (current.kind, current.namespace, current.name), current.rv, text)
        return body

    def savepoint(self, work: Callable[[WriteTx], T]) -> T:
        """`work` inside this transaction, undone alone if it raises (its resourceVersions handed back)."""
        rv = self._rv
        self._conn.execute("SAVEPOINT write")
        try:
            result = work(self)
        except BaseException:
            self._conn.execute("ROLLBACK TO write")
            self._conn.execute("RELEASE write")
            self._rv = rv
            raise
        self._conn.execute("RELEASE write")
        return result

    def finish(self) -> None:
        """Advance the global counter; drop history beyond the window, in batches to keep writes cheap."""
        if not self.changed:
            return
        self._conn.execute("UPDATE meta SET resource_version = ? WHERE id = 1", (self._rv,))
        batch = max(1, self._history_limit // 10)
        if self._rv - self._compacted > self._history_limit + batch:
            horizon = self._rv - self._history_limit
            self._conn.execute("DELETE FROM changes WHERE rv <= ?", (horizon,))
            self._conn.execute("UPDATE meta SET compacted_rv = ? WHERE id = 1", (horizon,))
