"""Nodes as directories: scratch mounts from the NodeClaim controller's annotation, pod files, cleanup."""

from __future__ import annotations

from pathlib import Path

import pytest

from sparkfleet.api.wire import ANNOTATION_SCRATCH_MOUNTS, MountSource, ScratchMount, format_scratch_mounts
from sparkfleet.runtime.local.nodes import NodeDirs, scratch_mounts

from ..builders import RAID0, node

EBS_VERTICAL = [{"path": "/mnt/k8s-disks", "sizeBytes": 40 * 2**30, "source": "ebs"}]


def test_the_runtime_reads_the_mounts_as_the_nodeclaim_controller_writes_them() -> None:
    written = (
        ScratchMount("/mnt/k8s-disks/0", 474 * 10**9, MountSource.NVME_RAID0),
        ScratchMount("/mnt/k8s-disks", 40 * 2**30, MountSource.EBS),
    )
    announced = node()
    announced["metadata"]["annotations"] = {ANNOTATION_SCRATCH_MOUNTS: format_scratch_mounts(written)}
    assert scratch_mounts(announced) == written


def test_scratch_mounts_are_read_from_the_node_annotation() -> None:
    (mount,) = scratch_mounts(node(mounts=RAID0))
    assert (mount.path, mount.size_bytes, mount.source) == ("/mnt/k8s-disks/0", 474 * 10**9, "nvme-raid0")


def test_a_node_without_a_readable_annotation_has_no_scratch_mounts() -> None:
    broken = node()
    broken["metadata"]["annotations"] = {ANNOTATION_SCRATCH_MOUNTS: "not json"}
    assert scratch_mounts(node()) == ()
    assert scratch_mounts(broken) == ()


def test_ensure_creates_the_node_directories_and_its_scratch_mount(home: Path) -> None:
    layout = NodeDirs(home).ensure(node("ip-1", mounts=RAID0))
    assert layout.root == home / "nodes" / "ip-1"
    for relative in ("pods", "ebs", "mnt/k8s-disks/0"):
        assert (layout.root / relative).is_dir()


def test_the_vertical_ebs_pool_mounts_its_volume_at_mnt_k8s_disks(home: Path) -> None:
    layout = NodeDirs(home).ensure(node("ip-2", mounts=EBS_VERTICAL))
    assert (layout.root / "mnt" / "k8s-disks").is_dir()
    assert not layout.raid0


def test_a_host_path_never_leaves_the_node_directory(home: Path) -> None:
    layout = NodeDirs(home).layout(node("ip-1"))
    assert layout.host_path("/mnt/k8s-disks/0") == layout.root / "mnt/k8s-disks/0"
    assert layout.host_path("/../../etc/passwd") == layout.root / "etc/passwd"
    assert layout.host_path("/") == layout.root


def test_empty_dirs_live_on_the_nvme_array_of_a_raid0_node(home: Path) -> None:
    dirs = NodeDirs(home)
    raid = dirs.layout(node("ip-1", mounts=RAID0)).empty_dir("ns", "p", "u1", "spark-local-dir-1")
    plain = dirs.layout(node("ip-2")).empty_dir("ns", "p", "u1", "spark-local-dir-1")
    assert raid.is_relative_to(home / "nodes/ip-1/mnt/k8s-disks/0/kubelet/pods/u1")
    assert plain.is_relative_to(home / "nodes/ip-2/pods/ns_p_u1")


def test_pod_incarnations_are_found_by_name_and_removed_everywhere(home: Path) -> None:
    dirs = NodeDirs(home)
    layout = dirs.ensure(node("ip-1", mounts=RAID0))
    for uid in ("old", "new"):
        (layout.pod_dir("ns", "driver", uid) / "logs").mkdir(parents=True)
        layout.empty_dir("ns", "driver", uid, "v").mkdir(parents=True)
    assert {p.name for p in dirs.pod_dirs("ns", "driver")} == {"ns_driver_old", "ns_driver_new"}
    dirs.remove_pod("ip-1", "ns", "driver", "old")
    assert [p.name for p in dirs.pod_dirs("ns", "driver")] == ["ns_driver_new"]
    assert not layout.kubelet_pod_dir("ns", "driver", "old").exists()
    assert layout.kubelet_pod_dir("ns", "driver", "new").exists()


def test_a_removed_node_keeps_only_its_ebs_volumes(home: Path) -> None:
    dirs = NodeDirs(home)
    layout = dirs.ensure(node("ip-1", mounts=RAID0))
    (layout.ebs_dir / "vol-1").mkdir()
    dirs.remove_node("ip-1")
    assert sorted(p.name for p in layout.root.iterdir()) == ["ebs"]
    (layout.ebs_dir / "vol-1").rmdir()
    dirs.remove_node("ip-1")
    assert not layout.root.exists()


@pytest.mark.parametrize("name", ["", "..", "a/b"])
def test_a_node_name_that_is_no_directory_name_is_refused(home: Path, name: str) -> None:
    with pytest.raises(ValueError, match="cannot name a directory"):
        NodeDirs(home).layout(node(name))
