"""`sparkfleet explain APP` and the timeline `describe sparkapplication` shows, read from a home's store
after the real scheduler and timeline controllers ran; then the four waiting scenarios whose blocker is
known in advance (support.fleetscenarios: a full queue, a gang waiting, a NodePool at its limits,
capacity refused with a fallback), on every controller, as a user reads them."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from controllers.karpenter_builders import GRAVITON, Platforms
from sparkfleet.api.blueprint import SPARK_COMPUTE_OPTIMIZED, SPARK_MEMORY_OPTIMIZED
from sparkfleet.api.sparkapplication import load_spark_application
from sparkfleet.api.wire import ANNOTATION_TIMELINE
from sparkfleet.cli.explain_verbs import explain_text, timeline_lines
from sparkfleet.cli.main import app
from sparkfleet.cli.objects import CommandError, describe_text
from sparkfleet.clock import VirtualClock
from sparkfleet.cluster import Cluster
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.controllers.scheduler import SchedulerReconciler
from sparkfleet.controllers.timeline import TimelineReconciler
from sparkfleet.engine.submission import SubmissionOptions, build_submission
from sparkfleet.platform import open_embedded_store
from sparkfleet.reconcile import Controller
from support.fleetscenarios import (
    PI_APP,
    POOL_CPU_LIMIT,
    Fleet,
    at,
    capacity_fallback,
    gang_waiting,
    nodepool_limit,
    queue_full,
)

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PI = Path(__file__).resolve().parents[2] / "examples" / "pyspark-pi-job.yaml"
NS = "spark-team-a"
NAME = "pyspark-pi-karpenter"
runner = CliRunner()


def submit_and_schedule(store: Cluster, clock: VirtualClock) -> None:
    """The SparkApplication, its driver pod and status as the operator makes them, 20 s later the
    scheduler's cycle (no node: the gang's placeholders wait), and the timeline controller's writes."""
    manifest: dict[str, Any] = copy.deepcopy(next(d for d in yaml.safe_load_all(PI.read_text()) if d))
    store.create(manifest)
    timeline = Controller(TimelineReconciler(store, clock), store, clock)
    timeline.enqueue_all()
    timeline.run_until_idle()
    clock.advance(20)
    submission = build_submission(
        load_spark_application(manifest), "sub-1", SubmissionOptions(), submitted_at=clock.now()
    )
    status = {
        "sparkApplicationId": submission.spark_app_id,
        "applicationState": {"state": "SUBMITTED"},
        "driverInfo": {"podName": submission.driver_pod_name},
    }
    store.patch("SparkApplication", NS, NAME, {"status": status}, subresource="status")
    store.create(submission.driver_pod)
    scheduler = Controller(SchedulerReconciler(store, clock), store, clock)
    scheduler.enqueue_all()
    scheduler.run_until_idle()
    timeline.enqueue_all()
    timeline.run_until_idle()


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def store(tmp_path: Path, clock: VirtualClock) -> Iterator[EmbeddedCluster]:
    embedded = open_embedded_store(tmp_path, clock)  # seeded with the blueprint's queues
    yield embedded
    embedded.close()


