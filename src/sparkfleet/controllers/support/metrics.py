"""The Spark Operator's Prometheus metrics (pkg/common/metrics.go, v2), fed by lifecycle decisions.

Names are the operator's, exactly. prometheus-client would expose a Counter named
`spark_application_count` as `spark_application_count_total`, so the counters here are small collectors
that expose the exact name (as an untyped series, which PromQL's rate() and increase() accept). Labels
work as the operator's `--metrics-labels`: each configured label takes the application's label of that
(sanitised) name, `namespace` falls back to the application's namespace, anything missing is "Unknown".
The operator registers no labels by default; neither does this.

The running gauges count applications and executors this process has seen running (a set, not +1/-1),
so a restarted controller neither goes negative nor double counts.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

from prometheus_client import CollectorRegistry, Gauge, Histogram, Summary
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.sparkstatus import ApplicationStateType, ExecutorStateType, SparkApplicationStatus
from sparkfleet.api.timefmt import parse_optional_rfc3339
from sparkfleet.engine.lifecycle import ExecutorChange, LifecycleDecision

__all__ = ["DEFAULT_START_LATENCY_BUCKETS", "SparkApplicationMetrics", "metric_name"]

DEFAULT_START_LATENCY_BUCKETS = (30.0, 60.0, 90.0, 120.0, 150.0, 180.0, 210.0, 240.0, 270.0, 300.0)
"""The operator's --metrics-job-start-latency-buckets default."""
_INVALID = re.compile(r"[^a-zA-Z0-9_]")
S = ApplicationStateType
LabelValues = tuple[str, ...]
M = TypeVar("M", Gauge, Histogram, Summary)


def _child(metric: M, labels: LabelValues) -> M:
    """The labelled child, or the metric itself when no labels are configured."""
    return metric.labels(*labels) if labels else metric


def metric_name(prefix: str, name: str) -> str:
    """The operator's CreateValidMetricNameLabel: prefix + name with every invalid character as `_`."""
    return _INVALID.sub("_", f"{prefix}{name}")


class _ExactCounter(Collector):
    """A monotonically increasing value per label set, exposed under exactly `name`."""

    def __init__(self, name: str, documentation: str, labelnames: Sequence[str], registry: CollectorRegistry):
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self._values: dict[LabelValues, float] = {}
        self._lock = threading.Lock()
        registry.register(self)

    def inc(self, labels: LabelValues, amount: float = 1.0) -> None:
        with self._lock:
            self._values[labels] = self._values.get(labels, 0.0) + amount

    def value(self, labels: LabelValues = ()) -> float:
        with self._lock:
            return self._values.get(labels, 0.0)

    def describe(self) -> Iterable[Metric]:
        return [Metric(self.name, self.documentation, "unknown")]

    def collect(self) -> Iterable[Metric]:
        metric = Metric(self.name, self.documentation, "unknown")
        with self._lock:
            items = list(self._values.items())
        for labels, value in items:
            metric.add_sample(self.name, dict(zip(self.labelnames, labels, strict=True)), value)
        return [metric]


