"""The timeline controller over the real scheduler, provisioner and NodeClaim controllers on a virtual
clock: each scenario's blocker is known in advance (a full queue, a gang waiting, a NodePool's limits,
capacity refused with a fallback), and so is the happy path's sequence of phases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from sparkfleet.api.appinsight import Phase, current_phase, timeline_of
from sparkfleet.api.blueprint import (
    SPARK_MEMORY_OPTIMIZED,
    blueprint_queues,
    manifest_dict,
    spark_compute_optimized,
    spark_graviton_memory_optimized,
    spark_memory_optimized,
)
from sparkfleet.api.karpenter import NodePool
from sparkfleet.api.scenario import Scenario
from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.api.wire import ANNOTATION_TIMELINE
from sparkfleet.api.yunikorn import to_configmap
from sparkfleet.cluster import WatchEvent, WatchEventType
from sparkfleet.controllers import timeline as timeline_module
from sparkfleet.controllers.scheduler import SchedulerReconciler
from sparkfleet.controllers.support import InsightMetrics
from sparkfleet.controllers.timeline import TimelineReconciler, explain_now
from sparkfleet.engine.explain import blocker_sentence
from sparkfleet.engine.submission import Submission, SubmissionOptions, build_submission
from sparkfleet.reconcile import Controller

from .karpenter_builders import COMPUTE, MULTI_ARCH, NAMESPACE, NO_GRAVITON, Platform, Platforms, pyspark_pi

Obj = dict[str, Any]


class Fleet:
    """A platform with the real scheduler in front of the provisioner and the timeline controller watching,
    and the operator's part played by hand (the SparkApplication's status, its driver pod)."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.store = platform.store
        self.clock = platform.clock
        self.store.create(manifest_dict(to_configmap(blueprint_queues(), namespace="yunikorn")))
        self.registry = CollectorRegistry()
        self.metrics = InsightMetrics(self.registry)
        self.timeline = TimelineReconciler(self.store, self.clock, metrics=self.metrics)
        scheduler = Controller(SchedulerReconciler(self.store, self.clock), self.store, self.clock)
        platform.controllers.insert(0, scheduler)
        platform.controllers.append(Controller(self.timeline, self.store, self.clock))

    def advance(self, seconds: float) -> None:
        self.platform.advance(seconds, scheduler=False)

    def create(self, app: SparkApplication) -> None:
        """The user applies the manifest."""
        self.store.create(manifest_dict(app))
        self.platform.settle(scheduler=False)

    def submit(self, app: SparkApplication, n: int = 1) -> Submission:
        """The operator submits: the driver pod, and the status naming it."""
        submission = build_submission(app, f"sub-{app.metadata.name}-{n}", SubmissionOptions())
        status = {
            "sparkApplicationId": submission.spark_app_id,
            "applicationState": {"state": "SUBMITTED"},
            "driverInfo": {"podName": submission.driver_pod_name},
        }
        self.store.patch(
            "SparkApplication", NAMESPACE, app.metadata.name, {"status": status}, subresource="status"
        )
        self.store.create(submission.driver_pod)
        self.platform.settle(scheduler=False)
        return submission

    def apply(self, app: SparkApplication) -> Submission:
        self.create(app)
        return self.submit(app)

    def run(self, name: str) -> None:
        """The kubelet starts a pod's containers."""
        started = format_rfc3339(self.clock.now())
        status = {"phase": "Running", "startTime": started}
        self.store.patch("Pod", NAMESPACE, name, {"status": status}, subresource="status")
        self.platform.settle(scheduler=False)

    def executors(self, submission: Submission, count: int) -> list[str]:
        """The driver asks for its executors (Spark's part)."""
        driver = self.store.get("Pod", NAMESPACE, submission.driver_pod_name)
        made = [self.store.create(submission.executor_pod(i, driver_pod=driver)) for i in range(1, count + 1)]
        self.platform.settle(scheduler=False)
        return [e["metadata"]["name"] for e in made]

    def app(self, name: str) -> Obj:
        obj: Obj = self.store.get("SparkApplication", NAMESPACE, name)
        return obj

    def timeline_of(self, name: str) -> tuple[Phase, ...]:
        entries = timeline_of(self.app(name))
        assert entries is not None, f"{name} has no timeline"
        return entries

    def now(self, name: str) -> Phase:
        current = current_phase(self.timeline_of(name))
        assert current is not None
        return current

    def phase_count(self, phase: str) -> float:
        value = self.registry.get_sample_value("sparkfleet_application_phase_seconds_count", {"phase": phase})
        return value or 0.0


def fleet_of(
    build: Platforms, *, pools: Sequence[NodePool] | None = None, scenario: Scenario | None = None
) -> Fleet:
    return Fleet(build(scenario=scenario or Scenario(launchLatencySeconds=5), pools=pools))


def in_dev(app: SparkApplication) -> SparkApplication:
    app.metadata.labels["queue"] = "root.dev"
    return app


def phases(entries: Sequence[Phase]) -> list[str]:
    """The phases in order, one per run (consecutive entries of one phase make one run)."""
    out: list[str] = []
    for entry in entries:
        if not out or out[-1] != entry.phase:
            out.append(entry.phase)
    return out