def test_explain_prints_each_phase_with_its_start_duration_and_reason_then_the_blocker(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    submit_and_schedule(store, clock)
    lines = explain_text(store, NS, NAME, clock.now() + timedelta(minutes=3, seconds=12)).splitlines()
    assert lines[0].split() == ["PHASE", "SINCE", "DURATION", "REASON", "MESSAGE"]
    assert lines[1].split()[:4] == ["Submitted", "2026-01-05T09:00:00Z", "20s", "Submitting"]
    assert lines[2].split()[:4] == ["GangReserving", "2026-01-05T09:00:20Z", "3m12s+", "PlaceholdersPending"]
    assert lines[3] == ""
    assert lines[4] == (
        f"{NS}/{NAME}: waiting 3m12s: waiting for the gang reservation: 0 of 3 placeholders bound; "
        "no node has room (0/0 nodes are available: the cluster has no nodes yet.); "
        "waiting for the provisioner"
    )
    # the columns line up: every message starts where the header's does
    column = lines[0].index("MESSAGE")
    assert all(line[column - 2 : column] == "  " and line[column] != " " for line in lines[1:3])


def test_an_unknown_application_is_one_line_naming_the_fix(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    with pytest.raises(CommandError, match=r'SparkApplication "nope" not found in namespace "default"'):
        explain_text(store, "default", "nope", clock.now())


def test_describe_shows_the_kept_timeline(store: EmbeddedCluster, clock: VirtualClock) -> None:
    submit_and_schedule(store, clock)
    text = describe_text(store, store.get("SparkApplication", NS, NAME), clock.now() + timedelta(seconds=30))
    assert ANNOTATION_TIMELINE not in text  # the raw JSON is left out of the annotations line
    section = text.split("\nTimeline:\n", 1)[1].splitlines()
    assert section[0].split() == ["PHASE", "SINCE", "DURATION", "REASON", "MESSAGE"]
    assert section[1].split()[0] == "Submitted" and section[2].split()[:3] == [
        "GangReserving",
        "2026-01-05T09:00:20Z",
        "30s+",
    ]
    assert section[4].startswith("  Now: waiting 30s: waiting for the gang reservation: 0 of 3 placeholders")


def test_an_empty_timeline_says_so() -> None:
    assert timeline_lines((), START) == ["Now: no timeline yet"]


def test_the_explain_verb_reads_the_home_and_fails_in_one_line_for_an_unknown_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: VirtualClock
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("SPARKFLEET_HOME", str(home))
    store = open_embedded_store(home, clock)
    submit_and_schedule(store, clock)
    store.close()
    result = runner.invoke(app, ["explain", NAME, "-n", NS])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["PHASE", "SINCE", "DURATION", "REASON", "MESSAGE"]
    assert [line.split()[0] for line in lines[1:3]] == ["Submitted", "GangReserving"]
    assert lines[-1].startswith(f"{NS}/{NAME}: waiting ")

    result = runner.invoke(app, ["explain", "missing", "-n", NS])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f'error: SparkApplication "missing" not found in namespace "{NS}" (give its namespace with -n)'
    ]


# -- the four waiting scenarios, on the real controllers and a virtual clock ------------------------------
def explained(fleet: Fleet, name: str) -> tuple[list[list[str]], str]:
    """`sparkfleet explain NAME` at the fleet's moment: each phase row's PHASE, SINCE, DURATION and
    REASON, and the blocker line."""
    lines = explain_text(fleet.store, NS, name, fleet.clock.now()).splitlines()
    assert lines[0].split() == ["PHASE", "SINCE", "DURATION", "REASON", "MESSAGE"]
    assert lines[-2] == ""
    return [line.split()[:4] for line in lines[1:-2]], lines[-1]


def test_explain_says_the_queue_is_at_its_max_and_how_many_applications_are_ahead(build: Platforms) -> None:
    fleet = queue_full(build)  # 19 s in: job0's gang holds root.dev's 10 vcore since its node came (:06)
    rows, blocker = explained(fleet, "job3")
    assert rows == [
        ["Submitted", "2026-01-05T09:00:03Z", "0s", "Submitting"],
        ["GangReserving", "2026-01-05T09:00:03Z", "1s", "PlaceholdersPending"],
        ["WaitingForCapacity", "2026-01-05T09:00:04Z", "2s", "NodeClaimLaunched"],
        ["Queued", "2026-01-05T09:00:06Z", "13s+", "QueueMaxReached"],
    ]
    full = "queue root.dev is at its max of 10 vcore (allocated 10, the application asks 10)"
    assert blocker == f"{NS}/job3: waiting 13s: {full}; 2 applications ahead"
    ahead = {"job1": "", "job2": "; 1 application ahead"}
    for name, behind in ahead.items():
        assert explained(fleet, name)[1] == f"{NS}/{name}: waiting 13s: {full}{behind}"
    assert explained(fleet, "job0")[1].startswith(f"{NS}/job0: waiting 13s: driver pod job0-driver is bound")


def test_explain_shows_the_gang_waiting_for_its_placeholders_then_for_the_node_launched(
    build: Platforms,
) -> None:
    fleet = gang_waiting(build)
    rows, blocker = explained(fleet, PI_APP)
    assert rows == [
        ["Submitted", "2026-01-05T09:00:00Z", "0s", "Submitting"],
        ["GangReserving", "2026-01-05T09:00:00Z", "0s+", "PlaceholdersPending"],
    ]
    assert blocker == (
        f"{NS}/{PI_APP}: waiting 0s: waiting for the gang reservation: 0 of 3 placeholders bound; "
        "no node has room (0/0 nodes are available: the cluster has no nodes yet.); "
        "waiting for the provisioner"
    )
    fleet.advance_to(at(3))  # the batch window closed at 1 s; EC2 takes 5 s to bring the node
    rows, blocker = explained(fleet, PI_APP)
    assert rows[1:] == [
        ["GangReserving", "2026-01-05T09:00:00Z", "1s", "PlaceholdersPending"],
        ["WaitingForCapacity", "2026-01-05T09:00:01Z", "2s+", "NodeClaimLaunched"],
    ]
    assert re.fullmatch(
        re.escape(f"{NS}/{PI_APP}: waiting 2s: NodeClaim {SPARK_COMPUTE_OPTIMIZED}-")
        + r"[a-z0-9]+"
        + re.escape(
            " (c5d.4xlarge, spot, us-east-1a) "
            f"of NodePool {SPARK_COMPUTE_OPTIMIZED} launched, waiting for its node to register"
        ),
        blocker,
    ), blocker


def test_explain_names_the_nodepool_and_the_limit_it_reached(build: Platforms) -> None:
    fleet = nodepool_limit(build)
    fleet.advance_to(at(60))
    rows, blocker = explained(fleet, PI_APP)
    assert rows == [
        ["Submitted", "2026-01-05T09:00:00Z", "0s", "Submitting"],
        ["GangReserving", "2026-01-05T09:00:00Z", "1s", "PlaceholdersPending"],
        ["WaitingForCapacity", "2026-01-05T09:00:01Z", "59s+", "NodePoolLimit"],
    ]
    # the 10-vcore gang's first placeholder (the driver's, 2 vcore) already fits no node within 4 cpu:
    # the pool's smallest instance, c5d.4xlarge, has 16
    assert re.fullmatch(
        re.escape(
            f"{NS}/{PI_APP}: waiting 59s: no capacity can be provisioned: gang {NS}/{PI_APP}: "
            f"5 of 5 pods cannot be placed ({NS}/tg-{PI_APP}-spark-driver-"
        )
        + r"[0-9a-f]+"
        + re.escape(
            f": no NodePool can host it: {SPARK_COMPUTE_OPTIMIZED}: the pool's limits (cpu {POOL_CPU_LIMIT}) "
            "leave no room for a node that holds it); no capacity is planned for any pod of the gang"
        ),
        blocker,
    ), blocker
    assert fleet.store.list("NodeClaim").items == []


def test_explain_says_the_fallback_taken_after_the_capacity_refusal_and_keeps_it_in_the_timeline(
    build: Platforms,
) -> None:
    fleet = capacity_fallback(build)
    rows, blocker = explained(fleet, PI_APP)
    assert rows == [
        ["Submitted", "2026-01-05T09:00:00Z", "0s", "Submitting"],
        ["GangReserving", "2026-01-05T09:00:00Z", "1s", "PlaceholdersPending"],
        ["WaitingForCapacity", "2026-01-05T09:00:01Z", "0s+", "FallbackTaken"],
    ]
    found = re.fullmatch(
        re.escape(f"{NS}/{PI_APP}: waiting 0s: fallback taken: InsufficientInstanceCapacity for ")
        + r"(?P<refused>.+) and (?P<more>\d+) more"
        + re.escape(
            f"; 3 pods moved to {SPARK_MEMORY_OPTIMIZED} (r5d.2xlarge); NodeClaim {SPARK_MEMORY_OPTIMIZED}-"
        )
        + r"[a-z0-9]+"
        + re.escape(
            " (r5d.2xlarge, spot, us-east-1b) "
            f"of NodePool {SPARK_MEMORY_OPTIMIZED} launched, waiting for its node to register"
        ),
        blocker,
    )
    assert found is not None, blocker
    # every offering named as refused is a Graviton one (type/zone/capacity type), six of 30
    refused = found["refused"].split(", ")
    assert len(refused) == 6 and int(found["more"]) == 24
    for offering in refused:
        instance_type, zone, capacity = offering.split("/")
        assert instance_type.split(".")[0] in GRAVITON and zone.startswith("us-east-1"), offering
        assert capacity in ("spot", "on-demand"), offering

    fleet.advance_to(at(10))  # the r5d.2xlarge registered at 2 s; the driver starts at 10 s
    fleet.start_job(PI_APP, executors=2, executors_after=10)
    rows, blocker = explained(fleet, PI_APP)
    assert rows == [
        ["Submitted", "2026-01-05T09:00:00Z", "0s", "Submitting"],
        ["GangReserving", "2026-01-05T09:00:00Z", "1s", "PlaceholdersPending"],
        ["WaitingForCapacity", "2026-01-05T09:00:01Z", "1s", "FallbackTaken"],
        ["DriverStarting", "2026-01-05T09:00:02Z", "8s", "Scheduled"],
        ["DriverRunning", "2026-01-05T09:00:10Z", "10s", "ExecutorsPending"],
        ["ExecutorsRunning", "2026-01-05T09:00:20Z", "0s+", "Running"],
    ]
    assert blocker == f"{NS}/{PI_APP}: running 0s: the driver and 2 of 2 executors are running"
