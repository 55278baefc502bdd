"""Volumes from the conf (MountVolumesFeatureStep) and local directories (LocalDirsFeatureStep)."""

from __future__ import annotations

from typing import Any

from sparkfleet.engine.submission.kubeconf import read_kube_conf
from sparkfleet.engine.submission.volumes import add_local_dirs, mount_conf_volumes


def mounted(conf: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    pod: dict[str, Any] = {"metadata": {}, "spec": {}}
    container: dict[str, Any] = {}
    claims = mount_conf_volumes(
        pod,
        container,
        read_kube_conf(conf).driver,
        conf,
        claim_prefix="app-0123-driver",
        app_id="spark-1",
        namespace="ns",
        executor_id=None,
    )
    return pod, container, claims


def test_each_volume_type_is_built_as_spark_builds_it() -> None:
    d = "spark.kubernetes.driver.volumes"
    pod, container, claims = mounted(
        {
            f"{d}.hostPath.host.mount.path": "/h",
            f"{d}.hostPath.host.options.path": "/mnt/x",
            f"{d}.emptyDir.scratch.mount.path": "/s",
            f"{d}.emptyDir.scratch.options.medium": "Memory",
            f"{d}.emptyDir.scratch.options.sizeLimit": "1Gi",
            f"{d}.nfs.share.mount.path": "/n",
            f"{d}.nfs.share.mount.readOnly": "true",
            f"{d}.nfs.share.options.server": "nfs.local",
            f"{d}.nfs.share.options.path": "/export",
            f"{d}.persistentVolumeClaim.data.mount.path": "/d",
            f"{d}.persistentVolumeClaim.data.options.claimName": "existing",
        }
    )
    assert pod["spec"]["volumes"] == [
        {"hostPath": {"path": "/mnt/x", "type": ""}, "name": "host"},
        {"emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}, "name": "scratch"},
        {"nfs": {"path": "/export", "readOnly": True, "server": "nfs.local"}, "name": "share"},
        {"persistentVolumeClaim": {"claimName": "existing", "readOnly": False}, "name": "data"},
    ]
    assert container["volumeMounts"][2] == {
        "mountPath": "/n",
        "name": "share",
        "readOnly": True,
        "subPath": "",
        "subPathExpr": "",
    }
    assert claims == []


def test_an_on_demand_claim_with_class_and_size_is_created_for_the_pod() -> None:
    d = "spark.kubernetes.driver.volumes.persistentVolumeClaim.data"
    pod, _, claims = mounted(
        {
            f"{d}.mount.path": "/d",
            f"{d}.options.claimName": "OnDemand",
            f"{d}.options.storageClass": "gp3",
            f"{d}.options.sizeLimit": "100Gi",
            f"{d}.options.label.tier": "scratch",
            f"{d}.options.annotation.backup": "no",
        }
    )
    assert pod["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == "app-0123-driver-pvc-0"
    assert claims == [
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {
                "labels": {"tier": "scratch", "spark-app-selector": "spark-1"},
                "name": "app-0123-driver-pvc-0",
                "namespace": "ns",
                "annotations": {"backup": "no"},
            },
            "spec": {
                "accessModes": ["ReadWriteOncePod"],
                "resources": {"requests": {"storage": "100Gi"}},
                "storageClassName": "gp3",
            },
        }
    ]


def test_the_legacy_access_mode_can_be_asked_for() -> None:
    d = "spark.kubernetes.driver.volumes.persistentVolumeClaim.data"
    _, _, claims = mounted(
        {
            f"{d}.mount.path": "/d",
            f"{d}.options.claimName": "OnDemand",
            f"{d}.options.storageClass": "gp3",
            f"{d}.options.sizeLimit": "1Gi",
            "spark.kubernetes.legacy.useReadWriteOnceAccessMode": "true",
        }
    )
    assert claims[0]["spec"]["accessModes"] == ["ReadWriteOnce"]


def test_on_demand_without_a_size_creates_no_claim() -> None:
    d = "spark.kubernetes.driver.volumes.persistentVolumeClaim.data"
    _, _, claims = mounted({f"{d}.mount.path": "/d", f"{d}.options.claimName": "OnDemand"})
    assert claims == []


def test_local_dirs_come_from_local_dir_mounts_when_there_are_some() -> None:
    pod: dict[str, Any] = {"spec": {}}
    container: dict[str, Any] = {"volumeMounts": [{"name": "spark-local-dir-1", "mountPath": "/nvme"}]}
    add_local_dirs(pod, container, {"spark.local.dir": "/ignored"}, "/var/data/spark-x")
    assert container["env"] == [{"name": "SPARK_LOCAL_DIRS", "value": "/nvme"}]
    assert "volumes" not in pod["spec"]


def test_local_dirs_on_tmpfs_use_memory_backed_empty_dirs() -> None:
    pod: dict[str, Any] = {"spec": {}}
    container: dict[str, Any] = {}
    add_local_dirs(pod, container, {"spark.kubernetes.local.dirs.tmpfs": "true"}, "/var/data/spark-x")
    assert pod["spec"]["volumes"] == [{"emptyDir": {"medium": "Memory"}, "name": "spark-local-dir-1"}]
    assert container["env"] == [{"name": "SPARK_LOCAL_DIRS", "value": "/var/data/spark-x"}]
