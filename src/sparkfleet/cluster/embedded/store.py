"""`EmbeddedCluster`: the `Cluster` port on one SQLite file.

Durability: WAL (synchronous NORMAL or FULL, see `Durability`), and every API call is one
`BEGIN IMMEDIATE` transaction, so a write is in the log when the call returns and a killed process
leaves either all of a write or none of it.
Concurrency: writes are serialised by a lock (and across processes by SQLite's write lock); reads never
wait for writers (their connections: readers.py).
Disk trouble: see disk.py (a refused write is a StorageError, 507; `storage_problem` says whether writes
fail).
"""

from __future__ import annotations

import builtins
import itertools
import random
import sqlite3
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.clock import Clock
from sparkfleet.cluster.closing import Closing
from sparkfleet.cluster.defaults import bound_pod
from sparkfleet.cluster.embedded import rules
from sparkfleet.cluster.embedded.codec import loads
from sparkfleet.cluster.embedded.collector import delete_with_dependents
from sparkfleet.cluster.embedded.disk import setup_lock
from sparkfleet.cluster.embedded.expiry import EXPIRY_BATCH, expire_events
from sparkfleet.cluster.embedded.query import list_sql, matching
from sparkfleet.cluster.embedded.readers import Readers
from sparkfleet.cluster.embedded.schema import Durability
from sparkfleet.cluster.embedded.snapshotlist import SnapshotList
from sparkfleet.cluster.embedded.tx import WriteTx
from sparkfleet.cluster.embedded.watch import ChangeRow, EmbeddedWatch, Notifier
from sparkfleet.cluster.embedded.writer import Writer
from sparkfleet.cluster.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    Gone,
    Invalid,
    NotFound,
)
from sparkfleet.cluster.kinds import KindInfo, lookup
from sparkfleet.cluster.port import (
    FieldSelectorArg,
    LabelSelectorArg,
    Obj,
    ObjectList,
    Page,
    PropagationPolicy,
)
from sparkfleet.cluster.selectors import FieldSelector, LabelSelector, as_field_selector, as_label_selector

__all__ = ["EmbeddedCluster"]

T = TypeVar("T")

# Kubernetes' generateName alphabet: lowercase consonants and digits that cannot spell words.
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_MAX_GENERATE_PREFIX = 58
_WATCH_BATCH = 1000


