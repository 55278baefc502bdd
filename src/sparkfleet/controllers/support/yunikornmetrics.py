"""YuniKorn's Prometheus metrics (yunikorn-core pkg/metrics: scheduler.go, queue.go), fed by the scheduler
controller's cycles.

Names, types and label names are the core's. Two of its quirks are kept so that existing dashboards read
the same figures: the `*_milliseconds` latency histograms observe seconds (the core's Observe calls pass
seconds; its buckets start at 0.1 ms = 0.0001), and queue resources are the core's units (vcore in
millicores, memory and ephemeral-storage in bytes, pods in units), under the core's resource names.

Application states are the core's (lower case). The shim's states this scheduler keeps map onto them: a
submitted application is `new` until it is accepted, and a reserving one (its placeholders are being
allocated) is `running`, as the core counts a placeholder allocation as the application's first.
Counters count what each cycle decided: binds are `allocated`, placeholder releases `released`, pods failed
because their application cannot run `rejected`.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable, Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram

from sparkfleet.controllers.support.statemetrics import LabelValues, StateGauge
from sparkfleet.engine.scheduling import AppState, NodeRecord, QueueReport, Resources, SchedulingDecision

__all__ = ["LATENCY_BUCKETS", "YuniKornMetrics"]

LATENCY_BUCKETS = tuple(0.0001 * 10**i for i in range(8))
"""prometheus.ExponentialBuckets(0.0001, 10, 8), the core's buckets for every latency histogram."""
UNLIMITED_AT = 2**62
"""Amounts from here up stand for "no limit" in the engine (engine.scheduling.resources.UNLIMITED)."""

_CORE_STATE = {
    AppState.NEW: "new",
    AppState.SUBMITTED: "new",
    AppState.ACCEPTED: "accepted",
    AppState.RESERVING: "running",
    AppState.RUNNING: "running",
    AppState.COMPLETED: "completed",
    AppState.REJECTED: "rejected",
    AppState.FAILING: "failing",
    AppState.FAILED: "failed",
    AppState.RESUMING: "resuming",
}
_SUBMISSION_RESULT = {AppState.SUBMITTED: "new", AppState.ACCEPTED: "accepted", AppState.REJECTED: "rejected"}
_RESOURCE_NAMES = {"cpu": "vcore"}
"""The core's names for resources whose Kubernetes name differs (the shim converts cpu to vcore)."""


def core_state(state: AppState) -> str:
    """The core's name for the application state the shim calls `state`."""
    return _CORE_STATE[state]


def _resource_samples(queue: str, state: str, amounts: Resources) -> dict[LabelValues, float]:
    return {
        (queue, state, _RESOURCE_NAMES.get(name, name)): float(value)
        for name, value in amounts.items()
        if value < UNLIMITED_AT
    }


class YuniKornMetrics:
    """Every yunikorn_scheduler_* and yunikorn_queue_* metric this scheduler has, on `registry`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.allocation_attempts = Counter(
            "yunikorn_scheduler_container_allocation_attempt_total",
            "Total number of attempts to allocate containers. State of the attempt includes `allocated`, "
            "`rejected`, `error`, `released`",
            ["state"],
            registry=registry,
        )
        self.application_submissions = Counter(
            "yunikorn_scheduler_application_submission_total",
            "Total number of application submissions. State of the attempt includes `new`, `accepted` and "
            "`rejected`.",
            ["result"],
            registry=registry,
        )
        self.applications = StateGauge(
            "yunikorn_scheduler_application_total",
            "Total number of applications. State of the application includes `running`, `resuming`, "
            "`failing`, `completing`, `completed` and `failed`.",
            ["state"],
            registry,
        )
        self.nodes = StateGauge(
            "yunikorn_scheduler_node",
            "Total number of nodes. State of the node includes `active` and `failed`.",
            ["state"],
            registry,
        )
        self.scheduling_latency = Histogram(
            "yunikorn_scheduler_scheduling_latency_milliseconds",
            "Latency of the main scheduling routine, in seconds.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.scheduling_cycle = Histogram(
            "yunikorn_scheduler_scheduling_cycle_milliseconds",
            "Time taken for a scheduling cycle, in seconds.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.queue_apps = StateGauge(
            "yunikorn_queue_app",
            "Queue application metrics. State of the application includes `new`, `accepted`, `rejected`, "
            "`running`, `failing`, `failed`, `resuming`, `completing`, `completed`.",
            ["queue", "state"],
            registry,
        )
        self.queue_resources = StateGauge(
            "yunikorn_queue_resource",
            "Queue resource metrics. State of the resource includes `guaranteed`, `max`, `allocated`, "
            "`pending`, `preempting`, `maxRunningApps`.",
            ["queue", "state", "resource"],
            registry,
        )

    def record(
        self, nodes: Sequence[NodeRecord], decision: SchedulingDecision, latency: float, cycle: float
    ) -> None:
        """Count one cycle over `nodes` (the snapshot's): `latency` the seconds `schedule` took, `cycle`
        the seconds of the whole pass."""
        self.scheduling_latency.observe(latency)
        self.scheduling_cycle.observe(cycle)
        allocated = len(decision.binds)
        if allocated:
            self.allocation_attempts.labels("allocated").inc(allocated)
        if decision.releases:
            self.allocation_attempts.labels("released").inc(len(decision.releases))
        if decision.failures:
            self.allocation_attempts.labels("rejected").inc(len(decision.failures))
        for transition in decision.transitions:
            result = _SUBMISSION_RESULT.get(transition.to_state)
            if result is not None:
                self.application_submissions.labels(result).inc()
        apps = Tally(core_state(status.state) for status in decision.apps.values())
        self.applications.replace({(state,): float(n) for state, n in apps.items()})
        states = Tally("draining" if node.unschedulable else "active" for node in nodes)
        self.nodes.replace({(state,): float(n) for state, n in states.items()})
        queue_apps = Tally(
            (status.queue, core_state(status.state)) for status in decision.apps.values() if status.queue
        )
        self.queue_apps.replace({key: float(n) for key, n in queue_apps.items()})
        self.queue_resources.replace(self._queue_resources(decision.queues))

    @staticmethod
    def _queue_resources(queues: Iterable[QueueReport]) -> dict[LabelValues, float]:
        samples: dict[LabelValues, float] = {}
        for queue in queues:
            samples.update(_resource_samples(queue.path, "guaranteed", queue.guaranteed))
            samples.update(_resource_samples(queue.path, "max", queue.max))
            samples.update(_resource_samples(queue.path, "allocated", queue.allocated))
            samples.update(_resource_samples(queue.path, "pending", queue.pending))
            if queue.max_apps:
                samples[(queue.path, "maxRunningApps", "apps")] = float(queue.max_apps)
        return samples
