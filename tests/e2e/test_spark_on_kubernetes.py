"""Spark on Kubernetes on the embedded cluster: the blueprint's pyspark-pi job, applied unchanged with the
real kubectl, runs its driver as the Spark image would in its pod, and Spark's own Kubernetes backend
creates its two executor pods through the cluster's API; each runs as a real executor JVM at an address
of its own on the node it was bound to, the tasks run there, and Spark deletes its executors when the
job ends. `kubectl get pods -w` shows it all as on EKS."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.background import NS, Background, kubernetes_mode, spark_app, wait_for_state
from support.cli import PI
from support.cli import sf as sf_any
from support.cli import sf_ok as sf
from support.kubectl import Kubectl, kubectl_binary

pytestmark = pytest.mark.e2e

APP = "pyspark-pi-karpenter"
DRIVER = f"{APP}-driver"
FINISHED_ON = re.compile(
    r"Finished task \S+ in stage \S+ \(TID \d+\) in \d+ ms on (127\.\S+) \(executor (\d+)\)"
)


@pytest.fixture
def cluster(home: Path, tmp_path: Path) -> Iterator[Background]:
    with kubernetes_mode(home, tmp_path / "config") as background:
        yield background


def watch_events(watch: subprocess.Popen[bytes], output: Path) -> list[dict[str, Any]]:
    """The watch events `kubectl get -w --output-watch-events -o json` wrote to `output` (one JSON object
    each; a file, since a pipe left unread would fill and stall the watch)."""
    watch.terminate()
    watch.wait(timeout=30)
    text = output.read_text()
    decoder, events, at = json.JSONDecoder(), [], 0
    while (at := _skip_space(text, at)) < len(text):
        event, at = decoder.raw_decode(text, at)
        events.append(event)
    return events


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def test_the_pi_job_runs_on_executor_jvms_that_spark_creates_through_the_api(
    cluster: Background, home: Path, tmp_path: Path
) -> None:
    cluster.up()
    kubectl = Kubectl(kubectl_binary(), home / "kubeconfig")
    output = tmp_path / "watch.json"
    with output.open("wb") as sink:
        watch = subprocess.Popen(
            [kubectl.binary, "get", "pods", "-n", NS, "-w", "--output-watch-events", "-o", "json"],
            env=kubectl.env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        kubectl.ok("apply", "-f", str(PI))
        app = wait_for_state(cluster, APP, {"COMPLETED", "FAILED"}, timeout=300)
    finally:
        events = watch_events(watch, output)
    assert app["status"]["applicationState"]["state"] == "COMPLETED", app["status"]

    driver_log = sf("logs", "-n", NS, DRIVER)
    assert "Pi is roughly 3.1" in driver_log
    finished = FINISHED_ON.findall(driver_log)
    assert {executor for _, executor in finished} == {"1", "2"}, driver_log[-3000:]
    assert len({address for address, _ in finished}) == 2  # each executor at an address of its own

    pods: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for event in events:
        pod = event["object"]
        pods.setdefault(pod["metadata"]["name"], []).append((event["type"], pod))
    executors = sorted(
        n for n, seen in pods.items() if seen[0][1]["metadata"]["labels"].get("spark-role") == "executor"
    )
    assert len(executors) == 2 and all(re.fullmatch(r".+-exec-[12]", n) for n in executors), sorted(pods)
    driver_ip = next(p["status"]["podIP"] for _, p in pods[DRIVER] if (p.get("status") or {}).get("podIP"))
    assert driver_ip.startswith("127.") and driver_ip != "127.0.0.1"
    for name in executors:
        seen = pods[name]
        created = seen[0][1]
        # Created by Spark in the driver (owned by the driver pod, from the pod template it was given)...
        assert [r["name"] for r in created["metadata"]["ownerReferences"]] == [DRIVER]
        assert created["spec"]["nodeSelector"]["NodeGroupType"] == "SparkComputeOptimized"
        assert created["metadata"]["annotations"]["yunikorn.apache.org/task-group-name"] == "spark-executor"
        # ...bound, running at an address of its own, then deleted by Spark when the job ends.
        running = [p for _, p in seen if (p.get("status") or {}).get("phase") == "Running"]
        assert running and running[-1]["spec"]["nodeName"]
        ip = running[-1]["status"]["podIP"]
        assert ip.startswith("127.") and ip not in ("127.0.0.1", driver_ip)
        assert any(address == ip for address, _ in finished)
        assert seen[-1][0] == "DELETED"

    executor_log = sf("logs", "-n", NS, executors[0])
    assert "KubernetesExecutorBackend" in executor_log and "Running task" in executor_log


# Twelve two-second tasks on two one-core executors: time enough to lose a node in the middle.
SLOW_JOB = """\
import time
from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("node-loss").getOrCreate()


