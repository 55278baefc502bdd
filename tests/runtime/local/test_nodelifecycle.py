"""The kubelet's nodes (nodelifecycle.py): a registered node gets its directories, dead pods' files are
swept, and the pods of a deleted node fail while its directory goes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.runtime.local import LocalRuntime, SparkInstall

from ..builders import node
from ..harness import DRIVER, NODE, NS, Cluster

HANG = "import time\nprint('up', flush=True)\ntime.sleep(600)\n"


@pytest.fixture
def cluster(
    store: EmbeddedCluster, clock: VirtualClock, runtime: LocalRuntime, home: Path, fake_spark: SparkInstall
) -> Cluster:
    return Cluster(store, clock, runtime, home, fake_spark)


def test_pods_of_a_deleted_node_fail_and_the_node_directory_goes(cluster: Cluster, home: Path) -> None:
    cluster.submit(cluster.script("hang.py", HANG))
    cluster.run()
    cluster.store.delete("Node", None, NODE)
    cluster.settle()
    lost = cluster.pod()
    assert (lost["status"]["phase"], lost["status"]["reason"]) == ("Failed", "NodeLost")
    assert cluster.runtime.status(NS, DRIVER) is None or not cluster.runtime.status(NS, DRIVER).running  # type: ignore[union-attr]
    assert not (home / "nodes" / NODE).exists()


def test_a_registered_node_gets_its_directories_and_dead_pods_files_are_swept(
    cluster: Cluster, home: Path
) -> None:
    cluster.settle()
    cluster.store.create(node("ip-10-0-1-2"))
    cluster.settle()
    assert (home / "nodes" / "ip-10-0-1-2" / "pods").is_dir()
    stale = home / "nodes" / NODE / "pods" / f"{NS}_gone_00000000-dead"
    (stale / "logs").mkdir(parents=True)
    cluster.clock.advance(10)
    cluster.settle()
    assert not stale.exists()


def test_a_process_left_running_for_a_pod_deleted_meanwhile_is_ended_by_the_next_kubelet(
    cluster: Cluster, home: Path, clock: VirtualClock
) -> None:
    cluster.submit(cluster.script("hang.py", HANG))
    pid = cluster.run()["status"]["containerStatuses"][0]["containerID"].removeprefix("process://")
    assert next(iter(cluster.runtime.logs(NS, DRIVER, follow=True))) == "up"
    cluster.kubelet.shutdown(drain=False)  # `down`: the driver goes on
    cluster.runtime.close()
    cluster.store.delete("SparkApplication", NS, "pyspark-pi")  # its driver pod goes with it
    assert [
        p["metadata"]["name"] for p in cluster.store.list("Pod", NS).items if p["metadata"]["name"] == DRIVER
    ] == []
    assert alive(int(pid)), "deleted while no kubelet ran: nothing stopped it"
    cluster.restart_kubelet(LocalRuntime(home, clock))
    assert ended(int(pid)), "the next kubelet knows it and ends it"


def ended(pid: int, timeout: float = 10.0) -> bool:
    """Whether the process is gone (a SIGKILL takes a moment to land), waiting up to `timeout` s."""
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    return not alive(pid)


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie waiting for its parent runs nothing)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] not in "ZX"
