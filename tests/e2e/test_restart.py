"""`down` and `up` while a real Spark job runs, on Kubernetes and in local mode: the job goes on and
completes once, as containers outlive a kubelet restart (with its executors, whose driver's watch
reconnects to the API on its usual port); `down --drain` stops it and says why."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from sparkfleet.server import RemoteCluster
from support.background import NS, Background, app_state, spark_app, wait_for_state
from support.platforms import local_spark_config

pytestmark = pytest.mark.e2e

WAITING_JOB = """\
import pathlib, sys, time
from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("restart").getOrCreate()
print("session up", flush=True)
while not pathlib.Path(sys.argv[1]).exists():
    time.sleep(0.1)
print("rows:", spark.range(1000).count(), flush=True)
spark.stop()
"""


@pytest.fixture(params=["kubernetes", "local"])
def cluster(request: pytest.FixtureRequest, home: Path, tmp_path: Path) -> Iterator[Background]:
    """`up` with Spark on Kubernetes (the default: the driver and its executor JVMs outlive the restart)
    or in local mode (the driver's JVM alone)."""
    config = local_spark_config(tmp_path / "config") if request.param == "local" else None
    background = Background(home, config)
    try:
        yield background
    finally:
        background.close()


def wait_for_line(api: RemoteCluster, pod: str, line: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while line not in api.pod_log(NS, pod):
        assert time.monotonic() < deadline, f"{pod} did not print {line!r} in {timeout} s"
        time.sleep(0.5)


def test_down_while_a_job_runs_then_up_completes_it_once(cluster: Background, tmp_path: Path) -> None:
    script, go = tmp_path / "job.py", tmp_path / "go"
    script.write_text(WAITING_JOB)
    api = cluster.up()
    job = spark_app("restart", script)
    job["spec"]["arguments"] = [str(go)]
    api.create(job)
    running = wait_for_state(cluster, "restart", {"RUNNING"})
    driver_name = running["status"]["driverInfo"]["podName"]
    before = api.get("Pod", NS, driver_name)
    # Spark's Kubernetes backend needs the API while its SparkContext starts (it reads its driver pod
    # and lists executors), as on EKS; once the session is up, its watch reconnects after the restart.
    wait_for_line(api, driver_name, "session up")

    cluster.down()  # the default: the control plane stops, the driver JVM goes on
    cluster.up()
    go.touch()
    done = wait_for_state(cluster, "restart", {"COMPLETED", "FAILED"})

    assert app_state(done) == "COMPLETED", done["status"]
    assert (done["status"]["submissionAttempts"], done["status"]["executionAttempts"]) == (1, 1)
    after = cluster.api.get("Pod", NS, driver_name)
    assert after["metadata"]["uid"] == before["metadata"]["uid"], "one driver pod"
    events = cluster.api.list("Event", NS).items
    started = Counter(e["involvedObject"]["name"] for e in events if e.get("reason") == "Started")
    assert started[driver_name] == 1, "its container started once"
    assert set(started.values()) == {1}, f"each container started once (executors too): {started}"
    drivers = cluster.api.list("Pod", NS, label_selector={"spark-role": "driver"}).items
    assert [d["metadata"]["name"] for d in drivers] == [driver_name]


def test_down_drain_stops_the_running_driver_and_records_why(cluster: Background, tmp_path: Path) -> None:
    script, go = tmp_path / "job.py", tmp_path / "go"
    script.write_text(WAITING_JOB)
    api = cluster.up()
    job = spark_app("drained", script)
    job["spec"]["arguments"] = [str(go)]
    api.create(job)
    running = wait_for_state(cluster, "drained", {"RUNNING"})
    driver_name = running["status"]["driverInfo"]["podName"]
    wait_for_line(api, driver_name, "session up")

    cluster.down(drain=True)
    cluster.up()
    pod = cluster.api.get("Pod", NS, driver_name)
    assert (pod["status"]["phase"], pod["status"]["reason"]) == ("Failed", "Terminated")
    [target] = [c for c in pod["status"]["conditions"] if c["type"] == "DisruptionTarget"]
    assert target["reason"] == "TerminationByKubelet"
    ended = wait_for_state(cluster, "drained", {"FAILED"})
    assert ended["status"]["submissionAttempts"] == 1, "restartPolicy Never: not run again"
