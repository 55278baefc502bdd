"""Runs under a YuniKorn application id seen before, end to end with real Spark.

The blueprint's pi job labels itself `applicationId: pyspark-pi-karpenter`, which YuniKorn takes as the
application id; every run under that id (a schedule's next run, a second application with the same
labels, the job applied again) is a new application for the scheduler, with a gang of its own.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from sparkfleet.api.wire import LABEL_SCHEDULED_APP_NAME
from sparkfleet.cluster import NotFound, Obj
from sparkfleet.config import load_config
from sparkfleet.controllers.support.schedulerstate import read_state
from sparkfleet.platform import Platform
from support.platforms import local_spark, running_platform

pytestmark = pytest.mark.e2e

PI = Path(__file__).resolve().parents[2] / "examples" / "pyspark-pi-job.yaml"
NS = "spark-team-a"
APP_ID = "pyspark-pi-karpenter"
TERMINAL = {"COMPLETED", "FAILED"}
RUN_TIMEOUT = 150.0
"""One run takes 15-25 s here; a run that hangs in SUBMITTED would take the driver start timeout."""


def pi_job(name: str = "pyspark-pi-karpenter") -> Obj:
    doc: Obj = copy.deepcopy(next(d for d in yaml.safe_load_all(PI.read_text()) if d))
    doc["metadata"]["name"] = name
    return doc


def state(app: Obj) -> str | None:
    found: str | None = ((app.get("status") or {}).get("applicationState") or {}).get("state")
    return found


def wait_for_end(platform: Platform, name: str) -> Obj:
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        app = platform.store.get("SparkApplication", NS, name)
        if state(app) in TERMINAL:
            return app
        time.sleep(0.25)
    raise AssertionError(f"{NS}/{name} did not finish in {RUN_TIMEOUT} s (state {state(app)})")


def new_runs(platform: Platform) -> list[str]:
    state_now = read_state(platform.store)
    assert state_now is not None
    return [t.reason for t in state_now.apps[APP_ID].history if t.reason == "NewRun"]


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    # the schedule's runs are the subject, not their executors: one JVM per run
    with running_platform(tmp_path / "home", local_spark(load_config()), tmp_path) as running:
        yield running


def test_a_schedule_of_the_pi_job_completes_its_first_three_runs(platform: Platform) -> None:
    job = pi_job()
    platform.store.create(
        {
            "apiVersion": "sparkoperator.k8s.io/v1beta2",
            "kind": "ScheduledSparkApplication",
            # the runs take the schedule's labels, applicationId included: every run has the same id
            "metadata": {"name": "pyspark-pi-schedule", "namespace": NS, "labels": job["metadata"]["labels"]},
            "spec": {
                # a run starts at most 5 s after the last one ended (Forbid skips firings while one runs)
                "schedule": "@every 5s",
                "concurrencyPolicy": "Forbid",
                "successfulRunHistoryLimit": 3,  # the finished runs and their pods stay
                "failedRunHistoryLimit": 3,
                "template": job["spec"],
            },
        }
    )
    deadline = time.monotonic() + 3 * RUN_TIMEOUT
    runs: list[Obj] = []
    suspended = False
    while time.monotonic() < deadline:
        runs = sorted(
            platform.store.list(
                "SparkApplication", NS, label_selector={LABEL_SCHEDULED_APP_NAME: "pyspark-pi-schedule"}
            ).items,
            key=lambda r: str(r["metadata"]["creationTimestamp"]) + r["metadata"]["name"],
        )
        if len(runs) >= 3 and not suspended:  # three runs are enough
            platform.store.patch(
                "ScheduledSparkApplication", NS, "pyspark-pi-schedule", {"spec": {"suspend": True}}
            )
            suspended = True
        states = [state(r) for r in runs[:3]]
        if "FAILED" in states or (len(states) == 3 and all(s in TERMINAL for s in states)):
            break
        time.sleep(0.25)
    assert [state(r) for r in runs[:3]] == ["COMPLETED"] * 3, [r["metadata"]["name"] for r in runs]
    assert {r["metadata"]["labels"]["applicationId"] for r in runs} == {APP_ID}
    assert new_runs(platform) == ["NewRun", "NewRun"]


def test_a_second_application_with_the_same_application_id_completes_after_the_first(
    platform: Platform,
) -> None:
    platform.store.create(pi_job())
    first = wait_for_end(platform, "pyspark-pi-karpenter")
    assert state(first) == "COMPLETED"
    platform.store.create(pi_job("pyspark-pi-karpenter-again"))  # the first one stays, with its pods
    second = wait_for_end(platform, "pyspark-pi-karpenter-again")
    assert state(second) == "COMPLETED"
    assert state(platform.store.get("SparkApplication", NS, "pyspark-pi-karpenter")) == "COMPLETED"
    assert new_runs(platform) == ["NewRun"]


def test_the_pi_job_completed_deleted_and_applied_again_completes(platform: Platform) -> None:
    platform.store.create(pi_job())
    assert state(wait_for_end(platform, "pyspark-pi-karpenter")) == "COMPLETED"
    platform.store.delete("SparkApplication", NS, "pyspark-pi-karpenter")
    deadline = time.monotonic() + 30
    while platform.store.list("Pod", NS).items and time.monotonic() < deadline:
        time.sleep(0.25)  # its driver goes with it, and the executors with the driver
    with pytest.raises(NotFound):
        platform.store.get("SparkApplication", NS, "pyspark-pi-karpenter")
    assert platform.store.list("Pod", NS).items == []
    platform.store.create(pi_job())
    assert state(wait_for_end(platform, "pyspark-pi-karpenter")) == "COMPLETED"
