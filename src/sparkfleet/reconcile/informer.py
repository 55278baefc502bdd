"""Informers: a controller's lists and watches of busy kinds served from memory, kept by one list and one
watch per kind (client-go's reflector, store and shared informer), so that a reconcile over 10,000 pods
does not fetch them from the API server each cycle.

The rules, as client-go's:
- a list is answered only once the first list has arrived (until then, and for a list with selectors,
  the API server answers);
- the store is updated before the event goes to the watches handed out, so a reconcile that an event
  woke up reads that event's state or a newer one;
- a watch handed out starts with ADDED for every object held, then every change, and never ends until
  it is closed (the informer relists and rewatches underneath, telling vanished objects as DELETED);
- objects read from the store are shared: callers treat them as read-only, as listers' objects are.

One addition: this process's own writes are applied to the store at once (read-your-writes), and an
event older than what the store holds (a lower resourceVersion, when both are integers, as the API
server's are) is not applied. A bind is assumed, as kube-scheduler's cache assumes it: the pod is held
bound from the moment the API server accepted the binding (which answers with a Status, not the pod)
until an event shows it bound, so no cycle sees it unbound again while its event is in flight.
"""

from __future__ import annotations

import builtins
import logging
import queue
import threading
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Protocol, runtime_checkable

from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.clock import Clock
from sparkfleet.cluster import (
    Cluster,
    FieldSelectorArg,
    Gone,
    LabelSelectorArg,
    Obj,
    ObjectList,
    PropagationPolicy,
    Watch,
    WatchEvent,
    WatchEventType,
    bound_pod,
)

__all__ = ["BindingPoster", "CachedCluster", "Informer"]

log = logging.getLogger("sparkfleet.reconcile.informer")

_RETRY_SECONDS = 0.5
_SYNC_TIMEOUT = 60.0
_Key = tuple[str, str]


@runtime_checkable
class BindingPoster(Protocol):
    """A cluster that can post a binding without reading the pod back (the HTTP adapter)."""

    def post_binding(self, namespace: str, pod_name: str, node_name: str) -> None: ...


def _key(obj: Obj) -> _Key:
    m = obj.get("metadata") or {}
    return (str(m.get("namespace") or ""), str(m.get("name") or ""))


def _version(obj: Obj) -> int | None:
    text = (obj.get("metadata") or {}).get("resourceVersion")
    try:
        return int(text) if text is not None else None
    except (TypeError, ValueError):
        return None


def _older(new: Obj, held: Obj | int | None) -> bool:
    """Whether `new` is older than what is held (an object, or the version a delete ended at)."""
    held_version = held if isinstance(held, int) or held is None else _version(held)
    new_version = _version(new)
    return held_version is not None and new_version is not None and new_version < held_version


