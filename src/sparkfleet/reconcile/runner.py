"""Level-triggered controllers: watch -> key -> reconcile, with N workers and rate-limited retries.

A reconciler says which kinds it watches, which keys a change concerns, and how to reconcile one key
from the current state of the store. The runner owns threads, the work queue and error handling, so
reconcilers stay plain functions of (store, clock, key). Tests step a controller on their own thread
(`enqueue_all` + `run_until_idle`) instead of starting threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from sparkfleet.clock import Clock
from sparkfleet.cluster import Cluster, Conflict, Gone, WatchEvent, WatchEventType
from sparkfleet.reconcile.workqueue import WorkQueue

K = TypeVar("K", bound=Hashable)
log = logging.getLogger("sparkfleet.reconcile")


@dataclass(frozen=True)
class Result:
    """What a reconcile asks for next: nothing, or another look after `requeue_after` seconds."""

    requeue_after: float | None = None


class Reconciler(Protocol[K]):
    name: str

    def watches(self) -> Sequence[str]:
        """The kinds whose changes can concern this reconciler."""
        ...

    def keys_for(self, event: WatchEvent) -> Iterable[K]:
        """The keys a change concerns (e.g. the owning app of a changed driver pod)."""
        ...

    def reconcile(self, key: K) -> Result:
        """Bring the world one step closer to what the key's object asks for; idempotent."""
        ...


class Controller(Generic[K]):
    def __init__(self, reconciler: Reconciler[K], cluster: Cluster, clock: Clock, workers: int = 2) -> None:
        self.reconciler = reconciler
        self.cluster = cluster
        self.clock = clock
        self.queue: WorkQueue[K] = WorkQueue(clock)
        self.workers = workers
        self._threads: list[threading.Thread] = []
        self._watches: list[object] = []
        self._stopping = threading.Event()

    # -- deterministic stepping -------------------------------------------------------------------
    def enqueue_all(self) -> None:
        """Queue a key for every object of every watched kind, as a resync does."""
        for kind in self.reconciler.watches():
            for obj in self.cluster.list(kind).items:
                for key in self.reconciler.keys_for(WatchEvent(WatchEventType.ADDED, obj)):
                    self.queue.add(key)

    def handle(self, event: WatchEvent) -> None:
        for key in self.reconciler.keys_for(event):
            self.queue.add(key)

    def run_until_idle(self, max_steps: int = 100_000) -> int:
        """Reconcile every key that is ready now (and keys that become ready meanwhile); returns the count."""
        steps = 0
        while steps < max_steps:
            key = self.queue.get_nowait()
            if key is None:
                break
            self._process(key)
            steps += 1
        return steps

    # -- threads ----------------------------------------------------------------------------------
    def start(self) -> None:
        for kind in self.reconciler.watches():
            t = threading.Thread(
                target=self._watch_loop,
                args=(kind,),
                daemon=True,
                name=f"{self.reconciler.name}-watch-{kind}",
            )
            t.start()
            self._threads.append(t)
        for i in range(self.workers):
            t = threading.Thread(target=self._worker, daemon=True, name=f"{self.reconciler.name}-worker-{i}")
            t.start()
            self._threads.append(t)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self.queue.shutdown()
        for w in self._watches:
            close = getattr(w, "close", None)
            if close is not None:
                close()
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()

    def _watch_loop(self, kind: str) -> None:
        resource_version: str | None = None
        while not self._stopping.is_set():
            try:
                watch = self.cluster.watch(kind, resource_version=resource_version, timeout_seconds=None)
            except Gone:
                resource_version = None  # history window passed: relist (ADDED for everything) and go on
                continue
            self._watches.append(watch)
            try:
                for event in watch:
                    if self._stopping.is_set():
                        break
                    self.handle(event)
                resource_version = watch.resource_version
            except Gone:
                resource_version = None
            except Exception:
                if self._stopping.is_set():
                    break
                log.exception("%s: watch on %s failed; restarting", self.reconciler.name, kind)
                self.clock.sleep(0.5)
            finally:
                watch.close()

    def _worker(self) -> None:
        while not self._stopping.is_set():
            key = self.queue.get(timeout=0.2)
            if key is None:
                continue
            self._process(key)

    def _process(self, key: K) -> None:
        try:
            result = self.reconciler.reconcile(key)
        except Conflict:
            # Someone wrote the object since we read it: look again soon with fresh state.
            self.queue.add_rate_limited(key)
        except Exception:
            delay = self.queue.add_rate_limited(key)
            log.exception("%s: reconcile %s failed; retrying in %.3fs", self.reconciler.name, key, delay)
        else:
            self.queue.forget(key)
            if result.requeue_after is not None:
                self.queue.add_after(key, result.requeue_after)
        finally:
            self.queue.done(key)
