"""The `Cluster` port: a Kubernetes API server as the controllers see it.

Objects are plain Kubernetes-shaped JSON dicts. The semantics are Kubernetes' own (resourceVersion,
optimistic concurrency, status subresource, JSON merge patch, ownerReference garbage collection,
list+watch), so the embedded store and an adapter over a real API server are interchangeable.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

from sparkfleet.cluster.selectors import FieldSelector, LabelSelector

__all__ = [
    "Cluster",
    "FieldSelectorArg",
    "LabelSelectorArg",
    "Obj",
    "ObjectList",
    "Page",
    "PagedLists",
    "PropagationPolicy",
    "StorageHealth",
    "Transactions",
    "Watch",
    "WatchEvent",
    "WatchEventType",
    "one_transaction",
]

Obj = dict[str, Any]
LabelSelectorArg = str | LabelSelector | Mapping[str, str] | None
FieldSelectorArg = str | FieldSelector | None


class WatchEventType(StrEnum):
    ADDED = "ADDED"
    MODIFIED = "MODIFIED"
    DELETED = "DELETED"


class PropagationPolicy(StrEnum):
    # Deletion is immediate here, so Foreground and Background both remove dependents at once.
    BACKGROUND = "Background"
    FOREGROUND = "Foreground"
    ORPHAN = "Orphan"


@dataclass(frozen=True, slots=True)
class WatchEvent:
    type: WatchEventType
    object: Obj


@dataclass(slots=True)
class ObjectList:
    items: list[Obj]
    resourceVersion: str


@runtime_checkable
class Watch(Protocol):
    """A stream of changes; iterate it, and close it (or leave its `with` block) to stop."""

    def __iter__(self) -> Iterator[WatchEvent]: ...

    def __next__(self) -> WatchEvent: ...

    def close(self) -> None:
        """Stop the stream; a blocked iteration in another thread ends promptly."""
        ...

    @property
    def resource_version(self) -> str:
        """Where to resume: the resourceVersion up to which changes have been delivered."""
        ...

    def __enter__(self) -> Watch: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


@runtime_checkable
class Cluster(Protocol):
    """Kubernetes API semantics over plain dicts. `kind` accepts a kind, plural or short name."""

    def get(self, kind: str, namespace: str | None, name: str) -> Obj:
        """The object, or NotFound."""
        ...

    def list(
        self,
        kind: str,
        namespace: str | None = None,
        label_selector: LabelSelectorArg = None,
        field_selector: FieldSelectorArg = None,
    ) -> ObjectList:
        """Matching objects (namespace None or "": all namespaces) and the snapshot's resourceVersion."""
        ...

    def create(self, obj: Obj) -> Obj:
        """Store a new object: assigns uid, creationTimestamp, resourceVersion, generation 1; `generateName`
        picks a unique name; a namespaced kind without a namespace goes to "default".
        AlreadyExists / Invalid."""
        ...

    def create_many(self, objs: Sequence[Obj]) -> builtins.list[Obj]:
        """Create several objects; the embedded store does it in one all-or-nothing transaction."""
        ...

    def update(self, obj: Obj) -> Obj:
        """Replace everything but `status` (which is kept). If `metadata.resourceVersion` is set and stale:
        Conflict. `metadata.generation` bumps when anything outside metadata and status changed."""
        ...

    def update_status(self, obj: Obj) -> Obj:
        """Replace only `status`; same optimistic rule as `update`."""
        ...

    def patch(
        self, kind: str, namespace: str | None, name: str, patch: Obj, subresource: str | None = None
    ) -> Obj:
        """JSON merge patch (RFC 7386: null deletes a key, objects merge, everything else replaces).
        Without a subresource, status in the patch is ignored; with subresource "status", only status
        changes. A `metadata.resourceVersion` in the patch is a precondition (Conflict if stale)."""
        ...

    def delete(
        self,
        kind: str,
        namespace: str | None,
        name: str,
        propagation_policy: PropagationPolicy | str = PropagationPolicy.BACKGROUND,
    ) -> Obj:
        """Delete now and return the deleted object. Dependents (ownerReferences naming its uid) are deleted
        too, recursively, in the same transaction; "Orphan" removes those ownerReferences instead."""
        ...

    def bind(self, namespace: str, pod_name: str, node_name: str) -> Obj:
        """Set the pod's spec.nodeName (and its PodScheduled condition); Conflict if bound elsewhere."""
        ...

    def watch(
        self,
        kind: str | None,
        namespace: str | None = None,
        resource_version: str | None = None,
        label_selector: LabelSelectorArg = None,
        timeout_seconds: float | None = None,
        field_selector: FieldSelectorArg = None,
    ) -> Watch:
        """Changes of `kind` (None = every kind). From a resourceVersion: every change after it (Gone if the
        history no longer reaches back that far). Without one (or "0"): ADDED for every existing object, then
        changes from then on. An object moving into or out of the selectors arrives as ADDED or DELETED.
        `timeout_seconds` is measured on the cluster's clock; when it passes the stream ends."""
        ...

    def close(self) -> None:
        """Release the connection; open watches end."""
        ...


@dataclass(frozen=True)
class Page:
    """Up to `limit` matches after a position, read in one snapshot: `more` says whether any follow, and
    `remaining` how many (None when selectors make counting them mean reading them)."""

    items: list[Obj]
    resourceVersion: str
    more: bool
    remaining: int | None


@runtime_checkable
class PagedLists(Protocol):
    """A cluster that reads one page of a list without reading the rest (the embedded store); the API's
    `limit`/`continue` use it, so a page costs its own size, not the whole list's."""

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
        """The first `limit` matches in (namespace, name) order after `after` (None: from the start)."""
        ...


@runtime_checkable
class Transactions(Protocol):
    """A cluster that can make many writes one transaction (the embedded store): a controller applies a
    pass's effects together, so they cost one commit and a crash leaves all or none of them."""

    def transaction(self) -> AbstractContextManager[None]:
        """Every write this thread makes inside is part of one transaction, committed at the end (rolled
        back if the block raises). A write that fails inside changes nothing and raises as it would alone."""
        ...


def one_transaction(cluster: Cluster) -> AbstractContextManager[None]:
    """`cluster.transaction()` where the cluster has them, else nothing (each write stands alone)."""
    return cluster.transaction() if isinstance(cluster, Transactions) else nullcontext()


@runtime_checkable
class StorageHealth(Protocol):
    """A cluster that knows whether its own storage takes writes (the embedded store); /readyz asks."""

    def storage_problem(self) -> str | None:
        """None while writes succeed, else why they fail (checked again, so a disk that recovered reads
        as recovered)."""
        ...
