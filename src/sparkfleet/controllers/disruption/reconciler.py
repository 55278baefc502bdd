"""The disruption reconciler: one key, one pass at most every `interval` seconds.

A pass: note which nodes' pods changed (fleetstate.py); carry on with the disruptions under way
(record.py, effects.py); read the fleet again and build the snapshot (snapshot.py); ask
`engine.disruption.disrupt`; record its Events and start the actions it decides (effects.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sparkfleet.cluster import WatchEvent
from sparkfleet.controllers.disruption.effects import DisruptionEffects
from sparkfleet.controllers.disruption.fleetstate import PodChanges, read_state
from sparkfleet.controllers.disruption.record import under_way
from sparkfleet.controllers.disruption.snapshot import build_snapshot
from sparkfleet.controllers.support.fleet import FleetReconciler, pool_usage
from sparkfleet.controllers.support.fleetmetrics import FleetMetrics
from sparkfleet.engine.disruption import DisruptionDecision, disrupt
from sparkfleet.reconcile import Pacing, Result

__all__ = ["KEY", "PASS_SECONDS", "DisruptionReconciler"]

KEY = "disruption"
PASS_SECONDS = 10.0


@dataclass(eq=False, repr=False)
class DisruptionReconciler(FleetReconciler):
    """Reconciler (see sparkfleet.reconcile) with one key; passes at most every `interval` seconds."""

    name = "disruption"
    interval: float = field(default=PASS_SECONDS, kw_only=True)
    last_decision: DisruptionDecision | None = field(default=None, init=False)
    _pacing: Pacing = field(init=False)
    _changes: PodChanges = field(init=False)
    _effects: DisruptionEffects = field(init=False)
    _fleet_metrics: FleetMetrics | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._pacing = Pacing(self.clock)
        self._changes = PodChanges(self.cluster)
        self._effects = DisruptionEffects(self.cluster, self.component)
        if self.metrics is not None:
            self._fleet_metrics = FleetMetrics(self.metrics)

    # -- Reconciler protocol ----------------------------------------------------------------------------
    def watches(self) -> Sequence[str]:
        return ("Node", "NodeClaim")

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        return [KEY]

    def reconcile(self, key: str) -> Result:
        with self._pacing.turn(self.interval) as wait:
            if wait is not None:
                return Result(requeue_after=wait)
            self.run_pass()
            return Result(requeue_after=self.interval)

    # -- one pass ---------------------------------------------------------------------------------------
    def run_pass(self) -> DisruptionDecision:
        now = self.clock.now()
        state = read_state(self.cluster, self._requests)
        last_events = self._changes.track(state, now)
        for record in under_way(state):
            self._effects.carry_on(record, state, now)
        state = read_state(self.cluster, self._requests)
        view = self.fleets.view()
        snapshot = build_snapshot(
            state, view, last_events, now, requests=self._requests, offerings=self.offerings, clock=self.clock
        )
        deciding = time.perf_counter()  # the metric is the engine's CPU time, not the injected clock's
        decision = disrupt(snapshot)
        if self.metrics is not None and self._fleet_metrics is not None:
            self.metrics.disruption_pass(snapshot, decision, view.pools, time.perf_counter() - deciding)
            pods = self.cluster.list("Pod").items
            usage = pool_usage(list(state.claims.values()), view)
            pools = view.pools.values()
            self._fleet_metrics.observe(pods, state.nodes, pools, usage, self._requests.resources, snapshot)
        self.offerings.merge(decision.unavailable)
        self._effects.record(decision, state, now)
        for action in decision.actions:
            self._effects.start(action, state, view, now)
        self.last_decision = decision
        return decision
