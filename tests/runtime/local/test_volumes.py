"""A pod's volumes as directories on the node, and the container's mounts as a path table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sparkfleet.runtime import StartError
from sparkfleet.runtime.local.nodes import NodeDirs, NodeLayout
from sparkfleet.runtime.local.volumes import Mount, MountPending, MountTable, mount_volumes

from ..builders import RAID0, node

CONF = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "spark-drv-1-conf-map", "namespace": "ns"},
    "data": {"spark.properties": "spark.app.name=pi\n", "spark.kubernetes.namespace": "ns"},
}


def pod(volumes: list[dict[str, Any]], mounts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "metadata": {"name": "p", "namespace": "ns", "uid": "u1"},
        "spec": {"volumes": volumes, "containers": [{"name": "c", "volumeMounts": mounts}]},
    }


def mount(
    layout: NodeLayout,
    volumes: list[dict[str, Any]],
    mounts: list[dict[str, Any]],
    config_maps: dict[str, dict[str, Any]] | None = None,
    claims: dict[str, Path] | None = None,
) -> MountTable:
    def claim(name: str) -> Path:
        if claims is None or name not in claims:
            raise MountPending(f'persistentvolumeclaim "{name}" not found')
        return claims[name]

    body = pod(volumes, mounts)
    return mount_volumes(
        body,
        body["spec"]["containers"][0],
        layout,
        layout.pod_dir("ns", "p", "u1"),
        config_maps=lambda name: (config_maps or {}).get(name),
        claims=claim,
    )


@pytest.fixture
def layout(home: Path) -> NodeLayout:
    return NodeDirs(home).ensure(node("ip-1", mounts=RAID0))


def test_a_host_path_is_the_path_under_the_node_directory(layout: NodeLayout) -> None:
    table = mount(
        layout,
        [{"name": "nvme", "hostPath": {"path": "/mnt/k8s-disks/0", "type": "Directory"}}],
        [{"name": "nvme", "mountPath": "/data1"}],
    )
    assert table.resolve("/data1/blockmgr-1") == str(layout.root / "mnt/k8s-disks/0/blockmgr-1")


def test_a_node_without_scratch_disks_has_no_mnt_k8s_disks_to_mount(home: Path) -> None:
    plain = NodeDirs(home).ensure(node("ip-9"))
    with pytest.raises(StartError, match=r'volume "d": hostPath /mnt/k8s-disks on node ip-9.*mounts: none'):
        mount(
            plain,
            [{"name": "d", "hostPath": {"path": "/mnt/k8s-disks", "type": "Directory"}}],
            [{"name": "d", "mountPath": "/data1"}],
        )


def test_a_missing_directory_host_path_is_refused_and_directory_or_create_creates_it(
    layout: NodeLayout,
) -> None:
    with pytest.raises(StartError, match="type Directory requires it to exist"):
        mount(
            layout,
            [{"name": "d", "hostPath": {"path": "/scratch", "type": "Directory"}}],
            [{"name": "d", "mountPath": "/data1"}],
        )
    mount(
        layout,
        [{"name": "d", "hostPath": {"path": "/scratch", "type": "DirectoryOrCreate"}}],
        [{"name": "d", "mountPath": "/data1"}],
    )
    assert (layout.root / "scratch").is_dir()


def test_empty_dirs_are_fresh_per_pod_and_on_the_nvme_array(layout: NodeLayout) -> None:
    table = mount(
        layout,
        [{"name": "spark-local-dir-1", "emptyDir": {}}],
        [{"name": "spark-local-dir-1", "mountPath": "/var/data/spark-1"}],
    )
    expected = (
        layout.root / "mnt/k8s-disks/0/kubelet/pods/u1/volumes/kubernetes.io~empty-dir/spark-local-dir-1"
    )
    assert table.resolve("/var/data/spark-1") == str(expected)
    assert expected.is_dir()


def test_a_config_map_volume_writes_its_items_with_their_modes(layout: NodeLayout) -> None:
    volume = {
        "name": "spark-conf-volume-driver",
        "configMap": {
            "name": "spark-drv-1-conf-map",
            "items": [{"key": "spark.properties", "path": "spark.properties", "mode": 0o600}],
        },
    }
    table = mount(
        layout,
        [volume],
        [{"name": "spark-conf-volume-driver", "mountPath": "/opt/spark/conf"}],
        config_maps={"spark-drv-1-conf-map": CONF},
    )
    written = Path(table.resolve("/opt/spark/conf/spark.properties"))
    assert written.read_text() == "spark.app.name=pi\n"
    assert written.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in written.parent.iterdir()) == ["spark.properties"]


def test_a_config_map_volume_without_items_writes_every_key(layout: NodeLayout) -> None:
    table = mount(
        layout,
        [{"name": "conf", "configMap": {"name": "spark-drv-1-conf-map"}}],
        [{"name": "conf", "mountPath": "/etc/conf"}],
        config_maps={"spark-drv-1-conf-map": CONF},
    )
    assert sorted(p.name for p in Path(table.resolve("/etc/conf")).iterdir()) == [
        "spark.kubernetes.namespace",
        "spark.properties",
    ]


def test_a_missing_config_map_is_pending_unless_optional(layout: NodeLayout) -> None:
    volumes = [{"name": "conf", "configMap": {"name": "absent"}}]
    mounts = [{"name": "conf", "mountPath": "/etc/conf"}]
    with pytest.raises(MountPending, match='configmap "absent" not found'):
        mount(layout, volumes, mounts)
    optional = [{"name": "conf", "configMap": {"name": "absent", "optional": True}}]
    assert Path(mount(layout, optional, mounts).resolve("/etc/conf")).is_dir()


def test_a_claim_mounts_its_volume_directory(layout: NodeLayout) -> None:
    volume = layout.ebs_dir / "vol-1"
    volume.mkdir()
    table = mount(
        layout,
        [{"name": "spark-local-dir-1", "persistentVolumeClaim": {"claimName": "exec-1-pvc-0"}}],
        [{"name": "spark-local-dir-1", "mountPath": "/data1", "subPath": "spark"}],
        claims={"exec-1-pvc-0": volume},
    )
    assert table.resolve("/data1") == str(volume / "spark")
    assert (volume / "spark").is_dir()


def test_volumes_that_need_a_remote_system_are_refused_by_name(layout: NodeLayout) -> None:
    with pytest.raises(
        StartError, match='volume "shared": nfs volumes are not available on the local runtime'
    ):
        mount(
            layout,
            [{"name": "shared", "nfs": {"server": "fs-1", "path": "/"}}],
            [{"name": "shared", "mountPath": "/shared"}],
        )


def test_a_mount_of_an_undeclared_volume_is_refused(layout: NodeLayout) -> None:
    with pytest.raises(StartError, match='volumeMount "ghost" names no volume'):
        mount(layout, [], [{"name": "ghost", "mountPath": "/x"}])


def test_paths_resolve_through_the_deepest_mount_and_others_stay_as_they_are(tmp_path: Path) -> None:
    table = MountTable(
        (
            Mount("outer", "/opt/spark", tmp_path / "outer"),
            Mount("conf", "/opt/spark/conf", tmp_path / "conf"),
        )
    )
    assert table.resolve("/opt/spark/conf/spark.properties") == str(tmp_path / "conf/spark.properties")
    assert table.resolve("/opt/spark/jars") == str(tmp_path / "outer/jars")
    assert table.resolve("/opt/sparkling") == "/opt/sparkling"
    assert table.resolve("relative/path") == "relative/path"
    assert table.resolve_list("/opt/spark/conf,/tmp") == f"{tmp_path / 'conf'},/tmp"