def slow(i):
    time.sleep(2)
    return i


print("sum:", spark.sparkContext.parallelize(range(24), 12).map(slow).sum(), flush=True)
spark.stop()
"""


def driver_log_when(pattern: str, name: str, timeout: float = 180.0) -> str:
    """The driver's log once `pattern` is found in it."""
    deadline = time.monotonic() + timeout
    while True:
        _, log, _ = sf_any("logs", "-n", NS, name)  # no log until the driver runs
        if re.search(pattern, log):
            return log
        assert time.monotonic() < deadline, f"{name}'s log never showed {pattern!r}: {log[-2000:]}"
        time.sleep(0.5)


@pytest.fixture
def small_machine(home: Path, tmp_path: Path) -> Iterator[Background]:
    """The cluster on a machine whose executor heaps share 2 GiB."""
    with kubernetes_mode(home, tmp_path / "config", "  memoryBudget: 2Gi\n") as background:
        yield background


def test_executors_lost_with_their_node_are_replaced_and_the_job_completes(
    small_machine: Background, home: Path, tmp_path: Path
) -> None:
    cluster = small_machine
    api = cluster.up()
    kubectl = Kubectl(kubectl_binary(), home / "kubeconfig")
    script = tmp_path / "slow.py"
    script.write_text(SLOW_JOB)
    job = spark_app("node-loss", script)
    job["spec"]["executor"]["instances"] = 2
    job["spec"]["executor"]["memory"] = "2g"  # two of them do not fit the 2 GiB budget whole
    # The executors on spot capacity of their own, away from the on-demand driver.
    job["spec"]["executor"]["nodeSelector"]["karpenter.sh/capacity-type"] = "spot"
    api.create(job)
    driver = "node-loss-driver"
    driver_log_when(r"Finished task \S+ in stage", driver)
    executors = [
        p
        for p in api.list("Pod", NS, label_selector={"spark-role": "executor"}).items
        if p["spec"].get("nodeName")
    ]
    nodes = {p["spec"]["nodeName"] for p in executors}
    driver_node = api.get("Pod", NS, driver)["spec"]["nodeName"]
    assert nodes and driver_node not in nodes
    for node in nodes:
        kubectl.ok("delete", "node", node, "--wait=false")

    app = wait_for_state(cluster, "node-loss", {"COMPLETED", "FAILED"}, timeout=300)
    assert app["status"]["applicationState"]["state"] == "COMPLETED", app["status"]
    log = sf("logs", "-n", NS, driver)
    assert "sum: 276" in log
    registered = set(re.findall(r"Registered executor .* with ID (\d+)", log))
    assert registered > {"1", "2"}  # replacements, asked for by Spark once 1 and 2 were lost
    scaled = [e for e in api.list("Event", NS).items if e.get("reason") == "LocalHeap"]
    assert scaled and all("2048Mi asked, 1024Mi given" in e["message"] for e in scaled), scaled


