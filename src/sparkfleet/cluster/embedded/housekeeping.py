"""The store's housekeeping, in the background of a running cluster: Events expire (expiry.py) and the
file is compacted (compaction.py), every `interval`, each step a short write that the cluster's own
writes queue behind, so nothing stops while it runs.

Only the process that runs the cluster does this (the platform); a command that opens the store to read
it does not.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from sparkfleet.clock import Clock
from sparkfleet.cluster.embedded import compaction
from sparkfleet.cluster.embedded.expiry import DEFAULT_EVENT_TTL, EXPIRY_BATCH
from sparkfleet.cluster.embedded.store import EmbeddedCluster
from sparkfleet.cluster.errors import ClusterError

__all__ = ["DEFAULT_INTERVAL", "Housekeeping", "HousekeepingRound"]

log = logging.getLogger("sparkfleet.cluster.embedded.housekeeping")

DEFAULT_INTERVAL = timedelta(minutes=1)
# A pause between steps (real seconds), so the writers queued behind a step get the lock first.
_YIELD = 0.001


@dataclass(frozen=True, slots=True)
class HousekeepingRound:
    expired_events: int
    reclaimed_bytes: int
    converted: bool
    """Whether the store was rebuilt into incremental auto-vacuum this round (a store made before it)."""


class Housekeeping:
    """Runs `run_once` now and then every `interval` on a thread of its own, between `start` and `stop`."""

    def __init__(
        self,
        store: EmbeddedCluster,
        clock: Clock,
        *,
        event_ttl: timedelta = DEFAULT_EVENT_TTL,
        interval: timedelta = DEFAULT_INTERVAL,
    ) -> None:
        if event_ttl <= timedelta(0):
            raise ValueError("event_ttl must be positive")
        self.store = store
        self.clock = clock
        self.event_ttl = event_ttl
        self.interval = interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> HousekeepingRound:
        """Expire the Events older than the TTL, then hand the free pages back, step by step."""
        cutoff = self.clock.now() - self.event_ttl
        expired = 0
        while not self._stopping.is_set():
            went = self.store.expire_events(cutoff, EXPIRY_BATCH)
            expired += went
            if went < EXPIRY_BATCH:
                break
            self._stopping.wait(_YIELD)
        converted = self.store.maintain(compaction.make_incremental)
        reclaimed = 0
        while not self._stopping.is_set():
            pages = self.store.maintain(compaction.reclaim)
            if not pages:
                break
            reclaimed += pages
            self._stopping.wait(_YIELD)
        if reclaimed or converted or expired:
            self.store.maintain(compaction.checkpoint)
        page_size = self.store.maintain(compaction.space).page_size
        return HousekeepingRound(expired, reclaimed * page_size, converted)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="store-housekeeping")
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                done = self.run_once()
            except ClusterError as exc:  # a full or failing disk, or the store closing under us
                if self._stopping.is_set():
                    return
                log.warning("store housekeeping: %s", exc.message)
            except Exception:  # a bug must not end housekeeping for the cluster's lifetime
                log.exception("store housekeeping failed; trying again next round")
            else:
                if done.expired_events or done.reclaimed_bytes or done.converted:
                    log.info(
                        "store housekeeping: %d events expired, %.1f MiB handed back%s",
                        done.expired_events,
                        done.reclaimed_bytes / 2**20,
                        ", converted to incremental vacuum" if done.converted else "",
                    )
            self._stopping.wait(self.interval.total_seconds())