class SparkApplicationMetrics:
    """Every spark_application_* and spark_executor_* metric, registered on `registry`."""

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        prefix: str = "",
        labels: Sequence[str] = (),
        start_latency_buckets: Sequence[float] = DEFAULT_START_LATENCY_BUCKETS,
    ) -> None:
        self.labels = tuple(metric_name("", label) for label in labels)
        names = self.labels

        def counter(name: str, doc: str) -> _ExactCounter:
            return _ExactCounter(metric_name(prefix, name), doc, names, registry)

        def summary(name: str, doc: str) -> Summary:
            return Summary(metric_name(prefix, name), doc, names, registry=registry)

        self.count = counter("spark_application_count", "Total number of SparkApplication")
        self.submit_count = counter(
            "spark_application_submit_count", "Total number of submitted SparkApplication"
        )
        self.failed_submission_count = counter(
            "spark_application_failed_submission_count", "Total number of failed SparkApplication submission"
        )
        self.running_count = Gauge(
            metric_name(prefix, "spark_application_running_count"),
            "Total number of running SparkApplication",
            names,
            registry=registry,
        )
        self.success_count = counter(
            "spark_application_success_count", "Total number of successful SparkApplication"
        )
        self.failure_count = counter(
            "spark_application_failure_count", "Total number of failed SparkApplication"
        )
        self.success_execution_time = summary(
            "spark_application_success_execution_time_seconds",
            "Execution time of successful SparkApplication",
        )
        self.failure_execution_time = summary(
            "spark_application_failure_execution_time_seconds", "Execution time of failed SparkApplication"
        )
        self.submit_latency = summary(
            "spark_application_submit_latency_seconds", "Spark App Submit Latency via the Operator"
        )
        self.submit_latency_histogram = Histogram(
            metric_name(prefix, "spark_application_submit_latency_seconds_histogram"),
            "Spark App Submit Latency counts in buckets via the Operator",
            names,
            buckets=tuple(start_latency_buckets),
            registry=registry,
        )
        self.start_latency = summary(
            "spark_application_start_latency_seconds", "Spark App Start Latency via the Operator"
        )
        self.start_latency_histogram = Histogram(
            metric_name(prefix, "spark_application_start_latency_seconds_histogram"),
            "Spark App Start Latency counts in buckets via the Operator",
            names,
            buckets=tuple(start_latency_buckets),
            registry=registry,
        )
        self.executor_running_count = Gauge(
            metric_name(prefix, "spark_executor_running_count"),
            "Total number of running Spark executors",
            names,
            registry=registry,
        )
        self.executor_success_count = counter(
            "spark_executor_success_count", "Total number of successful Spark executors"
        )
        self.executor_failure_count = counter(
            "spark_executor_failure_count", "Total number of failed Spark executors"
        )
        self._lock = threading.Lock()
        self._running_apps: dict[tuple[str, str], LabelValues] = {}
        self._running_executors: dict[tuple[str, str, str], LabelValues] = {}

    # -- labels ---------------------------------------------------------------------------------------
    def label_values(self, namespace: str, app_labels: Mapping[str, str]) -> LabelValues:
        valid = {metric_name("", key): value for key, value in app_labels.items()}
        values = []
        for label in self.labels:
            if label in valid:
                values.append(valid[label])
            elif label == "namespace":
                values.append(namespace)
            else:
                values.append("Unknown")
        return tuple(values)

    # -- feeding --------------------------------------------------------------------------------------
    def record(self, app: SparkApplication, decision: LifecycleDecision, now: datetime) -> None:
        """Count what `decision` did to `app` (call once the decision's status is written)."""
        namespace = app.metadata.namespace or "default"
        name = app.metadata.name or ""
        labels = self.label_values(namespace, app.metadata.labels)
        status = decision.status
        created = parse_optional_rfc3339(app.metadata.creationTimestamp, field="metadata.creationTimestamp")
        if any(event.reason == "SparkApplicationAdded" for event in decision.events):
            self.count.inc(labels)
        for step in decision.transitions:
            if step.previous == S.RUNNING:
                self._stop_running(namespace, name)
            if step.next == S.SUBMITTED:
                self.submit_count.inc(labels)
                if step.previous == S.NEW and created is not None:
                    latency = max((now - created).total_seconds(), 0.0)
                    _child(self.submit_latency, labels).observe(latency)
                    _child(self.submit_latency_histogram, labels).observe(latency)
            elif step.next == S.SUBMISSION_FAILED:
                self.failed_submission_count.inc(labels)
            elif step.next == S.RUNNING:
                self._start_running(namespace, name, labels)
                # Only the first run's start counts, as the operator does.
                if status.executionAttempts == 1 and created is not None:
                    latency = max((now - created).total_seconds(), 0.0)
                    _child(self.start_latency, labels).observe(latency)
                    _child(self.start_latency_histogram, labels).observe(latency)
            elif step.next == S.COMPLETED:
                self.success_count.inc(labels)
                self._observe_execution(self.success_execution_time, labels, status)
            elif step.next == S.FAILED:
                self.failure_count.inc(labels)
                self._observe_execution(self.failure_execution_time, labels, status)
        if status.applicationState.state == S.RUNNING:
            self._start_running(namespace, name, labels)  # a RUNNING app first seen after a restart
        self.record_executors(namespace, name, labels, decision.executor_changes)

    def record_executors(
        self, namespace: str, app: str, labels: LabelValues, changes: Iterable[ExecutorChange]
    ) -> None:
        for change in changes:
            key = (namespace, app, change.pod)
            if change.new == ExecutorStateType.RUNNING:
                with self._lock:
                    if key not in self._running_executors:
                        self._running_executors[key] = labels
                        _child(self.executor_running_count, labels).inc()
                continue
            self._stop_executor(key)
            if change.new == ExecutorStateType.COMPLETED:
                self.executor_success_count.inc(labels)
            elif change.new == ExecutorStateType.FAILED:
                self.executor_failure_count.inc(labels)

    def forget(self, namespace: str, name: str) -> None:
        """The application is gone: it and its executors no longer run."""
        self._stop_running(namespace, name)
        with self._lock:
            keys = [k for k in self._running_executors if k[0] == namespace and k[1] == name]
        for key in keys:
            self._stop_executor(key)

    # -- internals ------------------------------------------------------------------------------------
    def _start_running(self, namespace: str, name: str, labels: LabelValues) -> None:
        with self._lock:
            if (namespace, name) in self._running_apps:
                return
            self._running_apps[(namespace, name)] = labels
        _child(self.running_count, labels).inc()

    def _stop_running(self, namespace: str, name: str) -> None:
        with self._lock:
            labels = self._running_apps.pop((namespace, name), None)
        if labels is not None:
            _child(self.running_count, labels).dec()

    def _stop_executor(self, key: tuple[str, str, str]) -> None:
        with self._lock:
            labels = self._running_executors.pop(key, None)
        if labels is not None:
            _child(self.executor_running_count, labels).dec()

    @staticmethod
    def _observe_execution(summary: Summary, labels: LabelValues, status: SparkApplicationStatus) -> None:
        started = parse_optional_rfc3339(
            status.lastSubmissionAttemptTime, field="status.lastSubmissionAttemptTime"
        )
        ended = parse_optional_rfc3339(status.terminationTime, field="status.terminationTime")
        if started is not None and ended is not None:
            _child(summary, labels).observe(max((ended - started).total_seconds(), 0.0))