# The first spot instance is reclaimed 40 s after its launch: its executors register some 20 s after it,
# and their 24 four-second tasks take some 50 s more, so the notice comes mid-job.
SPOT_RECLAIMED = """\
spotInterruptions:
  - afterLaunch: 40
    count: 1
"""


def test_a_spot_interruption_of_an_executors_node_mid_job_is_survived_and_the_job_completes(
    home: Path, tmp_path: Path
) -> None:
    with kubernetes_mode(home, tmp_path / "config", "  memoryBudget: 2Gi\n", SPOT_RECLAIMED) as cluster:
        api = cluster.up()
        script = tmp_path / "slow.py"
        script.write_text(SLOW_JOB.replace("range(24), 12", "range(48), 24"))
        job = spark_app("spot-loss", script)
        job["spec"]["executor"]["instances"] = 2
        job["spec"]["executor"]["nodeSelector"]["karpenter.sh/capacity-type"] = "spot"
        api.create(job)
        app = wait_for_state(cluster, "spot-loss", {"COMPLETED", "FAILED"}, timeout=300)
        assert app["status"]["applicationState"]["state"] == "COMPLETED", app["status"]
        log = sf("logs", "-n", NS, "spot-loss-driver")
        assert "sum: 1128" in log
        # The executors on the reclaimed node went, and Spark asked for replacements on new capacity.
        registered = {int(i) for i in re.findall(r"Registered executor .* with ID (\d+)", log)}
        assert registered and max(registered) > 2, log[-3000:]
        reasons = {e.get("reason") for e in api.list("Event").items}
        assert {"SpotInterrupted", "DisruptionInterruption", "Evicted"} <= reasons, reasons


# A wide stage, then a quiet spell while the session stays up: executors come for the stage, and go.
SCALING_JOB = """\
import pathlib, sys, time
from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("scaling").getOrCreate()


def slow(i):
    time.sleep(1)
    return i


print("sum:", spark.sparkContext.parallelize(range(24), 24).map(slow).sum(), flush=True)
while not pathlib.Path(sys.argv[1]).exists():
    time.sleep(0.1)
spark.stop()
"""


def live_executors(cluster: Background) -> list[str]:
    pods = cluster.api.list("Pod", NS, label_selector={"spark-role": "executor"}).items
    return [
        p["metadata"]["name"] for p in pods if (p.get("status") or {}).get("phase") in ("Pending", "Running")
    ]


def test_dynamic_allocation_scales_executors_up_for_work_and_down_when_idle(
    cluster: Background, tmp_path: Path
) -> None:
    api = cluster.up()
    script, go = tmp_path / "scaling.py", tmp_path / "go"
    script.write_text(SCALING_JOB)
    job = spark_app("scaling", script)
    job["spec"]["arguments"] = [str(go)]
    job["spec"]["dynamicAllocation"] = {
        "enabled": True,
        "initialExecutors": 1,
        "minExecutors": 1,
        "maxExecutors": 3,
        "shuffleTrackingEnabled": True,
    }
    job["spec"]["sparkConf"].update(
        {
            "spark.dynamicAllocation.executorIdleTimeout": "2s",
            "spark.dynamicAllocation.schedulerBacklogTimeout": "1s",
        }
    )
    api.create(job)
    log = driver_log_when(r"sum: 276", "scaling-driver")
    assert set(re.findall(r"Registered executor .* with ID (\d+)", log)) == {"1", "2", "3"}
    deadline = time.monotonic() + 60
    while len(live_executors(cluster)) > 1:  # idle executors are removed by Spark, down to minExecutors
        assert time.monotonic() < deadline, live_executors(cluster)
        time.sleep(0.5)
    assert api.get("Pod", NS, "scaling-driver")["status"]["phase"] == "Running"
    go.touch()
    app = wait_for_state(cluster, "scaling", {"COMPLETED", "FAILED"}, timeout=120)
    assert app["status"]["applicationState"]["state"] == "COMPLETED", app["status"]
