"""Logs outlive nodes: the kubelet archives a pod's container logs when it ends or its node goes, and
they are read from the archive once the node's directory is gone; a container that never started has no
log to read but an error saying why."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.errors import BadRequest, NotFound
from sparkfleet.runtime.local import KubeletConfig, KubeletReconciler, LocalRuntime, SparkInstall
from sparkfleet.runtime.local.archive import LogRetention
from sparkfleet.runtime.local.podlogs import read_pod_log

from ..harness import DRIVER, NODE, NS, Cluster

OK = "print('Pi is roughly 3.14')\n"
HANG = "import time\nprint('up', flush=True)\ntime.sleep(600)\n"
DRIVER_LOG = f"{DRIVER}_{{uid}}/spark-kubernetes-driver.log"


@pytest.fixture
def cluster(
    store: EmbeddedCluster, clock: VirtualClock, runtime: LocalRuntime, home: Path, fake_spark: SparkInstall
) -> Cluster:
    return Cluster(store, clock, runtime, home, fake_spark)


def archived_driver_log(cluster: Cluster) -> Path:
    uid = cluster.pod()["metadata"]["uid"]
    return cluster.home / "logs" / NS / DRIVER_LOG.format(uid=uid)


def test_a_driver_s_log_is_archived_when_it_ends(cluster: Cluster) -> None:
    cluster.submit(cluster.script("pi.py", OK))
    cluster.run()
    assert not archived_driver_log(cluster).exists(), "not while it runs"
    assert cluster.finish()["status"]["phase"] == "Succeeded"
    assert archived_driver_log(cluster).read_text() == "Pi is roughly 3.14\n"


def test_logs_are_archived_before_the_node_goes_and_read_from_the_archive_after(
    cluster: Cluster, home: Path
) -> None:
    cluster.submit(cluster.script("hang.py", HANG))
    cluster.run()
    assert next(iter(cluster.runtime.logs(NS, DRIVER, follow=True))) == "up"
    cluster.store.delete("Node", None, NODE)
    cluster.settle()
    assert not (home / "nodes" / NODE).exists()
    assert archived_driver_log(cluster).read_text() == "up\n"
    assert list(cluster.runtime.logs(NS, DRIVER)) == ["up"]
    found = read_pod_log(cluster.store, cluster.runtime, NS, DRIVER, follow=True)
    assert (list(found.lines), found.gone_node) == (["up"], NODE)


def test_a_log_read_while_the_node_is_there_is_not_announced_as_archived(cluster: Cluster) -> None:
    cluster.submit(cluster.script("pi.py", OK))
    cluster.run()
    cluster.finish()
    found = read_pod_log(cluster.store, cluster.runtime, NS, DRIVER, "spark-kubernetes-driver", tail=1)
    assert (list(found.lines), found.gone_node) == (["Pi is roughly 3.14"], None)


def test_a_driver_never_scheduled_or_still_mounting_answers_waiting_to_start(cluster: Cluster) -> None:
    cluster.submit(cluster.script("pi.py", OK))
    with pytest.raises(BadRequest, match="is waiting to start: the pod is not scheduled to a node yet"):
        read_pod_log(cluster.store, cluster.runtime, NS, DRIVER)
    for config_map in cluster.store.list("ConfigMap", NS).items:
        cluster.store.delete("ConfigMap", NS, config_map["metadata"]["name"])
    cluster.run()  # its conf ConfigMap is missing: FailedMount, the container is not created
    expected = f'container "spark-kubernetes-driver" in pod "{DRIVER}" is waiting to start: ContainerCreating'
    with pytest.raises(BadRequest) as refused:
        read_pod_log(cluster.store, cluster.runtime, NS, DRIVER)
    assert str(refused.value) == expected


def test_a_driver_that_could_not_start_says_why_instead_of_an_empty_log(cluster: Cluster) -> None:
    cluster.submit("s3a://my-bucket/scripts/pyspark-taxi-trip.py")
    assert cluster.run()["status"]["phase"] == "Failed"
    with pytest.raises(BadRequest, match=r"could not start: spec\.mainApplicationFile: s3a://"):
        read_pod_log(cluster.store, cluster.runtime, NS, DRIVER)


def test_an_unknown_pod_is_not_found(cluster: Cluster) -> None:
    with pytest.raises(NotFound):
        read_pod_log(cluster.store, cluster.runtime, NS, "nope")


def test_the_kubelet_sweeps_archives_past_their_retention(
    store: EmbeddedCluster, clock: VirtualClock, runtime: LocalRuntime, home: Path, fake_spark: SparkInstall
) -> None:
    cluster = Cluster(store, clock, runtime, home, fake_spark)
    cluster.submit(cluster.script("pi.py", OK))
    cluster.run()
    cluster.finish()
    archived = archived_driver_log(cluster)
    assert archived.exists()
    week = KubeletConfig(log_retention=LogRetention(max_age=timedelta(days=7)))
    kubelet = KubeletReconciler(store, clock, runtime, home, config=week, spark=fake_spark)
    kubelet.reconcile(("Node", "", ""))
    assert archived.exists(), "a fresh archive is kept"
    clock.advance(8 * 24 * 3600)
    kubelet.reconcile(("Node", "", ""))
    assert not archived.exists()
