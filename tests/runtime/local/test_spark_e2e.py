"""End to end with real Spark: the blueprint's pyspark-pi driver pod becomes a PySpark process through the
kubelet, estimates pi, and its pod and application succeed. Select with `-m e2e`; about 20 s."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import zstandard

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.events import events_for
from sparkfleet.runtime.local import LocalRuntime, find_spark

from ..harness import DRIVER, NODE, NS, Cluster

pytestmark = pytest.mark.e2e


def test_the_pyspark_pi_driver_runs_for_real_and_its_application_completes(
    store: EmbeddedCluster, clock: VirtualClock, runtime: LocalRuntime, home: Path
) -> None:
    cluster = Cluster(store, clock, runtime, home, cpu_count=None)
    cluster.submit("local:///opt/spark/examples/src/main/python/pi.py", sparkVersion="3.5.3")
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
    # The installed PySpark ran it, whatever spec.sparkVersion says, and the application's events say so.
    (note,) = [
        e for e in events_for(store, "SparkApplication", NS, "pyspark-pi") if e["reason"] == "SparkVersion"
    ]
    assert note["type"] == "Normal"
    assert f"Spark {find_spark().version} (the installed PySpark)" in note["message"]
    assert "asks for 3.5.3" in note["message"]
    # Spark's own record of the run, its event log, is where the History Server looks.
    records = event_log(home / "eventlogs")
    assert [r["Job Result"]["Result"] for r in records if r["Event"] == "SparkListenerJobEnd"] == [
        "JobSucceeded"
    ]


# A shuffle, then the shuffle files Spark wrote, found while its block manager still holds them.
SHUFFLE_FILES_SCRIPT = """
import glob, json, os
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
pairs = spark.sparkContext.parallelize(range(1000), 4).map(lambda x: (x % 7, x))
pairs.reduceByKey(lambda a, b: a + b).collect()
roots = os.environ.get("SPARK_LOCAL_DIRS", "").split(",")
files = [f for root in roots if root for f in glob.glob(os.path.join(root, "blockmgr-*", "*", "shuffle_*"))]
# One short line per file, written at once: a long line could be split by the JVM's log lines.
for name in files:
    print("SHUFFLE_FILE " + json.dumps(name), flush=True)
print("SHUFFLE_FILES_END", flush=True)
spark.stop()
"""


def test_sparks_block_manager_keeps_its_files_on_the_nodes_nvme_array(
    store: EmbeddedCluster, clock: VirtualClock, runtime: LocalRuntime, home: Path
) -> None:
    cluster = Cluster(store, clock, runtime, home, cpu_count=None)
    cluster.submit(cluster.script("shuffle_files.py", SHUFFLE_FILES_SCRIPT))
    cluster.run()
    done = cluster.finish(timeout=120)
    log = list(cluster.runtime.logs(NS, DRIVER))
    assert done["status"]["phase"] == "Succeeded", "\n".join(log[-40:])
    assert "SHUFFLE_FILES_END" in log, "\n".join(log[-40:])
    array = home / "nodes" / NODE / "mnt" / "k8s-disks" / "0"
    files = [
        Path(json.loads(line.removeprefix("SHUFFLE_FILE ")))
        for line in log
        if line.startswith("SHUFFLE_FILE ")
    ]
    assert files and all(f.is_relative_to(array) for f in files), files


def event_log(root: Path) -> list[dict[str, Any]]:
    """The records of the one application's event log under `root` (Spark's rolling v2 layout)."""
    (app_dir,) = [p for p in root.iterdir() if p.name.startswith("eventlog_v2_local-")]
    records: list[dict[str, Any]] = []
    for part in sorted(app_dir.glob("events_*")):
        data = part.read_bytes()
        if part.suffix == ".zstd":  # Spark 4 compresses event logs by default
            data = (
                zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True).read()
            )
        records += [json.loads(line) for line in data.decode().splitlines() if line.strip()]
    return records


def without_java(root: Path) -> str:
    """A PATH with every tool of this machine but Java: a directory of links to /usr/bin, java* left out."""
    bin_dir = root / "bin-without-java"
    bin_dir.mkdir()
    for tool in Path("/usr/bin").iterdir():
        if not tool.name.startswith(("java", "jshell", "jar")):
            (bin_dir / tool.name).symlink_to(tool)
    return f"{Path(sys.executable).parent}:{bin_dir}"


def test_on_a_machine_without_java_spark_runs_on_the_bundled_java_runtime(
    store: EmbeddedCluster,
    clock: VirtualClock,
    runtime: LocalRuntime,
    home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", without_java(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    assert shutil.which("java") is None
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    spark = find_spark()
    assert spark.java_home is not None and spark.java_home.is_relative_to(tmp_path / "cache")
    cluster = Cluster(store, clock, runtime, home, spark=spark)
    cluster.submit("local:///opt/spark/examples/src/main/python/pi.py")
    cluster.run()
    done = cluster.finish(timeout=120)
    log = list(cluster.runtime.logs(NS, DRIVER))
    assert done["status"]["phase"] == "Succeeded", "\n".join(log[-40:])
    assert any(line.startswith("Pi is roughly 3.1") for line in log)
