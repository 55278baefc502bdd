"""Leader election on a `coordination.k8s.io/v1` Lease, with client-go's rules, so that of several
`sparkfleet controller` replicas exactly one runs the controllers and a standby takes over within the
lease duration when the leader dies.

The rules (client-go's `leaderelection` package):
- a Lease held by another identity is taken only once it has not changed for `lease_duration`, measured
  on this process's monotonic clock from when this process last saw it change (so clock skew between
  replicas does not matter);
- every write carries the resourceVersion read, so two candidates never both win (409 Conflict);
- the leader renews every `retry_period`; if no renewal has succeeded for `renew_deadline` it stops
  leading (the process then exits, as client-go's OnStoppedLeading does), before a standby can take over;
- on a graceful stop the leader releases the Lease (empty holder, duration 1 s), so a standby takes
  over at once instead of after the lease duration.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sparkfleet.api.timefmt import format_micro_time
from sparkfleet.clock import Clock
from sparkfleet.cluster import AlreadyExists, Cluster, ClusterError, Conflict, NotFound, Obj

__all__ = ["LeaderElection", "LeaseConfig"]

log = logging.getLogger("sparkfleet.leader")


@dataclass(frozen=True, slots=True)
class LeaseConfig:
    namespace: str
    name: str
    identity: str
    lease_duration: float = 15.0
    """How long a Lease nobody renews keeps others out (client-go and controller-runtime: 15 s)."""
    renew_deadline: float = 10.0
    """How long the leader goes on without a successful renewal before it stops leading."""
    retry_period: float = 2.0
    """How often candidates try to acquire, and the leader renews."""

    def __post_init__(self) -> None:
        if not self.lease_duration > self.renew_deadline > self.retry_period > 0:
            raise ValueError(
                "leader election needs lease duration > renew deadline > retry period > 0, got "
                f"{self.lease_duration} s, {self.renew_deadline} s, {self.retry_period} s"
            )


class LeaderElection:
    """One candidate. `try_acquire_or_renew()` is one step (tests drive it on a virtual clock);
    `run()` loops it until leading, leads, and returns when leadership ends."""

    def __init__(self, cluster: Cluster, clock: Clock, config: LeaseConfig) -> None:
        self.cluster = cluster
        self.clock = clock
        self.config = config
        self._observed: Any = None
        self._observed_at = 0.0
        self._leading = False

    @property
    def leading(self) -> bool:
        return self._leading

    def try_acquire_or_renew(self) -> bool:
        """One attempt: True when this candidate holds the Lease afterwards."""
        cfg = self.config
        now = self.clock.now()
        try:
            lease = self.cluster.get("Lease", cfg.namespace, cfg.name)
        except NotFound:
            return self._create(now)
        spec: dict[str, Any] = dict(lease.get("spec") or {})
        if spec != self._observed:
            self._observed, self._observed_at = spec, self.clock.monotonic()
        holder = spec.get("holderIdentity") or ""
        duration = float(spec.get("leaseDurationSeconds") or cfg.lease_duration)
        held_by_other = holder not in ("", cfg.identity)
        if held_by_other and self._observed_at + duration > self.clock.monotonic():
            self._leading = False
            return False
        if holder != cfg.identity:
            spec["acquireTime"] = format_micro_time(now)
            spec["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + (1 if holder else 0)
        spec.update(
            holderIdentity=cfg.identity,
            leaseDurationSeconds=round(cfg.lease_duration),
            renewTime=format_micro_time(now),
        )
        return self._write({**lease, "spec": spec})

    def release(self) -> None:
        """Give the Lease up (only if this candidate holds it), so a standby need not wait it out."""
        if not self._leading:
            return
        self._leading = False
        cfg = self.config
        try:
            lease = self.cluster.get("Lease", cfg.namespace, cfg.name)
            spec = dict(lease.get("spec") or {})
            if spec.get("holderIdentity") != cfg.identity:
                return
            now = format_micro_time(self.clock.now())
            spec.update(holderIdentity="", leaseDurationSeconds=1, renewTime=now, acquireTime=now)
            self.cluster.update({**lease, "spec": spec})
        except ClusterError as exc:
            log.warning("could not release Lease %s/%s: %s", cfg.namespace, cfg.name, exc)

    def run(
        self,
        stop: threading.Event,
        on_started_leading: Callable[[], None],
        on_stopped_leading: Callable[[], None],
    ) -> None:
        """Wait to lead (or for `stop`), call `on_started_leading`, renew until `stop` or the renew
        deadline passes without a renewal, then call `on_stopped_leading` and release the Lease."""
        cfg = self.config
        while not stop.is_set():
            if self._attempt():
                break
            stop.wait(cfg.retry_period)
        if stop.is_set():
            return
        log.info("%s leads: holds Lease %s/%s", cfg.identity, cfg.namespace, cfg.name)
        on_started_leading()
        last_renewal = self.clock.monotonic()
        try:
            while not stop.wait(cfg.retry_period):
                if self._attempt():
                    last_renewal = self.clock.monotonic()
                elif not self._leading or self.clock.monotonic() - last_renewal > cfg.renew_deadline:
                    log.error("%s lost Lease %s/%s", cfg.identity, cfg.namespace, cfg.name)
                    self._leading = False
                    break
        finally:
            on_stopped_leading()
            self.release()

    def _attempt(self) -> bool:
        try:
            return self.try_acquire_or_renew()
        except Exception as exc:  # refused, or the API unreachable (any adapter's error): retry next period
            log.warning("leader election on %s/%s: %s", self.config.namespace, self.config.name, exc)
            return False

    def _create(self, now: datetime) -> bool:
        cfg = self.config
        stamp = format_micro_time(now)
        lease: Obj = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": cfg.name, "namespace": cfg.namespace},
            "spec": {
                "holderIdentity": cfg.identity,
                "leaseDurationSeconds": round(cfg.lease_duration),
                "acquireTime": stamp,
                "renewTime": stamp,
                "leaseTransitions": 0,
            },
        }
        try:
            self.cluster.create(lease)
        except AlreadyExists:
            return False
        self._leading = True
        return True

    def _write(self, lease: Obj) -> bool:
        try:
            written = self.cluster.update(lease)
        except (Conflict, NotFound):
            self._leading = False
            return False
        self._observed, self._observed_at = dict(written.get("spec") or {}), self.clock.monotonic()
        self._leading = True
        return True
