"""`sparkfleet explain APP` and the timeline `describe sparkapplication` shows, read from a home's store
after the real scheduler and timeline controllers ran."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

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
