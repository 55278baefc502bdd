"""`down` and `up` while a real Spark job runs: the job goes on and completes once, as containers outlive
a kubelet restart; `down --drain` stops it and says why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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


@pytest.fixture
def cluster(home: Path, tmp_path: Path) -> Iterator[Background]:
    # what a restart adopts is the subject: the driver's own JVM, which runs the whole job in local mode
    background = Background(home, local_spark_config(tmp_path / "config"))
    try:
        yield background
    finally:
        background.close()


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

    cluster.down()  # the default: the control plane stops, the driver JVM goes on
    cluster.up()
    go.touch()
    done = wait_for_state(cluster, "restart", {"COMPLETED", "FAILED"})

    assert app_state(done) == "COMPLETED", done["status"]
    assert (done["status"]["submissionAttempts"], done["status"]["executionAttempts"]) == (1, 1)
    after = cluster.api.get("Pod", NS, driver_name)
    assert after["metadata"]["uid"] == before["metadata"]["uid"], "one driver pod"
    started = [e for e in cluster.api.list("Event", NS).items if e.get("reason") == "Started"]
    assert [e["involvedObject"]["name"] for e in started] == [driver_name], "its container started once"
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

    cluster.down(drain=True)
    cluster.up()
    pod = cluster.api.get("Pod", NS, driver_name)
    assert (pod["status"]["phase"], pod["status"]["reason"]) == ("Failed", "Terminated")
    [target] = [c for c in pod["status"]["conditions"] if c["type"] == "DisruptionTarget"]
    assert target["reason"] == "TerminationByKubelet"
    ended = wait_for_state(cluster, "drained", {"FAILED"})
    assert ended["status"]["submissionAttempts"] == 1, "restartPolicy Never: not run again"