def test_the_happy_path_goes_from_submitted_to_every_executor_running(build: Platforms) -> None:
    fleet = fleet_of(build)
    app = pyspark_pi(selector=COMPUTE, executors=2)
    fleet.create(app)
    assert [(p.phase, p.reason) for p in fleet.timeline_of(app.metadata.name)] == [
        ("Submitted", "Submitting")
    ]

    fleet.advance(3)
    submission = fleet.submit(app)
    fleet.advance(12)  # the gang reserves, the provisioner launches, the node registers, the driver binds
    driver = submission.driver_pod_name
    assert fleet.now(app.metadata.name).phase == "DriverStarting"
    fleet.advance(2)
    fleet.run(driver)
    assert fleet.now(app.metadata.name).message == "the driver runs; 0 of 2 executors are running"
    fleet.advance(4)
    names = fleet.executors(submission, 2)
    fleet.advance(1)
    for name in names:
        fleet.run(name)

    entries = fleet.timeline_of(app.metadata.name)
    assert phases(entries) == [
        "Submitted",
        "GangReserving",
        "WaitingForCapacity",
        "DriverStarting",
        "DriverRunning",
        "ExecutorsRunning",
    ]
    capacity = next(e for e in entries if e.phase == "WaitingForCapacity")
    assert capacity.reason == "NodeClaimLaunched"
    assert capacity.message.startswith("NodeClaim spark-compute-optimized-")
    current = entries[-1]
    assert (current.reason, current.message) == ("Running", "the driver and 2 of 2 executors are running")
    # every entry ends where the next begins; the first starts at creation, submission 3 s later
    assert all(a.until == b.since for a, b in pairwise(entries))
    created = entries[0].since
    assert entries[1].since - created == timedelta(seconds=3)
    # each phase run that ended is observed once
    for phase in ("Submitted", "GangReserving", "WaitingForCapacity", "DriverStarting", "DriverRunning"):
        assert fleet.phase_count(phase) == 1, phase
    assert fleet.phase_count("ExecutorsRunning") == 0
    submitted = fleet.registry.get_sample_value(
        "sparkfleet_application_phase_seconds_sum", {"phase": "Submitted"}
    )
    assert submitted == 3.0


def test_a_full_queue_says_its_max_and_how_many_applications_wait_ahead(build: Platforms) -> None:
    fleet = fleet_of(build)
    names = [f"job{i}" for i in range(4)]
    for name in names:  # each gang asks 10 vcore: the dev queue's max
        fleet.apply(in_dev(pyspark_pi(name, selector=COMPUTE, executors=4, cores=2)))
        fleet.advance(1)
    fleet.advance(15)
    assert fleet.now("job0").phase == "DriverStarting"
    last = fleet.now("job3")
    assert (last.phase, last.reason) == ("Queued", "QueueMaxReached")
    assert last.message == (
        "queue root.dev is at its max of 10 vcore (allocated 10, the application asks 10); "
        "2 applications ahead"
    )
    assert fleet.now("job1").message.endswith("(allocated 10, the application asks 10)")  # nobody ahead
    assert fleet.now("job2").message.endswith("; 1 application ahead")
    later = last.since + timedelta(minutes=3, seconds=12)
    assert blocker_sentence(last, later) == "waiting 3m12s: " + last.message


def test_a_gang_whose_placeholders_wait_for_a_node_is_gang_reserving(build: Platforms) -> None:
    # before the provisioner's batch window closes nothing is done about capacity: the gang waits
    fleet = fleet_of(build)
    app = pyspark_pi(selector=COMPUTE, executors=2)
    fleet.apply(app)
    current = fleet.now(app.metadata.name)
    assert (current.phase, current.reason) == ("GangReserving", "PlaceholdersPending")
    assert current.message.startswith(
        "waiting for the gang reservation: 0 of 3 placeholders bound; no node has room"
    )


def test_a_nodepool_at_its_limits_is_named_as_the_blocker(build: Platforms) -> None:
    pool = spark_compute_optimized()
    pool.spec.limits = {"cpu": "4"}
    fleet = fleet_of(build, pools=[pool])
    app = pyspark_pi(selector=COMPUTE, executors=4, cores=2)  # a 10-vcore gang
    fleet.apply(app)
    fleet.advance(3)
    current = fleet.now(app.metadata.name)
    assert (current.phase, current.reason) == ("WaitingForCapacity", "NodePoolLimit")
    assert current.message.startswith("no capacity can be provisioned: gang ")
    assert "the pool's limits (cpu 4)" in current.message


def test_capacity_refused_by_ec2_says_the_fallback_taken(build: Platforms) -> None:
    fleet = fleet_of(
        build, pools=[spark_graviton_memory_optimized(), spark_memory_optimized()], scenario=NO_GRAVITON
    )
    app = pyspark_pi(selector=MULTI_ARCH, cores=2, memory="8g")
    fleet.apply(app)
    fleet.advance(1)
    current = fleet.now(app.metadata.name)
    assert (current.phase, current.reason) == ("WaitingForCapacity", "FallbackTaken")
    assert current.message.startswith("fallback taken: InsufficientInstanceCapacity for r")
    assert f"moved to {SPARK_MEMORY_OPTIMIZED} (r5d." in current.message
    assert (
        f"of NodePool {SPARK_MEMORY_OPTIMIZED} launched, waiting for its node to register" in current.message
    )


