"""End to end with real Spark: the blueprint's pyspark-pi driver pod becomes a PySpark process through the
kubelet, estimates pi, and its pod and application succeed. Select with `-m e2e`; about 20 s."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.runtime.local import LocalRuntime

from ..harness import DRIVER, NODE, NS, Cluster

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="pyspark is not installed"),
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime"),
]


def test_the_pyspark_pi_driver_runs_for_real_and_its_application_completes(
    store: EmbeddedCluster, clock: VirtualClock, runtime: LocalRuntime, home: Path
) -> None:
    cluster = Cluster(store, clock, runtime, home, cpu_count=None)
    cluster.submit("local:///opt/spark/examples/src/main/python/pi.py")
    running = cluster.run()
    assert running["status"]["phase"] == "Running"
    executors = cluster.executors()
    assert len(executors) == 2
    for executor in executors:
        assert cluster.run(executor["metadata"]["name"])["status"]["phase"] == "Running"

    done = cluster.finish(timeout=120)
    log = list(cluster.runtime.logs(NS, DRIVER))
    assert done["status"]["phase"] == "Succeeded", "\n".join(log[-40:])
    assert any(line.startswith("Pi is roughly 3.1") for line in log)
    assert [e["status"]["phase"] for e in cluster.executors()] == ["Succeeded", "Succeeded"]
    assert cluster.app_state() == {"state": "COMPLETED"}
    # Spark's scratch space was the node's NVMe array, and its event log is where the History Server looks.
    array = str(home / "nodes" / NODE / "mnt" / "k8s-disks" / "0")
    assert any(array in line for line in log if "Deleting directory" in line)
    assert [p.name for p in (home / "eventlogs").iterdir() if p.name.startswith("eventlog_v2_local-")]
