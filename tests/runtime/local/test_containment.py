"""A pod's names and paths never reach outside the cluster home: every escape is refused before anything
is made, written or deleted, and the pod fails to start with the reason.

The pods here are planted in the store without admission (as a store written before the name rules would
hold them), so it is the runtime's own checks that are under test. Beside the home lies a sentinel tree;
its names, contents and mtimes must be the same after the kubelet has seen each pod.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sparkfleet.api.names import shown_value
from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.events import events_for
from sparkfleet.cluster.kinds import lookup
from sparkfleet.runtime.local import KubeletConfig, KubeletReconciler, LocalRuntime, SparkInstall
from sparkfleet.runtime.local.archive import LogArchive, LogRetention
from sparkfleet.runtime.local.nodes import NodeDirs

from ..builders import RAID0, START, node

NS = "team-a"
NODE = "ip-10-0-1-1"
Snapshot = dict[str, tuple[str, bytes, int]]


def snapshot(root: Path) -> Snapshot:
    """Every entry under `root` (links not followed): its kind, its content or link target, its mtime."""
    found: Snapshot = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(directory) / name
            stat = path.lstat()
            if path.is_symlink():
                entry = ("link", os.readlink(path).encode(), stat.st_mtime_ns)
            elif path.is_dir():
                entry = ("dir", b"", stat.st_mtime_ns)
            else:
                entry = ("file", path.read_bytes(), stat.st_mtime_ns)
            found[str(path.relative_to(root))] = entry
    return found


@pytest.fixture
def sentinel(tmp_path: Path) -> Path:
    """A tree beside the cluster home that no pod may touch: a victim directory with a file in it."""
    root = tmp_path / "sentinel"
    (root / "victim").mkdir(parents=True)
    (root / "victim" / "keep.txt").write_text("precious\n")
    (root / "top.txt").write_text("also precious\n")
    return root


def escape(target: Path) -> str:
    """A relative name that, joined to any directory of the home, names `target` (extra '..' stop at /)."""
    return "../" * 24 + str(target).lstrip("/")


class Kubelet:
    """The kubelet on the store, and pods planted in the store without admission."""

    def __init__(
        self,
        store: EmbeddedCluster,
        clock: VirtualClock,
        home: Path,
        runtime: LocalRuntime,
        spark: SparkInstall,
    ) -> None:
        self.store, self.clock, self.home = store, clock, home
        config = KubeletConfig(workdir=home, cpu_count=1, memory_bytes=2**30)
        self.kubelet = KubeletReconciler(store, clock, runtime, home, config=config, spark=spark)
        store.create(node(NODE, mounts=RAID0))
        self.layout = NodeDirs(home).ensure(store.get("Node", None, NODE))

    def plant(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Store `obj` as it is, past every check of the API."""
        info = lookup(obj["kind"])
        meta = {
            "namespace": NS if info.namespaced else None,
            **obj["metadata"],
            "uid": str(uuid.uuid4()),
            "creationTimestamp": format_rfc3339(self.clock.now()),
            "generation": 1,
        }
        if not info.namespaced:
            meta.pop("namespace")
        body = {**obj, "apiVersion": info.api_version, "metadata": meta}
        namespace = meta.get("namespace") or ""
        stored: dict[str, Any] = self.store._write(lambda tx: tx.insert(info, namespace, body))
        return stored

    def start(self, pod: dict[str, Any]) -> dict[str, Any]:
        """Let the kubelet see the pod, then the pod as it is now."""
        name = pod["metadata"]["name"]
        self.kubelet.reconcile(("Pod", NS, name))
        current: dict[str, Any] = self.store.get("Pod", NS, name)
        return current

    def refusal(self, pod: dict[str, Any]) -> str:
        """The message of the Failed event, after checking the pod failed with a StartError."""
        terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
        assert (pod["status"]["phase"], terminated["reason"]) == ("Failed", "StartError")
        events = events_for(self.store, "Pod", NS, pod["metadata"]["name"])
        assert [e["reason"] for e in events] == ["Failed"]
        message: str = events[0]["message"]
        assert message == f"Error: {terminated['message']}"
        return message


@pytest.fixture
def kubelet(
    store: EmbeddedCluster, clock: VirtualClock, home: Path, runtime: LocalRuntime, fake_spark: SparkInstall
) -> Kubelet:
    return Kubelet(store, clock, home, runtime, fake_spark)


@pytest.fixture
def untouched(sentinel: Path) -> Iterator[None]:
    """The sentinel tree is exactly as it was when the test ends."""
    before = snapshot(sentinel)
    yield
    assert snapshot(sentinel) == before


