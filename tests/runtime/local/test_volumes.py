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
    secrets: dict[str, dict[str, Any]] | None = None,
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
        secrets=lambda name: (secrets or {}).get(name),
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


def test_a_sub_path_naming_a_key_of_a_config_map_mounts_that_file_at_the_mount_path(
    layout: NodeLayout,
) -> None:
    """As the SparkConnect server pod mounts its executor template (and a second look at the pod too)."""
    volumes = [
        {
            "name": "conf",
            "configMap": {
                "name": "spark-drv-1-conf-map",
                "items": [{"key": "spark.properties", "path": "spark.properties"}],
            },
        }
    ]
    mounts = [{"name": "conf", "mountPath": "/tmp/spark/spark.properties", "subPath": "spark.properties"}]
    for _ in range(2):
        table = mount(layout, volumes, mounts, config_maps={"spark-drv-1-conf-map": CONF})
        mounted = Path(table.resolve("/tmp/spark/spark.properties"))
        assert mounted.is_file() and mounted.read_text() == CONF["data"]["spark.properties"]


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


DB_SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "db", "namespace": "ns"},
    "type": "Opaque",
    "data": {"password": "aHVudGVyMg==", "user": "c3Bhcms="},  # hunter2, spark
}


def test_a_secret_volume_writes_its_decoded_keys_with_kubernetes_modes_under_the_pod(
    layout: NodeLayout,
) -> None:
    table = mount(
        layout,
        [{"name": "creds", "secret": {"secretName": "db"}}],
        [{"name": "creds", "mountPath": "/mnt/secrets", "readOnly": True}],
        secrets={"db": DB_SECRET},
    )
    where = Path(table.resolve("/mnt/secrets"))
    assert where.is_relative_to(layout.pod_dir("ns", "p", "u1"))
    assert (where / "password").read_bytes() == b"hunter2"
    assert (where / "user").read_bytes() == b"spark"
    assert (where / "password").stat().st_mode & 0o777 == 0o644, "Kubernetes' default mode"
    assert where.stat().st_mode & 0o777 == 0o700, "the directory is the pod's alone"


def test_a_secret_volume_writes_the_listed_items_at_their_paths_and_modes(layout: NodeLayout) -> None:
    volume = {
        "name": "creds",
        "secret": {"secretName": "db", "defaultMode": 0o400, "items": [{"key": "password", "path": "db/pw"}]},
    }
    table = mount(layout, [volume], [{"name": "creds", "mountPath": "/creds"}], secrets={"db": DB_SECRET})
    where = Path(table.resolve("/creds"))
    assert sorted(p.relative_to(where).as_posix() for p in where.rglob("*") if p.is_file()) == ["db/pw"]
    assert (where / "db/pw").stat().st_mode & 0o777 == 0o400


def test_a_missing_secret_or_key_is_pending_unless_optional_and_never_shows_a_value(
    layout: NodeLayout,
) -> None:
    mounts = [{"name": "creds", "mountPath": "/creds"}]
    with pytest.raises(MountPending, match='secret "db" not found'):
        mount(layout, [{"name": "creds", "secret": {"secretName": "db"}}], mounts)
    listed = {"secretName": "db", "items": [{"key": "token", "path": "t"}]}
    with pytest.raises(MountPending, match='secret "db" has no key "token"') as pending:
        mount(layout, [{"name": "creds", "secret": listed}], mounts, secrets={"db": DB_SECRET})
    assert "hunter2" not in str(pending.value) and "aHVudGVyMg" not in str(pending.value)
    optional = [{"name": "creds", "secret": {"secretName": "db", "optional": True}}]
    assert Path(mount(layout, optional, mounts).resolve("/creds")).is_dir()


def test_a_secret_volume_never_writes_outside_the_pod(layout: NodeLayout, home: Path) -> None:
    mounts = [{"name": "creds", "mountPath": "/c"}]
    listed = {"secretName": "db", "items": [{"key": "password", "path": "../../../../escaped"}]}
    with pytest.raises(StartError, match=r"secret\.items\[0\]\.path.*must not contain '\.\.'"):
        mount(layout, [{"name": "creds", "secret": listed}], mounts, secrets={"db": DB_SECRET})
    outside = home.parent / "outside"
    outside.mkdir()
    planted = layout.pod_dir("ns", "p", "u1") / "volumes" / "secret" / "creds"
    planted.parent.mkdir(parents=True)
    planted.symlink_to(outside)
    with pytest.raises(StartError, match=r'volume "creds": .* \(which leads to .*outside\) is outside'):
        mount(layout, [{"name": "creds", "secret": {"secretName": "db"}}], mounts, secrets={"db": DB_SECRET})
    assert not list(home.parent.rglob("escaped")) and not list(outside.iterdir()), "nothing written outside"
