"""YuniKorn's metrics counted from scheduling decisions, in the core's names, states and units."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from sparkfleet.controllers.support.yunikornmetrics import LATENCY_BUCKETS, YuniKornMetrics, core_state
from sparkfleet.engine.scheduling import (
    AppState,
    AppStatus,
    AppTransition,
    Bind,
    NodeRecord,
    PodRef,
    QueueReport,
    Release,
    Resources,
    SchedulingDecision,
)

QUEUE = QueueReport(
    path="root.dev",
    leaf=True,
    dynamic=False,
    guaranteed=Resources({"cpu": 4000, "memory": 8 * 2**30}),
    max=Resources({"cpu": 2**62, "memory": 16 * 2**30}),
    allocated=Resources({"cpu": 1500}),
    pending=Resources({"cpu": 500}),
    running_apps=1,
    max_apps=10,
    apps=("a",),
)


def decision() -> SchedulingDecision:
    pod = PodRef("ns", "driver", "u1")
    return SchedulingDecision(
        binds=(Bind(pod, "n1", "a"), Bind(PodRef("ns", "exec", "u2"), "n1", "a")),
        releases=(Release(PodRef("ns", "ph", "u3"), "a", "Replaced", ""),),
        apps={
            "a": AppStatus("a", AppState.RUNNING, 0.0, 0.0, queue="root.dev"),
            "b": AppStatus("b", AppState.SUBMITTED, 0.0, 0.0, queue="root.dev"),
        },
        transitions=(AppTransition("a", AppState.SUBMITTED, AppState.ACCEPTED, 0.0, "Accepted", ""),),
        queues=(QUEUE,),
    )


def test_a_cycle_counts_allocations_submissions_apps_nodes_and_queue_resources() -> None:
    registry = CollectorRegistry()
    metrics = YuniKornMetrics(registry)
    nodes = [NodeRecord("n1", Resources({"cpu": 8000})), NodeRecord("n2", Resources(), unschedulable=True)]
    metrics.record(nodes, decision(), latency=0.002, cycle=0.004)

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    attempts = "yunikorn_scheduler_container_allocation_attempt_total"
    assert value(attempts, state="allocated") == 2
    assert value(attempts, state="released") == 1
    assert value("yunikorn_scheduler_application_submission_total", result="accepted") == 1
    assert value("yunikorn_scheduler_application_total", state="running") == 1
    assert value("yunikorn_scheduler_node", state="active") == 1
    assert value("yunikorn_scheduler_node", state="draining") == 1
    assert value("yunikorn_queue_app", queue="root.dev", state="new") == 1
    resource = "yunikorn_queue_resource"
    assert value(resource, queue="root.dev", state="guaranteed", resource="vcore") == 4000
    assert value(resource, queue="root.dev", state="max", resource="memory") == 16 * 2**30
    assert value(resource, queue="root.dev", state="max", resource="vcore") is None  # unlimited
    assert value(resource, queue="root.dev", state="pending", resource="vcore") == 500
    assert value(resource, queue="root.dev", state="maxRunningApps", resource="apps") == 10
    latency = "yunikorn_scheduler_scheduling_latency_milliseconds"
    assert value(f"{latency}_bucket", le="0.01") == 1
    assert value(f"{latency}_sum") == 0.002


def test_the_core_s_buckets_and_states() -> None:
    assert LATENCY_BUCKETS[0] == 0.0001 and len(LATENCY_BUCKETS) == 8
    assert core_state(AppState.RESERVING) == "running"
    assert core_state(AppState.SUBMITTED) == "new"