def pod(
    name: str = "victim-pod",
    *,
    volumes: list[dict[str, Any]] | None = None,
    mounts: list[dict[str, Any]] | None = None,
    container: str = "main",
) -> dict[str, Any]:
    return {
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "nodeName": NODE,
            "containers": [{"name": container, "command": ["true"], "volumeMounts": mounts or []}],
            "volumes": volumes or [],
        },
    }


def mounted(volume: dict[str, Any], name: str = "victim-pod", **mount: Any) -> dict[str, Any]:
    return pod(name, volumes=[volume], mounts=[{"name": volume["name"], "mountPath": "/data", **mount}])


def in_namespace(obj: dict[str, Any]) -> dict[str, Any]:
    return {**obj, "metadata": {**obj["metadata"], "namespace": NS}}


def config_map(store: EmbeddedCluster) -> None:
    store.create({"kind": "ConfigMap", "metadata": {"name": "conf", "namespace": NS}, "data": {"a": "1"}})


@pytest.mark.usefixtures("untouched")
@pytest.mark.parametrize("source", ["configMap", "emptyDir", "secret"])
def test_a_volume_named_to_climb_out_is_refused(kubelet: Kubelet, sentinel: Path, source: str) -> None:
    config_map(kubelet.store)
    bad = escape(sentinel / "victim")
    spec = {"configMap": {"name": "conf"}, "emptyDir": {}, "secret": {"secretName": "s"}}[source]
    message = kubelet.refusal(kubelet.start(kubelet.plant(mounted({"name": bad, source: spec}))))
    assert (
        f"spec.volumes[0].name: Invalid value: {shown_value(bad)}: must be no more than 63 characters"
        in message
    )
    assert "a lowercase RFC 1123 label must consist of lower case alphanumeric characters" in message


@pytest.mark.usefixtures("untouched")
def test_a_container_named_to_climb_out_writes_no_log_outside(kubelet: Kubelet, sentinel: Path) -> None:
    bad = escape(sentinel / "c")
    message = kubelet.refusal(kubelet.start(kubelet.plant(pod(container=bad))))
    assert f"spec.containers[0].name: Invalid value: {shown_value(bad)}" in message
    assert not (sentinel / "c.log").exists()


@pytest.mark.usefixtures("untouched")
@pytest.mark.parametrize(
    "path,problem",
    [("/../../../../../../../etc", "must not contain '..'"), ("../../..", "must not contain '..'")],
)
def test_a_host_path_that_climbs_is_refused(kubelet: Kubelet, path: str, problem: str) -> None:
    message = kubelet.refusal(
        kubelet.start(kubelet.plant(mounted({"name": "h", "hostPath": {"path": path}})))
    )
    assert f'spec.volumes[0].hostPath.path: Invalid value: "{path}": {problem}' in message


@pytest.mark.usefixtures("untouched")
def test_a_host_path_through_a_link_out_of_the_node_is_refused(kubelet: Kubelet, sentinel: Path) -> None:
    disk = kubelet.layout.host_path("/mnt/k8s-disks/0")
    disk.rmdir()
    disk.symlink_to(sentinel)
    volume = {"name": "spill", "hostPath": {"path": "/mnt/k8s-disks/0/spill"}}
    message = kubelet.refusal(kubelet.start(kubelet.plant(mounted(volume))))
    assert 'volume "spill": hostPath /mnt/k8s-disks/0/spill' in message
    assert f"is outside {kubelet.layout.root}" in message


@pytest.mark.usefixtures("untouched")
@pytest.mark.parametrize(
    "sub_path,problem", [("../../x", "must not contain '..'"), ("/x", "must be a relative path")]
)
def test_a_sub_path_that_leaves_its_volume_is_refused(kubelet: Kubelet, sub_path: str, problem: str) -> None:
    bad = mounted({"name": "scratch", "emptyDir": {}}, subPath=sub_path)
    message = kubelet.refusal(kubelet.start(kubelet.plant(bad)))
    assert f'spec.containers[0].volumeMounts[0].subPath: Invalid value: "{sub_path}": {problem}' in message


@pytest.mark.usefixtures("untouched")
@pytest.mark.parametrize("item_path", ["../x", "/etc/x", escape(Path("/tmp/x"))])
def test_a_config_map_item_path_that_leaves_its_volume_is_refused(kubelet: Kubelet, item_path: str) -> None:
    config_map(kubelet.store)
    volume = {"name": "conf", "configMap": {"name": "conf", "items": [{"key": "a", "path": item_path}]}}
    message = kubelet.refusal(kubelet.start(kubelet.plant(mounted(volume))))
    assert f'spec.volumes[0].configMap.items[0].path: Invalid value: "{item_path}"' in message


