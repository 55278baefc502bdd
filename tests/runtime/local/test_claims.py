"""Claims get EBS-like volume directories on first use; deleting a claim deletes its volume."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sparkfleet.api.wire import PROVISIONER_LOCAL_VOLUME
from sparkfleet.cluster import NotFound
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.runtime.local.claims import claim_volume, release_volumes, volume_id
from sparkfleet.runtime.local.nodes import NodeDirs, NodeLayout
from sparkfleet.runtime.local.volumes import MountPending

from ..builders import node


def claim(name: str = "taxi-exec-1-pvc-0") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": "ns", "labels": {"spark-app-selector": "spark-1"}},
        "spec": {
            "accessModes": ["ReadWriteOncePod"],
            "resources": {"requests": {"storage": "500Gi"}},
            "storageClassName": "gp2",
        },
    }


@pytest.fixture
def layout(home: Path) -> NodeLayout:
    return NodeDirs(home).ensure(node("ip-1"))


def test_first_use_provisions_a_volume_on_the_node_and_binds_the_claim(
    store: EmbeddedCluster, layout: NodeLayout
) -> None:
    uid = store.create(claim())["metadata"]["uid"]
    path = claim_volume(store, "ns", "taxi-exec-1-pvc-0", layout)
    assert path == layout.ebs_dir / volume_id(uid) and path.is_dir()
    assert volume_id(uid).startswith("vol-") and len(volume_id(uid)) == 21
    bound = store.get("PersistentVolumeClaim", "ns", "taxi-exec-1-pvc-0")
    assert bound["spec"]["volumeName"] == f"pvc-{uid}"
    assert bound["status"] == {
        "phase": "Bound",
        "accessModes": ["ReadWriteOncePod"],
        "capacity": {"storage": "500Gi"},
    }
    assert bound["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] == "ip-1"
    pv = store.get("PersistentVolume", None, f"pvc-{uid}")
    assert pv["spec"]["storageClassName"] == "gp2"
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Delete"
    assert pv["spec"]["local"] == {"path": str(path)}
    assert pv["spec"]["claimRef"]["uid"] == uid
    assert pv["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"] == PROVISIONER_LOCAL_VOLUME


def test_a_bound_claim_keeps_its_volume(store: EmbeddedCluster, layout: NodeLayout) -> None:
    store.create(claim())
    first = claim_volume(store, "ns", "taxi-exec-1-pvc-0", layout)
    (first / "shuffle.data").write_text("x")
    assert claim_volume(store, "ns", "taxi-exec-1-pvc-0", layout) == first
    assert len(store.list("PersistentVolume").items) == 1


def test_a_claim_not_created_yet_is_pending(store: EmbeddedCluster, layout: NodeLayout) -> None:
    with pytest.raises(MountPending, match='persistentvolumeclaim "absent" not found'):
        claim_volume(store, "ns", "absent", layout)


def test_deleting_the_claim_releases_its_volume_and_no_other(
    store: EmbeddedCluster, layout: NodeLayout, home: Path
) -> None:
    store.create(claim("a"))
    store.create(claim("b"))
    path_a = claim_volume(store, "ns", "a", layout)
    path_b = claim_volume(store, "ns", "b", layout)
    assert release_volumes(store, "ns", "a", home / "nodes") == 0, "a still exists"
    store.delete("PersistentVolumeClaim", "ns", "a")
    assert release_volumes(store, "ns", "a", home / "nodes") == 1
    assert not path_a.exists() and path_b.is_dir()
    assert [pv["spec"]["claimRef"]["name"] for pv in store.list("PersistentVolume").items] == ["b"]


def test_only_volumes_this_runtime_made_under_the_nodes_are_removed(
    store: EmbeddedCluster, tmp_path: Path, home: Path
) -> None:
    outside = tmp_path / "precious"
    outside.mkdir()
    pv = {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {
            "name": "pv-x",
            "annotations": {"pv.kubernetes.io/provisioned-by": PROVISIONER_LOCAL_VOLUME},
        },
        "spec": {"claimRef": {"namespace": "ns", "name": "gone"}, "local": {"path": str(outside)}},
    }
    store.create(pv)
    store.create({**pv, "metadata": {"name": "pv-foreign"}})
    assert release_volumes(store, "ns", "gone", home / "nodes") == 1
    assert outside.is_dir()
    with pytest.raises(NotFound):
        store.get("PersistentVolume", None, "pv-x")
    assert store.get("PersistentVolume", None, "pv-foreign")
