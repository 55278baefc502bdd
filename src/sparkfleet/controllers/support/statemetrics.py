"""Gauges that describe a state (queues, nodes, pods) rather than count events: every sample of a family
is replaced at once from the latest decision or look at the fleet.

prometheus-client's labelled Gauge keeps every label set it was ever given; a queue that went, or a pod
that ended, would keep its last value for ever unless each caller tracked what to remove. A `StateGauge`
is given the whole family each time (`replace`), so what is no longer there disappears, and a scrape never
sees half of an update. Its samples are exposed as a gauge family of exactly its name.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

__all__ = ["LabelValues", "StateGauge"]

LabelValues = tuple[str, ...]


class StateGauge(Collector):
    """A gauge family whose samples are all replaced together."""

    def __init__(
        self, name: str, documentation: str, labelnames: Sequence[str], registry: CollectorRegistry
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self._values: dict[LabelValues, float] = {}
        self._lock = threading.Lock()
        registry.register(self)

    def replace(self, values: Mapping[LabelValues, float]) -> None:
        """Make `values` (label values in `labelnames` order -> value) the family's only samples."""
        for labels in values:
            if len(labels) != len(self.labelnames):
                raise ValueError(f"{self.name}: {labels!r} does not match the labels {self.labelnames!r}")
        with self._lock:
            self._values = dict(values)

    def value(self, labels: LabelValues = ()) -> float | None:
        with self._lock:
            return self._values.get(labels)

    def describe(self) -> Iterable[Metric]:
        return [GaugeMetricFamily(self.name, self.documentation, labels=self.labelnames)]

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(self.name, self.documentation, labels=self.labelnames)
        with self._lock:
            items = sorted(self._values.items())
        for labels, value in items:
            family.add_metric(list(labels), value)
        return [family]
