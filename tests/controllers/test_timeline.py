"""The timeline controller over the real scheduler, provisioner and NodeClaim controllers on a virtual
clock: each scenario's blocker is known in advance (a full queue, a gang waiting, a NodePool's limits,
capacity refused with a fallback), and so is the happy path's sequence of phases."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest

from sparkfleet.api.appinsight import Phase
from sparkfleet.api.blueprint import SPARK_MEMORY_OPTIMIZED
from sparkfleet.api.wire import ANNOTATION_TIMELINE
from sparkfleet.cluster import WatchEvent, WatchEventType
from sparkfleet.controllers import timeline as timeline_module
from sparkfleet.controllers.timeline import explain_now
from sparkfleet.engine.explain import blocker_sentence
from support.fleetscenarios import (
    PI_APP,
    POOL_CPU_LIMIT,
    Fleet,
    capacity_fallback,
    fleet_of,
    gang_waiting,
    nodepool_limit,
    phases,
    queue_full,
)

from .karpenter_builders import COMPUTE, NAMESPACE, Platforms, pyspark_pi


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
    fleet = queue_full(build)  # each gang asks 10 vcore: the dev queue's max
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
    fleet = gang_waiting(build)
    current = fleet.now(PI_APP)
    assert (current.phase, current.reason) == ("GangReserving", "PlaceholdersPending")
    assert current.message.startswith(
        "waiting for the gang reservation: 0 of 3 placeholders bound; no node has room"
    )


def test_a_nodepool_at_its_limits_is_named_as_the_blocker(build: Platforms) -> None:
    fleet = nodepool_limit(build)  # a 10-vcore gang
    current = fleet.now(PI_APP)
    assert (current.phase, current.reason) == ("WaitingForCapacity", "NodePoolLimit")
    assert current.message.startswith("no capacity can be provisioned: gang ")
    assert f"the pool's limits (cpu {POOL_CPU_LIMIT})" in current.message


def test_capacity_refused_by_ec2_says_the_fallback_taken(build: Platforms) -> None:
    fleet = capacity_fallback(build)
    current = fleet.now(PI_APP)
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