class InformerWatch:
    """One watch handed out by an informer: the objects held as ADDED, then every change, until closed."""

    def __init__(self, informer: Informer, backlog: Iterable[WatchEvent], version: str) -> None:
        self._informer = informer
        self._events: queue.SimpleQueue[WatchEvent | None] = queue.SimpleQueue()
        for event in backlog:
            self._events.put(event)
        self._version = version
        self._closed = False

    def deliver(self, event: WatchEvent, version: str) -> None:
        self._events.put(event)
        self._version = version

    @property
    def resource_version(self) -> str:
        return self._version

    def __iter__(self) -> InformerWatch:
        return self

    def __next__(self) -> WatchEvent:
        event = None if self._closed else self._events.get()
        if event is None:
            raise StopIteration
        return event

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._informer.unsubscribe(self)
            self._events.put(None)  # wakes a reader blocked in another thread

    def __enter__(self) -> InformerWatch:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class Informer:
    """The objects of one kind, kept from the API server by a list and a watch on a thread of its own."""

    def __init__(self, cluster: Cluster, kind: str, clock: Clock) -> None:
        self.cluster = cluster
        self.kind = kind
        self.clock = clock
        self.synced = threading.Event()
        self._lock = threading.Lock()
        self._objects: dict[_Key, Obj] = {}
        self._deleted: dict[_Key, int | None] = {}  # what this process deleted, at the version it ended
        self._assumed: dict[_Key, str] = {}  # pods this process bound, to the node, until an event agrees
        self._version = ""
        self._subscribers: list[InformerWatch] = []
        self._stopping = threading.Event()
        self._watch: Watch | None = None
        self._thread: threading.Thread | None = None

    # -- the store --------------------------------------------------------------------------------
    def items(self) -> list[Obj]:
        with self._lock:
            return list(self._objects.values())

    @property
    def resource_version(self) -> str:
        return self._version

    def held(self, namespace: str, name: str) -> Obj | None:
        with self._lock:
            return self._objects.get((namespace, name))

    def assumed(self, namespace: str, name: str) -> bool:
        """Whether a bind of this process is held without the API server's event on it yet."""
        with self._lock:
            return (namespace, name) in self._assumed

    def assume_bound(self, pod: Obj, node_name: str) -> None:
        """A pod whose binding to `node_name` the API server accepted: bound here from now on."""
        with self._lock:
            key = _key(pod)
            self._objects[key] = pod
            self._assumed[key] = node_name

    def wrote(self, obj: Obj) -> None:
        """This process's write, as the API server answered it."""
        with self._lock:
            key = _key(obj)
            if not _older(obj, self._objects.get(key)):
                self._objects[key] = obj
                self._deleted.pop(key, None)

    def deleted(self, obj: Obj) -> None:
        """This process's delete: gone now, and its older events stay unapplied."""
        with self._lock:
            key = _key(obj)
            self._objects.pop(key, None)
            self._deleted[key] = _version(obj)

    def apply(self, event: WatchEvent, version: str) -> None:
        obj, key = event.object, _key(event.object)
        with self._lock:
            if key in self._deleted and event.type is not WatchEventType.DELETED:
                if _older(obj, self._deleted[key]) or _version(obj) == self._deleted[key]:
                    return  # the object as it was before this process deleted it
                del self._deleted[key]  # created again since
            if event.type is WatchEventType.DELETED:
                self._objects.pop(key, None)
                self._deleted.pop(key, None)
                self._assumed.pop(key, None)
            elif _older(obj, self._objects.get(key)):
                return
            else:
                node = self._assumed.get(key)
                if node is not None and (obj.get("spec") or {}).get("nodeName"):
                    del self._assumed[key]  # the API server's own word on it has arrived
                elif node is not None:
                    obj = {**obj, "spec": {**(obj.get("spec") or {}), "nodeName": node}}
                    event = WatchEvent(event.type, obj)
                self._objects[key] = obj
            self._version = version
            for watch in self._subscribers:
                watch.deliver(event, version)

    def replace(self, listed: ObjectList) -> None:
        """A fresh list: what it holds is ADDED or MODIFIED, what it lacks is DELETED."""
        fresh = {_key(o): o for o in listed.items}
        with self._lock:
            gone = [o for k, o in self._objects.items() if k not in fresh]
            self._deleted.clear()
        for obj in gone:
            self.apply(WatchEvent(WatchEventType.DELETED, obj), listed.resourceVersion)
        for key, obj in fresh.items():
            with self._lock:
                held = key in self._objects
            kind = WatchEventType.MODIFIED if held else WatchEventType.ADDED
            self.apply(WatchEvent(kind, obj), listed.resourceVersion)
        with self._lock:
            self._version = listed.resourceVersion

    # -- watches handed out -----------------------------------------------------------------------
    def subscribe(self) -> InformerWatch:
        with self._lock:
            backlog = [WatchEvent(WatchEventType.ADDED, o) for o in self._objects.values()]
            watch = InformerWatch(self, backlog, self._version)
            self._subscribers.append(watch)
        return watch

    def unsubscribe(self, watch: InformerWatch) -> None:
        with self._lock:
            if watch in self._subscribers:
                self._subscribers.remove(watch)

    # -- the thread -------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"informer-{self.kind}")
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        watch = self._watch
        if watch is not None:
            watch.close()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            subscriber.close()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                listed = self.cluster.list(self.kind)
                self.replace(listed)
                self.synced.set()
                self._follow(listed.resourceVersion)
            except Gone:
                continue  # the history no longer reaches back: relist
            except Exception:
                if self._stopping.is_set():
                    break
                log.exception("informer %s: list or watch failed; relisting", self.kind)
                self.clock.sleep(_RETRY_SECONDS)

    def _follow(self, version: str) -> None:
        """Watch from `version` until stopped; a stream the server ends is resumed where it stopped."""
        while not self._stopping.is_set():
            self._watch = watch = self.cluster.watch(self.kind, resource_version=version)
            try:
                for event in watch:
                    if self._stopping.is_set():
                        return
                    version = _version_of(event, watch.resource_version)
                    self.apply(event, version)
                version = watch.resource_version or version
            finally:
                watch.close()


