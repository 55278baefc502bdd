"""`get queues` and `describe app`: the scheduler's queue tree and one application, read from the store."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from sparkfleet.api.sparkapplication import load_spark_application
from sparkfleet.cli.main import app
from sparkfleet.cli.objects import CommandError
from sparkfleet.cli.yunikorn_views import describe_app, queue_reports, render_queues
from sparkfleet.clock import VirtualClock
from sparkfleet.cluster import Cluster, Obj
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.controllers.scheduler import SchedulerReconciler
from sparkfleet.engine.submission import Submission, SubmissionOptions, build_submission
from sparkfleet.platform import open_embedded_store
from sparkfleet.reconcile import Controller

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PI = Path(__file__).resolve().parents[2] / "examples" / "pyspark-pi-job.yaml"
NS = "spark-team-a"
APP_ID = "pyspark-pi-karpenter"
runner = CliRunner()


def compute_node(name: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {"NodeGroupType": "SparkComputeOptimized", "karpenter.sh/capacity-type": "on-demand"},
        },
        "spec": {"taints": [{"key": "spark-compute-optimized", "effect": "NoSchedule"}]},
        "status": {
            "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


def pi_manifest() -> dict[str, Any]:
    doc: dict[str, Any] = copy.deepcopy(next(d for d in yaml.safe_load_all(PI.read_text()) if d))
    return doc


def run_scheduler(store: Cluster, clock: VirtualClock) -> None:
    controller = Controller(SchedulerReconciler(store, clock), store, clock)
    controller.enqueue_all()
    controller.run_until_idle()


def submit_pi(store: Cluster, clock: VirtualClock) -> Submission:
    """The SparkApplication and its driver pod, as the lifecycle controller creates them."""
    manifest = pi_manifest()
    store.create(manifest)
    submission = build_submission(
        load_spark_application(manifest),
        "5e1f2c3a-0000-4000-8000-000000000001",
        SubmissionOptions(),
        submitted_at=clock.now(),
    )
    store.create(submission.driver_pod)
    return submission


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def store(tmp_path: Path, clock: VirtualClock) -> Iterator[EmbeddedCluster]:
    embedded = open_embedded_store(tmp_path, clock)  # seeded with the blueprint's queues
    yield embedded
    embedded.close()


def text_of(store: Cluster) -> str:
    console = Console(record=True, width=240)
    render_queues(console, store)
    return console.export_text()


def row(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if line.split() and line.split()[0] == name)


def test_before_the_scheduler_ran_the_queues_are_shown_as_configured(store: EmbeddedCluster) -> None:
    text = text_of(store)
    assert text.split()[:7] == ["QUEUE", "GUARANTEED", "MAX", "ALLOCATED", "PENDING", "RUNNING", "APPS"]
    dev = row(text, "dev")
    assert dev.startswith("  dev")  # indented under root
    assert "{memory: 100G, vcore: 10}" in dev
    assert "The scheduler has not run yet" in text
    reports, live = queue_reports(store)
    assert not live
    assert [q.path for q in reports] == ["root", "root.default", "root.dev", "root.prod", "root.test"]


def test_after_a_cycle_the_queues_show_allocated_pending_and_apps(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    submit_pi(store, clock)
    store.create(compute_node("c1"))
    store.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "big",
                "namespace": NS,
                "labels": {"queue": "root.dev", "applicationId": "b"},
            },
            "spec": {
                "schedulerName": "yunikorn",
                "containers": [{"name": "m", "resources": {"requests": {"cpu": "3", "memory": "1Gi"}}}],
            },
        }
    )
    run_scheduler(store, clock)
    text = text_of(store)
    test = row(text, "test")
    # the driver (swapped in for its placeholder) and two executor placeholders: 1 vcore each
    assert "{memory: 2688Mi, pods: 3, vcore: 3}" in test
    assert APP_ID in test
    dev = row(text, "dev")
    assert "{memory: 1Gi, pods: 1, vcore: 3}" in dev  # pending: no node has 3 free vcores left
    assert "The scheduler has not run yet" not in text


def test_describe_app_shows_state_queue_history_task_groups_and_pods(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    submission = submit_pi(store, clock)
    store.create(compute_node("c1"))
    run_scheduler(store, clock)
    text = describe_app(store, APP_ID)
    assert "State:        Running" in text
    assert "Queue:        root.test" in text
    assert "Submitted:    2026-01-05T09:00:00Z" in text
    assert re.search(r"Accepted\s+Reserving\s+GangScheduling", text)
    assert re.search(r"Reserving\s+Running\s+GangReservationComplete", text)
    # the driver replaced its placeholder; the executors' placeholders are bound, waiting for executors
    assert re.search(r"spark-driver\s+1\s+\{cpu: 1, memory: 896Mi\}\s+0/0\s+1/1", text)
    assert re.search(r"spark-executor\s+2\s+\{cpu: 1, memory: 896Mi\}\s+2/2\s+0/0", text)
    assert re.search(rf"{NS}/{submission.driver_pod_name}\s+driver\s+spark-driver\s+Pending\s+c1", text)
    assert len(re.findall(r"placeholder\s+spark-executor\s+Pending\s+c1", text)) == 2


def test_describe_app_accepts_the_spark_app_id_and_the_spark_application_name(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    submission = submit_pi(store, clock)
    run_scheduler(store, clock)
    by_id = describe_app(store, APP_ID)
    assert describe_app(store, submission.spark_app_id) == by_id
    assert describe_app(store, f"{NS}/pyspark-pi-karpenter") == by_id
    assert describe_app(store, "pyspark-pi-karpenter", namespace=NS) == by_id
    assert "State:        Reserving" in by_id
    with pytest.raises(CommandError, match='no application "nothing"'):
        describe_app(store, "nothing")


def test_the_command_line_shows_queues_and_describes_an_application(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: VirtualClock
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("SPARKFLEET_HOME", str(home))
    result = runner.invoke(app, ["get", "queues"])
    assert result.exit_code == 0, result.output
    assert row(result.stdout, "prod").startswith("  prod")

    store = open_embedded_store(home, clock)
    submit_pi(store, clock)
    run_scheduler(store, clock)
    store.close()
    result = runner.invoke(app, ["describe", "app", "pyspark-pi-karpenter", "-n", NS])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Application:  {APP_ID}\n")
    assert "Queue:        root.test" in result.stdout
    result = runner.invoke(app, ["describe", "app", "missing"])
    assert result.exit_code == 1
    assert 'no application "missing"' in result.stderr
