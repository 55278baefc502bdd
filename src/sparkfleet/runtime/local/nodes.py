"""Nodes are directories: `<home>/nodes/<node>/` is the node's filesystem as its pods see it.

Layout of one node:
- `mnt/k8s-disks/0` (or `mnt/k8s-disks`): the scratch mounts the NodeClaim controller describes in the
  node's `sparkfleet.io/scratch-mounts` annotation (instance-store RAID0, instance store, or an EBS
  volume), so hostPath volumes such as `/mnt/k8s-disks/0` resolve under the node.
- `ebs/<volume>/`: the EBS-like volumes behind PersistentVolumeClaims used on this node.
- `pods/<namespace>_<name>_<uid>/`: one pod incarnation's container logs, config-map files and, on a node
  without an instance-store array, its emptyDir volumes (named like the kubelet's /var/log/pods, so a
  driver retried under the same name starts clean).
- With `instanceStorePolicy: RAID0` the kubelet's own state lives on the NVMe array, so emptyDir volumes
  (and with them Spark's default local dirs and shuffle files) are under `mnt/k8s-disks/0/kubelet/`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import posixpath
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sparkfleet.api.wire import (
    ANNOTATION_SCRATCH_MOUNTS,
    RAID0_MOUNT,
    MountSource,
    ScratchMount,
    parse_scratch_mounts,
)
from sparkfleet.runtime.local.paths import contain, inside, removable

__all__ = ["NodeDirs", "NodeLayout", "scratch_mounts"]

log = logging.getLogger("sparkfleet.runtime.local")

_EMPTY_DIR = "kubernetes.io~empty-dir"


def scratch_mounts(node: Mapping[str, Any]) -> tuple[ScratchMount, ...]:
    """The scratch mounts a Node announces (none when the annotation is missing or unreadable)."""
    annotations = (node.get("metadata") or {}).get("annotations") or {}
    raw = annotations.get(ANNOTATION_SCRATCH_MOUNTS)
    if not raw:
        return ()
    try:
        return parse_scratch_mounts(raw)
    except ValueError:
        log.warning("node %s: %s is not JSON; ignoring it", _name(node), ANNOTATION_SCRATCH_MOUNTS)
        return ()


def _name(node: Mapping[str, Any]) -> str:
    return str((node.get("metadata") or {}).get("name") or "")


def _relative(path: str) -> str:
    """An absolute in-node path as a relative one that cannot climb out of the node (`..` is resolved
    lexically first, as the path would be inside the node)."""
    return posixpath.normpath("/" + path).lstrip("/")


@dataclass(frozen=True, slots=True)
class NodeLayout:
    name: str
    root: Path
    mounts: tuple[ScratchMount, ...] = ()

    def host_path(self, path: str) -> Path:
        """Where the node's absolute path `path` is on this machine (not yet checked for symlinks that
        leave the node: see `contain`)."""
        relative = _relative(path)
        return self.root / relative if relative else self.root

    def contain(self, path: Path, what: str) -> Path:
        """`path` if it stays in this node's directory, itself in the cluster's nodes directory, with
        symlinks followed; PathRefused naming `what` otherwise."""
        contain(self.root, self.root.parent, f"node {self.name}")
        return contain(path, self.root, what)

    @property
    def pods_dir(self) -> Path:
        return self.root / "pods"

    @property
    def ebs_dir(self) -> Path:
        return self.root / "ebs"

    @property
    def raid0(self) -> bool:
        return any(m.source == MountSource.NVME_RAID0 or m.path == RAID0_MOUNT for m in self.mounts)

    def pod_dir(self, namespace: str, name: str, uid: str) -> Path:
        return self.pods_dir / f"{namespace}_{name}_{uid}"

    def logs_dir(self, namespace: str, name: str, uid: str) -> Path:
        return self.pod_dir(namespace, name, uid) / "logs"

    def container_log(self, namespace: str, name: str, uid: str, container: str) -> Path:
        return self.logs_dir(namespace, name, uid) / f"{container or 'main'}.log"

    def kubelet_pod_dir(self, namespace: str, name: str, uid: str) -> Path:
        """Where the pod's emptyDir volumes live: on the NVMe array when the kubelet's state is there."""
        if self.raid0:
            return self.host_path(RAID0_MOUNT) / "kubelet" / "pods" / uid
        return self.pod_dir(namespace, name, uid)

    def empty_dir(self, namespace: str, name: str, uid: str, volume: str) -> Path:
        return self.kubelet_pod_dir(namespace, name, uid) / "volumes" / _EMPTY_DIR / volume


class NodeDirs:
    """The node directories of one cluster home."""

    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        self.root = self.home / "nodes"

    def layout(self, node: Mapping[str, Any]) -> NodeLayout:
        """The layout of a Node object (nothing is created)."""
        name = _name(node)
        if not name or "/" in name or name in (".", ".."):
            raise ValueError(f"node name {name!r} cannot name a directory")
        return NodeLayout(name, self.root / name, scratch_mounts(node))

    def ensure(self, node: Mapping[str, Any]) -> NodeLayout:
        """The node's layout, with its directories and scratch mounts created."""
        layout = self.layout(node)
        self.root.mkdir(parents=True, exist_ok=True)
        for directory in (
            layout.pods_dir,
            layout.ebs_dir,
            *(layout.host_path(m.path) for m in layout.mounts),
        ):
            # A directory that leads out of the node is left alone; the pods that need it are refused.
            if inside(layout.root, self.root) and inside(directory, layout.root):
                directory.mkdir(parents=True, exist_ok=True)
            else:
                log.warning(
                    "node %s: not creating %s: it leads out of %s", layout.name, directory, layout.root
                )
        return layout

    def node_layout(self, node: str) -> NodeLayout:
        """The layout of a node known only by name (enough for its pods' files, not its mounts)."""
        return NodeLayout(node, self.root / node)

    def pod_incarnations(self, node: str) -> list[tuple[str, str, str]]:
        """(namespace, name, uid) of every pod incarnation with files on the node."""
        pods = self.node_layout(node).pods_dir
        found = [d.name.split("_", 2) for d in pods.iterdir() if d.is_dir()] if pods.is_dir() else []
        return [(ns, name, uid) for ns, name, uid in (p for p in found if len(p) == 3)]

    def nodes(self) -> list[str]:
        """Names of the nodes that have a directory."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir())

    def pod_dirs(self, namespace: str, name: str) -> list[Path]:
        """Directories of every incarnation of the pod on any node, the most recently used first."""
        found = list(self.root.glob(f"*/pods/{namespace}_{name}_*"))
        return sorted(found, key=_last_used, reverse=True)

    def pod_dirs_by_uid(self, uid: str) -> list[Path]:
        return [p for p in self.root.glob(f"*/pods/*_{uid}") if p.name.rsplit("_", 1)[-1] == uid]

    def remove_pod(self, node: str, namespace: str, name: str, uid: str) -> None:
        """Remove one pod incarnation's files (logs, config maps, emptyDir volumes) from a node."""
        root = self.root / node
        if not inside(root, self.root):
            return
        candidates = [
            (root / "pods" / f"{namespace}_{name}_{uid}", root / "pods"),
            (root / _relative(RAID0_MOUNT) / "kubelet" / "pods" / uid, root),
        ]
        for directory, parent in candidates:
            if removable(directory, parent):
                _remove_tree(directory)

    def remove_node(self, node: str) -> None:
        """Remove a node that is gone: its disks and pods go with it; EBS volumes outlive the instance
        and stay until their claims are released."""
        root = self.root / node
        # A node directory that is a link elsewhere is not emptied: its target is not the node's.
        if not root.is_dir() or not removable(root, self.root) or not inside(root, self.root):
            return
        for child in root.iterdir():
            if child.name != "ebs":
                _remove_tree(child)
        with contextlib.suppress(OSError):
            (root / "ebs").rmdir()
            root.rmdir()


def _last_used(path: Path) -> float:
    logs = path / "logs"
    try:
        return max((p.stat().st_mtime for p in logs.iterdir()), default=path.stat().st_mtime)
    except OSError:
        return 0.0


def _remove_tree(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        with contextlib.suppress(OSError):
            os.unlink(path)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