def _version_of(event: WatchEvent, fallback: str) -> str:
    text = (event.object.get("metadata") or {}).get("resourceVersion")
    return str(text) if text else fallback


class CachedCluster:
    """`cluster`, with the lists and watches of `kinds` (without selectors) served by informers and this
    process's writes of them applied at once. Everything else goes to `cluster`."""

    def __init__(self, cluster: Cluster, kinds: Sequence[str], clock: Clock) -> None:
        self.inner = cluster
        self.clock = clock
        self.informers = {kind: Informer(cluster, kind, clock) for kind in kinds}

    def start(self) -> None:
        for informer in self.informers.values():
            informer.start()

    def stop(self) -> None:
        for informer in self.informers.values():
            informer.stop()

    def _synced(self, kind: str) -> Informer | None:
        informer = self.informers.get(kind)
        if informer is None or not informer.synced.wait(_SYNC_TIMEOUT):
            return None
        return informer

    def _wrote(self, obj: Obj) -> Obj:
        informer = self.informers.get(str(obj.get("kind") or ""))
        if informer is not None:
            informer.wrote(obj)
        return obj

    # -- reads ------------------------------------------------------------------------------------
    def get(self, kind: str, namespace: str | None, name: str) -> Obj:
        return self.inner.get(kind, namespace, name)

    def list(
        self,
        kind: str,
        namespace: str | None = None,
        label_selector: LabelSelectorArg = None,
        field_selector: FieldSelectorArg = None,
    ) -> ObjectList:
        informer = None if label_selector or field_selector else self._synced(kind)
        if informer is None:
            return self.inner.list(kind, namespace, label_selector, field_selector)
        version = informer.resource_version
        items = informer.items()
        if namespace:
            items = [o for o in items if (o.get("metadata") or {}).get("namespace") == namespace]
        return ObjectList(items, version)

    def watch(
        self,
        kind: str | None,
        namespace: str | None = None,
        resource_version: str | None = None,
        label_selector: LabelSelectorArg = None,
        timeout_seconds: float | None = None,
        field_selector: FieldSelectorArg = None,
    ) -> Watch:
        plain = not (namespace or label_selector or field_selector or timeout_seconds is not None)
        informer = self._synced(kind) if kind is not None and plain else None
        if informer is None:
            return self.inner.watch(
                kind, namespace, resource_version, label_selector, timeout_seconds, field_selector
            )
        return informer.subscribe()  # a level-triggered reader is given the whole state again

    # -- writes -----------------------------------------------------------------------------------
    def create(self, obj: Obj) -> Obj:
        return self._wrote(self.inner.create(obj))

    def create_many(self, objs: Sequence[Obj]) -> builtins.list[Obj]:
        return [self._wrote(o) for o in self.inner.create_many(objs)]

    def update(self, obj: Obj) -> Obj:
        return self._wrote(self.inner.update(obj))

    def update_status(self, obj: Obj) -> Obj:
        return self._wrote(self.inner.update_status(obj))

    def patch(
        self, kind: str, namespace: str | None, name: str, patch: Obj, subresource: str | None = None
    ) -> Obj:
        return self._wrote(self.inner.patch(kind, namespace, name, patch, subresource))

    def delete(
        self,
        kind: str,
        namespace: str | None,
        name: str,
        propagation_policy: PropagationPolicy | str = PropagationPolicy.BACKGROUND,
    ) -> Obj:
        gone = self.inner.delete(kind, namespace, name, propagation_policy)
        informer = self.informers.get(str(gone.get("kind") or kind))
        if informer is not None:
            informer.deleted(gone)
        return gone

    def bind(self, namespace: str, pod_name: str, node_name: str) -> Obj:
        informer = self.informers.get("Pod")
        held = informer.held(namespace, pod_name) if informer is not None else None
        if informer is None or held is None or not isinstance(self.inner, BindingPoster):
            return self._wrote(self.inner.bind(namespace, pod_name, node_name))
        self.inner.post_binding(namespace, pod_name, node_name)
        bound = bound_pod(held, node_name, format_rfc3339(self.clock.now()))
        informer.assume_bound(bound, node_name)
        return bound

    def close(self) -> None:
        """The informers stop; `cluster` stays open (it belongs to whoever made it)."""
        self.stop()
