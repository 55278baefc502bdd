"""sparkfleet's own cost and wait metrics, fed by the cost and timeline controllers.

- `sparkfleet_application_cost_dollars{namespace,application,queue,capacity_type}`: what each live
  application has cost so far (placeholders included), by the capacity type of its nodes;
- `sparkfleet_queue_cost_dollars{queue,capacity_type}`: what each queue's applications have cost, those
  since deleted included;
- `sparkfleet_waste_cost_dollars{kind}`: `placeholder` (room reserved for gangs that nothing ran in) and
  `idle_node` (room on priced nodes no pod held);
- `sparkfleet_application_phase_seconds{phase}`: how long applications spent in each timeline phase,
  observed when a phase ends.

The gauges are set from the ledger as a whole at each step (a collector over the latest figures), so a
deleted application's series goes with it and a restarted controller reports what the ledger kept.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from sparkfleet.engine.explain import TimelinePhase

__all__ = [
    "APPLICATION_COST",
    "APPLICATION_PHASE_SECONDS",
    "PHASE_BUCKETS",
    "QUEUE_COST",
    "WASTE_COST",
    "InsightMetrics",
]

APPLICATION_COST = "sparkfleet_application_cost_dollars"
QUEUE_COST = "sparkfleet_queue_cost_dollars"
WASTE_COST = "sparkfleet_waste_cost_dollars"
APPLICATION_PHASE_SECONDS = "sparkfleet_application_phase_seconds"

PHASE_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0, 21600.0)
"""Seconds: from a phase that passes in a moment to one that waits hours for capacity or a queue."""

AppLabels = tuple[str, str, str, str]
"""(namespace, application, queue, capacity_type)."""


class _CostCollector(Collector):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._apps: dict[AppLabels, float] = {}
        self._queues: dict[tuple[str, str], float] = {}
        self._waste: dict[str, float] = {}

    def set(
        self,
        apps: Mapping[AppLabels, float],
        queues: Mapping[tuple[str, str], float],
        waste: Mapping[str, float],
    ) -> None:
        with self._lock:
            self._apps, self._queues, self._waste = dict(apps), dict(queues), dict(waste)

    def describe(self) -> Iterable[Metric]:
        return self._families({}, {}, {})

    def collect(self) -> Iterable[Metric]:
        with self._lock:
            return self._families(self._apps, self._queues, self._waste)

    @staticmethod
    def _families(
        apps: Mapping[AppLabels, float], queues: Mapping[tuple[str, str], float], waste: Mapping[str, float]
    ) -> list[Metric]:
        app = GaugeMetricFamily(
            APPLICATION_COST,
            "US dollars an application has cost so far, by the capacity type of its nodes",
            labels=["namespace", "application", "queue", "capacity_type"],
        )
        for labels, value in sorted(apps.items()):
            app.add_metric(list(labels), value)
        queue = GaugeMetricFamily(
            QUEUE_COST,
            "US dollars the applications of a queue have cost, by capacity type",
            labels=["queue", "capacity_type"],
        )
        for qlabels, value in sorted(queues.items()):
            queue.add_metric(list(qlabels), value)
        wasted = GaugeMetricFamily(
            WASTE_COST,
            "US dollars of node time nothing ran in: gang placeholders and idle node room",
            labels=["kind"],
        )
        for kind, value in sorted(waste.items()):
            wasted.add_metric([kind], value)
        return [app, queue, wasted]


class InsightMetrics:
    """The cost gauges and the phase-time histogram, registered on `registry`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._costs = _CostCollector()
        registry.register(self._costs)
        self.phase_seconds = Histogram(
            APPLICATION_PHASE_SECONDS,
            "Seconds applications spent in each phase of their timeline",
            ["phase"],
            buckets=PHASE_BUCKETS,
            registry=registry,
        )
        for phase in TimelinePhase:  # exposed from the start, so dashboards and alerts find every series
            self.phase_seconds.labels(phase.value)

    def set_costs(
        self,
        apps: Mapping[AppLabels, float],
        queues: Mapping[tuple[str, str], float],
        waste: Mapping[str, float],
    ) -> None:
        self._costs.set(apps, queues, waste)

    def observe_phase(self, phase: str, seconds: float) -> None:
        self.phase_seconds.labels(phase).observe(max(0.0, seconds))
