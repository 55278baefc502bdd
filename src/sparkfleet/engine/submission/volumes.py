"""Volumes from the conf (MountVolumesFeatureStep) and the local directories (LocalDirsFeatureStep).

`spark.kubernetes.<role>.volumes.<type>.<name>.*` becomes a volume and a mount on the Spark container; a
persistentVolumeClaim named `OnDemand` with a storageClass and a sizeLimit becomes a claim created for the
pod (`<prefix>-driver-pvc-<i>`, `<prefix>-exec-<id>-pvc-<i>`), ReadWriteOncePod, labelled with the app id.
Without any `spark-local-dir-*` mount, Spark adds one emptyDir per `spark.local.dir` entry.
"""

from __future__ import annotations

from collections.abc import Mapping

from sparkfleet.api.wire import LABEL_SPARK_APP_SELECTOR, LOCAL_DIR_VOLUME_PREFIX
from sparkfleet.engine.submission.kube import Obj, append, env_var
from sparkfleet.engine.submission.kubeconf import ON_DEMAND, RoleConf, conf_bool

PVC_ACCESS_MODE = "ReadWriteOncePod"
LEGACY_PVC_ACCESS_MODE = "ReadWriteOnce"


def _claim_name(template: str, claim_prefix: str, index: int, executor_id: str | None) -> str:
    name = template.replace(ON_DEMAND, f"{claim_prefix}-pvc-{index}")
    return name.replace("SPARK_EXECUTOR_ID", executor_id) if executor_id is not None else name


def mount_conf_volumes(
    pod: Obj,
    container: Obj,
    role: RoleConf,
    conf: Mapping[str, str],
    *,
    claim_prefix: str,
    app_id: str,
    namespace: str,
    executor_id: str | None,
) -> list[Obj]:
    """Add the conf's volumes to the pod; returns the claims Spark would create for OnDemand volumes."""
    claims: list[Obj] = []
    access_mode = (
        LEGACY_PVC_ACCESS_MODE
        if conf_bool(conf, "spark.kubernetes.legacy.useReadWriteOnceAccessMode", False)
        else PVC_ACCESS_MODE
    )
    spec = pod["spec"]
    for index, vol in enumerate(role.volumes.values()):
        opts = vol.options
        if vol.type == "hostPath":
            volume: Obj = {"hostPath": {"path": opts.get("path", ""), "type": opts.get("type", "")}}
        elif vol.type == "emptyDir":
            empty: Obj = {"medium": opts.get("medium", "")}
            if "sizeLimit" in opts:
                empty["sizeLimit"] = opts["sizeLimit"]
            volume = {"emptyDir": empty}
        elif vol.type == "nfs":
            volume = {
                "nfs": {
                    "path": opts.get("path", ""),
                    "readOnly": vol.mount_read_only,
                    "server": opts.get("server", ""),
                }
            }
        else:
            template = opts.get("claimName", "")
            claim = _claim_name(template, claim_prefix, index, executor_id)
            volume = {"persistentVolumeClaim": {"claimName": claim, "readOnly": vol.mount_read_only}}
            if ON_DEMAND in template and "storageClass" in opts and "sizeLimit" in opts:
                labels = {k[6:]: v for k, v in opts.items() if k.startswith("label.")}
                labels[LABEL_SPARK_APP_SELECTOR] = app_id
                meta: Obj = {"labels": labels, "name": claim, "namespace": namespace}
                annotations = {k[11:]: v for k, v in opts.items() if k.startswith("annotation.")}
                if annotations:
                    meta["annotations"] = annotations
                claims.append(
                    {
                        "apiVersion": "v1",
                        "kind": "PersistentVolumeClaim",
                        "metadata": meta,
                        "spec": {
                            "accessModes": [access_mode],
                            "resources": {"requests": {"storage": opts["sizeLimit"]}},
                            "storageClassName": opts["storageClass"],
                        },
                    }
                )
        volume["name"] = vol.name
        append(spec, "volumes", volume)
        append(
            container,
            "volumeMounts",
            {
                "mountPath": vol.mount_path,
                "name": vol.name,
                "readOnly": vol.mount_read_only,
                "subPath": vol.mount_sub_path,
                "subPathExpr": vol.mount_sub_path_expr,
            },
        )
    return claims


def add_local_dirs(pod: Obj, container: Obj, conf: Mapping[str, str], default_dir: str) -> None:
    """SPARK_LOCAL_DIRS from the `spark-local-dir-*` mounts, else emptyDir volumes for spark.local.dir."""
    mounts = container.get("volumeMounts") or []
    dirs = [m["mountPath"] for m in mounts if m.get("name", "").startswith(LOCAL_DIR_VOLUME_PREFIX)]
    if not dirs:
        dirs = conf.get("spark.local.dir", default_dir).split(",")
        tmpfs = conf_bool(conf, "spark.kubernetes.local.dirs.tmpfs", False)
        for index, path in enumerate(dirs, start=1):
            name = f"{LOCAL_DIR_VOLUME_PREFIX}{index}"
            append(pod["spec"], "volumes", {"emptyDir": {"medium": "Memory"} if tmpfs else {}, "name": name})
            append(container, "volumeMounts", {"mountPath": path, "name": name})
    append(container, "env", env_var("SPARK_LOCAL_DIRS", ",".join(dirs)))
