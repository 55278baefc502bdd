"""PersistentVolumeClaims as EBS-like volume directories, provisioned on first use and deleted with the claim.

As a CSI driver with `volumeBindingMode: WaitForFirstConsumer` does: when the first pod using a claim
starts on a node, a volume is created there (`nodes/<node>/ebs/vol-<id>/`), a PersistentVolume
`pvc-<claim uid>` records it (size and storage class from the claim, reclaim policy Delete, pinned to the
node) and the claim is bound to it. When the claim is deleted (Spark's OnDemand claims are owned by the
driver pod and go with it), the volume and its PersistentVolume are deleted too.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from pathlib import Path
from typing import Any

from sparkfleet.api.wire import (
    ANNOTATION_BIND_COMPLETED,
    ANNOTATION_PROVISIONED_BY,
    ANNOTATION_SELECTED_NODE,
    LABEL_HOSTNAME,
    PROVISIONER_LOCAL_VOLUME,
)
from sparkfleet.cluster import AlreadyExists, Cluster, Conflict, NotFound, Obj
from sparkfleet.runtime.local.nodes import NodeLayout
from sparkfleet.runtime.local.paths import contain, inside, removable
from sparkfleet.runtime.local.volumes import MountPending
from sparkfleet.runtime.port import StartError

__all__ = ["claim_volume", "release_volumes", "volume_id"]

_BIND_ATTEMPTS = 5


def volume_id(claim_uid: str) -> str:
    """An EBS-style volume id, stable for the claim."""
    return "vol-" + hashlib.sha256(claim_uid.encode()).hexdigest()[:17]


def _meta(obj: Obj) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _volume_path(pv: Obj) -> Path | None:
    path = ((pv.get("spec") or {}).get("local") or {}).get("path")
    return Path(path) if isinstance(path, str) and path else None


def _persistent_volume(claim: Obj, layout: NodeLayout, path: Path) -> Obj:
    meta, spec = _meta(claim), claim.get("spec") or {}
    storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {
            "name": f"pvc-{meta['uid']}",
            "annotations": {ANNOTATION_PROVISIONED_BY: PROVISIONER_LOCAL_VOLUME},
        },
        "spec": {
            "capacity": {"storage": storage},
            "accessModes": list(spec.get("accessModes") or ["ReadWriteOnce"]),
            "persistentVolumeReclaimPolicy": "Delete",
            "storageClassName": spec.get("storageClassName") or "",
            "volumeMode": "Filesystem",
            "claimRef": {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "namespace": meta.get("namespace"),
                "name": meta.get("name"),
                "uid": meta.get("uid"),
            },
            "local": {"path": str(path)},
            "nodeAffinity": {
                "required": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {"key": LABEL_HOSTNAME, "operator": "In", "values": [layout.name]}
                            ]
                        }
                    ]
                }
            },
        },
    }


def claim_volume(cluster: Cluster, namespace: str, claim_name: str, layout: NodeLayout) -> Path:
    """The directory of the claim's volume, provisioning and binding it on `layout`'s node if it has
    none yet. MountPending while the claim does not exist."""
    for _ in range(_BIND_ATTEMPTS):
        try:
            claim = cluster.get("PersistentVolumeClaim", namespace, claim_name)
        except NotFound:
            raise MountPending(f'persistentvolumeclaim "{claim_name}" not found') from None
        bound = (claim.get("spec") or {}).get("volumeName")
        if bound:
            try:
                pv = cluster.get("PersistentVolume", None, bound)
            except NotFound:
                raise StartError(
                    f'persistentvolumeclaim "{claim_name}" is bound to volume "{bound}", which does not exist'
                ) from None
            path = _volume_path(pv)
            if path is None:
                raise StartError(f'persistentvolume "{bound}" has no local path the runtime can mount')
            # A volume outlives its node and may be attached on another, so any node's directory will do.
            where = f'persistentvolumeclaim "{claim_name}": persistentvolume "{bound}"'
            contain(path, layout.root.parent, where)
            path.mkdir(parents=True, exist_ok=True)
            return path
        try:
            return _provision(cluster, claim, layout)
        except Conflict:
            continue  # the claim changed meanwhile: look again
    raise StartError(f'persistentvolumeclaim "{claim_name}" keeps changing; could not bind it')


def _provision(cluster: Cluster, claim: Obj, layout: NodeLayout) -> Path:
    meta = _meta(claim)
    path = layout.contain(
        layout.ebs_dir / volume_id(str(meta["uid"])), f'persistentvolumeclaim "{meta["name"]}"'
    )
    path.mkdir(parents=True, exist_ok=True)
    pv = _persistent_volume(claim, layout, path)
    with contextlib.suppress(AlreadyExists):
        cluster.create(pv)
    annotations = {
        **(meta.get("annotations") or {}),
        ANNOTATION_BIND_COMPLETED: "yes",
        ANNOTATION_SELECTED_NODE: layout.name,
    }
    spec = {**(claim.get("spec") or {}), "volumeName": pv["metadata"]["name"]}
    updated = cluster.update({**claim, "metadata": {**meta, "annotations": annotations}, "spec": spec})
    status = {
        "phase": "Bound",
        "accessModes": pv["spec"]["accessModes"],
        "capacity": dict(pv["spec"]["capacity"]),
    }
    cluster.update_status({**updated, "status": status})
    return path


def release_volumes(cluster: Cluster, namespace: str, claim_name: str, nodes_root: Path) -> int:
    """Delete the volumes this runtime provisioned for `namespace/claim_name` whose claim is gone (or is
    a newer claim of the same name); returns how many. Only directories under `nodes_root` are removed,
    whatever a PersistentVolume says."""
    try:
        current_uid = _meta(cluster.get("PersistentVolumeClaim", namespace, claim_name)).get("uid")
    except NotFound:
        current_uid = None
    released = 0
    for pv in cluster.list("PersistentVolume").items:
        annotations = _meta(pv).get("annotations") or {}
        ref = (pv.get("spec") or {}).get("claimRef") or {}
        if annotations.get(ANNOTATION_PROVISIONED_BY) != PROVISIONER_LOCAL_VOLUME:
            continue
        if ref.get("namespace") != namespace or ref.get("name") != claim_name:
            continue
        if current_uid is not None and ref.get("uid") == current_uid:
            continue
        path = _volume_path(pv)
        if path is not None and inside(path, nodes_root) and removable(path, nodes_root):
            shutil.rmtree(path, ignore_errors=True)
        with contextlib.suppress(NotFound):
            cluster.delete("PersistentVolume", None, _meta(pv)["name"])
        released += 1
    return released