class EmbeddedCluster(Closing):
    """A durable object store with Kubernetes API semantics. Share one instance between threads."""

    def __init__(
        self,
        path: Path | str,
        clock: Clock,
        *,
        history_limit: int = 100_000,
        poll_interval: float = 0.05,
        durability: Durability = Durability.PROCESS,
        max_size: int | None = None,
    ) -> None:
        """`history_limit`: changes kept for resuming watches; `poll_interval`: how often (real seconds) an
        idle watch looks for writes made by other processes; `durability`: see `Durability`; `max_size`:
        bytes the file may grow to, beyond which writes are refused as on a full disk (None: the disk's).
        A store that cannot be opened (read-only or full home) raises StorageError."""
        if history_limit < 1:
            raise ValueError("history_limit must be at least 1")
        self.path = Path(path)
        self.clock = clock
        self._history_limit = history_limit
        self._poll_interval = poll_interval
        self._durability = durability
        self._readers = Readers(self.path, durability)
        # (real time, notifier seq, head rv, compacted rv) of the latest change read: idle watches that
        # are already at the head skip the database until a commit here or a poll interval passes.
        self._head: tuple[float, int, int, int] | None = None
        self._notifier = Notifier()
        self._writer = Writer(self.path, durability, max_size, history_limit, self._notifier)
        self._watches: weakref.WeakSet[EmbeddedWatch] = weakref.WeakSet()
        self._random = random.Random()

    # --- connections -------------------------------------------------------------------------------

    def _write(self, work: Callable[[WriteTx], T]) -> T:
        return self._writer.write(work)

    def transaction(self) -> AbstractContextManager[None]:
        """Every write of this thread inside is one transaction, each in a savepoint of its own (so one
        that fails leaves the others); committed at the end, rolled back if the block raises."""
        return self._writer.transaction()

    def maintain(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work` on the write connection outside any transaction, this store's writers held off
        meanwhile: for compaction (compaction.py). A failure of the disk is a StorageError."""
        return self._writer.maintain(work)

    def expire_events(self, before: datetime, limit: int = EXPIRY_BATCH) -> int:
        """Delete at most `limit` Events last recorded before `before`, in one transaction (expiry.py);
        how many went."""
        cutoff = format_rfc3339(before)
        return self._write(lambda tx: expire_events(tx, cutoff, limit))

    def storage_problem(self) -> str | None:
        """None while writes succeed; after a refused write, why writes fail, until a probe write (or
        any write) succeeds again. What /readyz reports."""
        return self._writer.storage_problem()

    def first_use(self) -> AbstractContextManager[None]:
        """The store's setup lock, held across processes: for work on a new store that must run once,
        such as seeding it. Not re-entrant."""
        return setup_lock(self.path)

    def close(self) -> None:
        """End open watches and close every connection. Idempotent."""
        with self._writer.lock:
            if self._writer.closed:
                return
            self._writer.closed = True
            self._readers.refuse()
        for watch in list(self._watches):
            watch.close()
        self._notifier.notify()
        with self._writer.lock:
            self._readers.close()
            self._writer.conn.close()

    # --- reads -------------------------------------------------------------------------------------

    @staticmethod
    def _namespace(info: KindInfo, namespace: str | None) -> str:
        if not info.namespaced:
            return ""
        return namespace or rules.DEFAULT_NAMESPACE

    def get(self, kind: str, namespace: str | None, name: str) -> Obj:
        info = lookup(kind)
        batch = self._writer.current()
        if batch is not None:  # inside a transaction: see its own writes (lists see the state before it)
            return batch.require(info, self._namespace(info, namespace), name).obj
        with self._readers.own() as conn:
            row = conn.execute(
                "SELECT body FROM objects WHERE kind = ? AND namespace = ? AND name = ?",
                (info.kind, self._namespace(info, namespace), name),
            ).fetchone()
        if row is None:
            raise NotFound.of(info.resource, name)
        result: Obj = loads(row[0])
        return result

    def _select(
        self,
        kind: str | None,
        namespace: str | None,
        labels: LabelSelector | None,
        fields: FieldSelector | None,
    ) -> tuple[list[Obj], int]:
        """Matching objects and the resourceVersion they are current at, read in one snapshot."""
        sql, params = list_sql(kind, namespace, labels, fields)
        with self._readers.own() as conn:
            conn.execute("BEGIN")
            try:
                (rv,) = conn.execute("SELECT resource_version FROM meta WHERE id = 1").fetchone()
                rows = conn.execute(sql, params).fetchall()
            finally:
                conn.execute("COMMIT")
        return list(matching(rows, labels, fields)), rv

    def list(
        self,
        kind: str,
        namespace: str | None = None,
        label_selector: LabelSelectorArg = None,
        field_selector: FieldSelectorArg = None,
    ) -> ObjectList:
        info = lookup(kind)
        scope = (namespace or None) if info.namespaced else None
        items, rv = self._select(
            info.kind, scope, as_label_selector(label_selector), as_field_selector(field_selector)
        )
        return ObjectList(items=items, resourceVersion=str(rv))

    def list_page(
        self,
        kind: str,
        namespace: str | None,
        label_selector: LabelSelectorArg,
        field_selector: FieldSelectorArg,
        *,
        limit: int,
        after: tuple[str, str] | None,
    ) -> Page:
        """See `PagedLists`: rows are decoded one at a time and reading stops after the page."""
        info = lookup(kind)
        scope = (namespace or None) if info.namespaced else None
        labels, fields = as_label_selector(label_selector), as_field_selector(field_selector)
        sql, params = list_sql(info.kind, scope, labels, fields, after=after)
        remaining: int | None = None
        with self._readers.own() as conn:
            conn.execute("BEGIN")
            try:
                (rv,) = conn.execute("SELECT resource_version FROM meta WHERE id = 1").fetchone()
                found = matching(conn.execute(sql, params), labels, fields)
                items = list(itertools.islice(found, limit))
                more = next(found, None) is not None
                if more and labels is None and fields is None:  # counted from the index, unread
                    last = items[-1]["metadata"]
                    where = (last.get("namespace") or "", last["name"])
                    count_sql, count_params = list_sql(info.kind, scope, None, None, after=where, count=True)
                    (remaining,) = conn.execute(count_sql, count_params).fetchone()
            finally:
                conn.execute("COMMIT")
        return Page(items, str(rv), more, remaining)

    def count(self, kind: str, namespace: str | None) -> int:
        """How many objects of `kind` the namespace holds (every namespace for None), from the index
        without reading them: what an object-count quota asks before each create."""
        info = lookup(kind)
        sql, params = "SELECT COUNT(*) FROM objects WHERE kind = ?", [info.kind]
        if info.namespaced and namespace:
            sql, params = f"{sql} AND namespace = ?", [info.kind, namespace]
        with self._readers.own() as conn:
            (found,) = conn.execute(sql, params).fetchone()
        return int(found)

    @property
    def resource_version(self) -> str:
        """The store's current resourceVersion (of its latest change)."""
        with self._readers.own() as conn:
            (rv,) = conn.execute("SELECT resource_version FROM meta WHERE id = 1").fetchone()
        return str(rv)

    # --- writes ------------------------------------------------------------------------------------

    def _create(self, tx: WriteTx, obj: Obj) -> Obj:
        if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str):
            raise Invalid("Object 'Kind' is missing: every object needs a kind")
        info = lookup(obj["kind"])
        metadata = rules.metadata_of(obj, info.kind)
        name = metadata.get("name")
        prefix = metadata.get("generateName")
        namespace = rules.namespace_of(info, metadata.get("namespace"), str(name or prefix or ""))
        if not name:
            if not isinstance(prefix, str) or not prefix:
                raise Invalid(
                    f"{info.kind} is invalid: metadata.name: Required value: "
                    "name or generateName is required",
                    kind=info.kind,
                )
            name = self._generate_name(tx, info, namespace, prefix)
        body = rules.new_body(
            info,
            obj,
            name=name,
            namespace=namespace,
            uid=str(uuid.uuid4()),
            now=format_rfc3339(self.clock.now()),
        )
        return tx.insert(info, namespace, body)

    def _generate_name(self, tx: WriteTx, info: KindInfo, namespace: str, prefix: str) -> str:
        prefix = prefix[:_MAX_GENERATE_PREFIX]
        for _ in range(16):
            candidate = prefix + "".join(self._random.choices(_NAME_ALPHABET, k=5))
            if not tx.exists(info, namespace, candidate):
                return candidate
        raise AlreadyExists(
            f'{info.resource} "{prefix}": no free name after 16 tries with generateName', kind=info.resource
        )

    def create(self, obj: Obj) -> Obj:
        return self._write(lambda tx: self._create(tx, obj))

    def create_many(self, objs: Sequence[Obj]) -> builtins.list[Obj]:
        """Create all of `objs` in one transaction: either every one is stored or none is."""
        return self._write(lambda tx: [self._create(tx, obj) for obj in objs])

    def _locate(self, obj: Obj) -> tuple[KindInfo, str, str]:
        if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str):
            raise Invalid("Object 'Kind' is missing: every object needs a kind")
        info = lookup(obj["kind"])
        namespace, name = rules.locate(info, obj)
        return info, namespace, name

    def update(self, obj: Obj) -> Obj:
        info, namespace, name = self._locate(obj)

        def work(tx: WriteTx) -> Obj:
            current = tx.require(info, namespace, name)
            return tx.replace(info, current, rules.updated_body(info, current.obj, obj))

        return self._write(work)

    def update_status(self, obj: Obj) -> Obj:
        info, namespace, name = self._locate(obj)

        def work(tx: WriteTx) -> Obj:
            current = tx.require(info, namespace, name)
            return tx.replace(info, current, rules.status_updated_body(info, current.obj, obj))

        return self._write(work)

    def patch(
        self, kind: str, namespace: str | None, name: str, patch: Obj, subresource: str | None = None
    ) -> Obj:
        info = lookup(kind)
        scope = self._namespace(info, namespace)

        def work(tx: WriteTx) -> Obj:
            current = tx.require(info, scope, name)
            return tx.replace(info, current, rules.patched_body(info, current.obj, patch, subresource))

        return self._write(work)

    def bind(self, namespace: str, pod_name: str, node_name: str) -> Obj:
        info = lookup("Pod")
        scope = self._namespace(info, namespace)
        if not node_name:
            raise Invalid(f'Binding "{pod_name}" is invalid: target.name: Required value', kind="Binding")

        def work(tx: WriteTx) -> Obj:
            current = tx.require(info, scope, pod_name)
            bound = (current.obj.get("spec") or {}).get("nodeName")
            if bound == node_name:
                return current.obj
            if bound:
                raise Conflict(
                    f'Operation cannot be fulfilled on pods/binding "{pod_name}": pod {pod_name} is already '
                    f'assigned to node "{bound}"',
                    kind="pods/binding",
                    name=pod_name,
                )
            return tx.replace(
                info, current, bound_pod(current.obj, node_name, format_rfc3339(self.clock.now()))
            )

        return self._write(work)

    def delete(
        self,
        kind: str,
        namespace: str | None,
        name: str,
        propagation_policy: PropagationPolicy | str = PropagationPolicy.BACKGROUND,
    ) -> Obj:
        info = lookup(kind)
        scope = self._namespace(info, namespace)
        try:
            policy = PropagationPolicy(propagation_policy)
        except ValueError:
            raise BadRequest(
                f'propagationPolicy "{propagation_policy}" is not one of '
                f"{', '.join(p.value for p in PropagationPolicy)}"
            ) from None
        return self._write(lambda tx: delete_with_dependents(tx, info, scope, name, policy))

    # --- watch -------------------------------------------------------------------------------------

    def _read_changes(
        self, after: int, kind: str | None, namespace: str | None, with_previous: bool
    ) -> tuple[int, int, builtins.list[ChangeRow]]:
        head_seen, seq = self._head, self._notifier.seq
        if (
            head_seen is not None
            and head_seen[1] == seq
            and head_seen[2] <= after
            and time.monotonic() - head_seen[0] < self._poll_interval
        ):
            return head_seen[3], after, []
        where = ["c.rv > ?"]
        params: list[object] = [after]
        if kind is not None:
            where.append("c.kind = ?")
            params.append(kind)
        if namespace is not None:
            where.append("c.namespace = ?")
            params.append(namespace)
        previous = "p.body" if with_previous else "NULL"
        join = " LEFT JOIN changes p ON c.type = 'MODIFIED' AND p.rv = c.prev_rv" if with_previous else ""
        sql = (
            f"SELECT c.rv, c.type, c.body, {previous} FROM changes c{join} WHERE {' AND '.join(where)} "
            f"ORDER BY c.rv LIMIT {_WATCH_BATCH}"
        )
        with self._readers.shared() as conn:
            conn.execute("BEGIN")
            try:
                head, compacted = conn.execute(
                    "SELECT resource_version, compacted_rv FROM meta WHERE id = 1"
                ).fetchone()
                rows: list[ChangeRow] = conn.execute(sql, params).fetchall()
            finally:
                conn.execute("COMMIT")
        self._head = (time.monotonic(), seq, head, compacted)
        # A full batch may stop short of the head; otherwise everything up to the head has been seen.
        cursor = rows[-1][0] if len(rows) == _WATCH_BATCH else max(head, after)
        return compacted, cursor, rows

    def watch(
        self,
        kind: str | None,
        namespace: str | None = None,
        resource_version: str | None = None,
        label_selector: LabelSelectorArg = None,
        timeout_seconds: float | None = None,
        field_selector: FieldSelectorArg = None,
    ) -> EmbeddedWatch:
        info = lookup(kind) if kind is not None else None
        kind_name = info.kind if info is not None else None
        scope = None if info is not None and not info.namespaced else (namespace or None)
        labels = as_label_selector(label_selector)
        fields = as_field_selector(field_selector)
        initial: Iterable[Obj] = ()
        if resource_version in (None, "", "0"):
            with self._writer.lock:  # not while the store closes
                self._writer.refuse_closed()
                listing = SnapshotList(self.path, self._durability, kind_name, scope, labels, fields)
            initial, cursor = listing, listing.resource_version
        else:
            cursor = _parse_rv(str(resource_version))
            with self._readers.own() as conn:
                (compacted,) = conn.execute("SELECT compacted_rv FROM meta WHERE id = 1").fetchone()
            if cursor < compacted:
                raise Gone(f"too old resource version: {cursor} ({compacted})")
        deadline = None if timeout_seconds is None else self.clock.monotonic() + timeout_seconds
        watch = EmbeddedWatch(
            self._read_changes,
            self._notifier,
            self.clock,
            self._poll_interval,
            kind=kind_name,
            namespace=scope,
            labels=labels,
            fields=fields,
            cursor=cursor,
            initial=initial,
            deadline=deadline,
        )
        self._watches.add(watch)
        return watch


def _parse_rv(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f'invalid resourceVersion "{text}": must be an integer') from None
    if value < 0:
        raise BadRequest(f'invalid resourceVersion "{text}": must not be negative')
    return value