@pytest.mark.usefixtures("untouched")
def test_a_claim_bound_to_a_volume_outside_the_nodes_is_refused(kubelet: Kubelet, sentinel: Path) -> None:
    kubelet.store.create(
        {
            "kind": "PersistentVolume",
            "metadata": {"name": "pv-out"},
            "spec": {"capacity": {"storage": "1Gi"}, "local": {"path": str(sentinel / "victim")}},
        }
    )
    kubelet.store.create(
        {
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": NS},
            "spec": {"accessModes": ["ReadWriteOnce"], "volumeName": "pv-out"},
        }
    )
    volume = {"name": "data", "persistentVolumeClaim": {"claimName": "data"}}
    message = kubelet.refusal(kubelet.start(kubelet.store.create(in_namespace(mounted(volume)))))
    assert (
        f'persistentvolumeclaim "data": persistentvolume "pv-out": {sentinel / "victim"} is outside'
        in message
    )


@pytest.mark.usefixtures("untouched")
@pytest.mark.parametrize("planted", ["logs", "volumes/configmap/conf", "volumes/secret/token"])
def test_a_link_planted_in_the_pod_directory_is_not_followed_out(
    kubelet: Kubelet, sentinel: Path, planted: str
) -> None:
    config_map(kubelet.store)
    kubelet.store.create(
        {"kind": "Secret", "metadata": {"name": "token", "namespace": NS}, "data": {"t": "MQ=="}}
    )
    volumes = [
        {"name": "conf", "configMap": {"name": "conf"}},
        {"name": "token", "secret": {"secretName": "token"}},
    ]
    mounts = [{"name": "conf", "mountPath": "/conf"}, {"name": "token", "mountPath": "/token"}]
    stored = kubelet.store.create(in_namespace(pod("p", volumes=volumes, mounts=mounts)))
    link = kubelet.layout.pod_dir(NS, "p", stored["metadata"]["uid"]) / planted
    link.parent.mkdir(parents=True)
    link.symlink_to(sentinel / "victim")
    message = kubelet.refusal(kubelet.start(stored))
    assert f"{link}" in message
    assert f"(which leads to {sentinel / 'victim'}" in message


@pytest.mark.usefixtures("untouched")
def test_a_spark_local_dir_on_no_volume_of_the_driver_is_refused(kubelet: Kubelet, sentinel: Path) -> None:
    spill = sentinel / "spill"
    driver = {
        "kind": "Pod",
        "metadata": {"name": "app-driver", "namespace": NS, "labels": {"spark-role": "driver"}},
        "spec": {
            "nodeName": NODE,
            "containers": [
                {
                    "name": "spark-kubernetes-driver",
                    "args": ["driver", "--conf", f"spark.local.dir={spill}", "app.py"],
                }
            ],
        },
    }
    message = kubelet.refusal(kubelet.start(kubelet.store.create(driver)))
    assert f"spark.local.dir / SPARK_LOCAL_DIRS {spill} is on no volume of the pod" in message
    assert not spill.exists()


@pytest.mark.usefixtures("untouched")
def test_a_well_named_pod_still_starts(kubelet: Kubelet) -> None:
    well_named = mounted({"name": "scratch", "emptyDir": {}}, "ok", subPath="a/b")
    started = kubelet.start(kubelet.store.create(in_namespace(well_named)))
    assert started["status"]["phase"] in ("Running", "Succeeded")
    assert [e["reason"] for e in events_for(kubelet.store, "Pod", NS, "ok")] == ["Started"]


@pytest.mark.usefixtures("untouched")
def test_a_node_directory_that_links_out_is_not_emptied_when_the_node_goes(
    home: Path, sentinel: Path
) -> None:
    dirs = NodeDirs(home)
    dirs.root.mkdir(parents=True)
    (dirs.root / "ip-9").symlink_to(sentinel)
    dirs.remove_node("ip-9")
    dirs.remove_pod("ip-9", "..", "..", "victim")


def test_the_log_archive_writes_and_sweeps_only_inside_itself(home: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    (outside / "old_u").mkdir(parents=True)
    old = {"namespace": "ns", "name": "old", "uid": "u", "node": "n", "archivedAt": format_rfc3339(START)}
    (outside / "old_u" / "pod.json").write_text(json.dumps(old))
    before = snapshot(outside)
    logs = home / "nodes" / "n" / "pods" / "ns_p_u" / "logs"
    logs.mkdir(parents=True)
    (logs / "main.log").write_text("hello\n")
    archive = LogArchive(home)
    assert not archive.archive(logs, escape(outside), "p", "u", "n", START)
    archive.root.mkdir()
    (archive.root / "linked-ns").symlink_to(outside)
    archive.sweep(LogRetention(max_age=timedelta(seconds=1)), START + timedelta(days=30))
    assert snapshot(outside) == before