def test_explain_now_advances_the_kept_timeline_without_writing_it(build: Platforms) -> None:
    fleet = fleet_of(build)
    app = pyspark_pi(selector=COMPUTE)
    fleet.create(app)
    kept = fleet.app(app.metadata.name)["metadata"]["annotations"][ANNOTATION_TIMELINE]
    fleet.platform.controllers.pop()  # the timeline controller stops
    fleet.submit(app)
    update = explain_now(fleet.store, fleet.app(app.metadata.name), fleet.clock.now())
    assert phases(update.entries) == ["Submitted", "GangReserving"]
    assert fleet.app(app.metadata.name)["metadata"]["annotations"][ANNOTATION_TIMELINE] == kept


def test_a_completed_application_is_not_looked_at_again(build: Platforms) -> None:
    fleet = fleet_of(build)
    app = pyspark_pi(selector=COMPUTE)
    fleet.apply(app)
    state = {"applicationState": {"state": "COMPLETED"}}
    fleet.store.patch(
        "SparkApplication", NAMESPACE, app.metadata.name, {"status": state}, subresource="status"
    )
    result = fleet.timeline.reconcile((NAMESPACE, app.metadata.name))
    assert fleet.now(app.metadata.name).phase == "Completed"
    assert result.requeue_after is None
    waiting = fleet.timeline.reconcile((NAMESPACE, "missing"))
    assert waiting.requeue_after is None


def test_an_ended_run_with_its_final_timeline_reads_none_of_its_objects_again(
    build: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet = fleet_of(build)
    app = pyspark_pi(selector=COMPUTE)
    fleet.apply(app)
    state = {"applicationState": {"state": "COMPLETED"}}
    fleet.store.patch(
        "SparkApplication", NAMESPACE, app.metadata.name, {"status": state}, subresource="status"
    )
    fleet.timeline.reconcile((NAMESPACE, app.metadata.name))
    kept = fleet.app(app.metadata.name)["metadata"]["annotations"][ANNOTATION_TIMELINE]

    def no_reads(*args: object, **kwargs: object) -> None:
        raise AssertionError("an ended application's pods and events were read")

    monkeypatch.setattr(timeline_module, "read_facts", no_reads)
    assert fleet.timeline.reconcile((NAMESPACE, app.metadata.name)).requeue_after is None
    assert fleet.app(app.metadata.name)["metadata"]["annotations"][ANNOTATION_TIMELINE] == kept


def test_a_message_that_only_changed_is_written_at_most_once_per_interval(build: Platforms) -> None:
    fleet = fleet_of(build)
    app = pyspark_pi(selector=COMPUTE)
    fleet.apply(app)
    key = (NAMESPACE, app.metadata.name)
    before = fleet.app(app.metadata.name)["metadata"]["resourceVersion"]
    fleet.store.patch(
        "SparkApplication",
        NAMESPACE,
        app.metadata.name,
        {
            "metadata": {
                "annotations": {ANNOTATION_TIMELINE: _with_message(fleet, app.metadata.name, "stale")}
            }
        },
    )
    written = fleet.app(app.metadata.name)["metadata"]["resourceVersion"]
    assert written != before
    result = fleet.timeline.reconcile(key)  # the message differs, but the last write was just now
    assert result.requeue_after is not None and 0 < result.requeue_after <= fleet.timeline.message_seconds
    assert fleet.now(app.metadata.name).message == "stale"
    fleet.clock.advance(fleet.timeline.message_seconds)
    fleet.timeline.reconcile(key)
    assert fleet.now(app.metadata.name).message != "stale"


def _with_message(fleet: Fleet, name: str, message: str) -> str:
    from sparkfleet.engine.explain import format_timeline

    entries = list(fleet.timeline_of(name))
    last = entries[-1]
    entries[-1] = Phase(last.phase, last.since, None, last.reason, message)
    return format_timeline(entries)


def test_placeholder_events_reach_their_application(build: Platforms) -> None:
    fleet = fleet_of(build)
    app = pyspark_pi(selector=COMPUTE)
    fleet.apply(app)
    placeholder = next(
        p
        for p in fleet.store.list("Pod", NAMESPACE).items
        if p["metadata"].get("labels", {}).get("placeholder")
    )
    keys = list(fleet.timeline.keys_for(WatchEvent(WatchEventType.MODIFIED, placeholder)))
    assert keys == [(NAMESPACE, app.metadata.name)]
    deleted = fleet.timeline.keys_for(WatchEvent(WatchEventType.DELETED, fleet.app(app.metadata.name)))
    assert list(deleted) == []
    assert list(fleet.timeline.keys_for(WatchEvent(WatchEventType.MODIFIED, placeholder))) == []
