"""A pod's volumes as real directories, and its container's mounts as a table from paths in the container
to paths on this machine.

- hostPath: the path under the node's directory (`/mnt/k8s-disks/0` is `nodes/<node>/mnt/k8s-disks/0`),
  with the hostPath type checks the kubelet makes (`Directory` must exist; `DirectoryOrCreate` and the
  empty type create it).
- emptyDir: a fresh directory per pod incarnation (on the NVMe array of a RAID0 node, see nodes.py).
  `medium: Memory` is a directory too: the local runtime has no tmpfs to give.
- persistentVolumeClaim: the claim's volume directory (see claims.py).
- configMap and secret: the object's keys written as files (all keys, or the listed items with their
  modes; 0644 unless defaultMode says otherwise, as Kubernetes writes them), under the pod's directory.
  A secret volume's directory is 0700: the files are the pod's alone. A missing object (or a Secret's
  missing key) is retried with FailedMount, unless the volume is optional.
- downwardAPI, projected: empty directories.
- Volume types that need a remote system (nfs, csi, ...) cannot be given locally: the pod fails to
  start with a message naming the volume.
Names and paths are checked as Kubernetes checks them (sparkfleet.api.names) and every directory and
file is checked to stay in the node's directory (paths.py) before it is made, written or removed: a pod
stored before those rules, or built by hand, is refused with a StartError instead.
"""

from __future__ import annotations

import base64
import contextlib
import os
import posixpath
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sparkfleet.api.names import descending_path_problems, pod_spec_issues
from sparkfleet.api.secret import SecretValueError, decoded_data
from sparkfleet.runtime.local.nodes import NodeLayout
from sparkfleet.runtime.local.paths import contain
from sparkfleet.runtime.port import StartError

__all__ = ["Mount", "MountPending", "MountTable", "check_pod_names", "mount_volumes"]

Obj = dict[str, Any]
ObjectLookup = Callable[[str], Obj | None]
"""A ConfigMap or Secret of the pod's namespace by name."""
ClaimLookup = Callable[[str], Path]
_EMPTY_SOURCES = ("downwardAPI", "projected")
_DEFAULT_MODE = 0o644


class MountPending(Exception):
    """A volume cannot be set up yet (its ConfigMap or claim does not exist); the kubelet tries again,
    as Kubernetes keeps such a pod in ContainerCreating with FailedMount events."""


@dataclass(frozen=True, slots=True)
class Mount:
    volume: str
    container_path: str
    host_path: Path
    read_only: bool = False


@dataclass(frozen=True, slots=True)
class MountTable:
    mounts: tuple[Mount, ...] = ()

    def resolve(self, path: str) -> str:
        """The host path for a path in the container: under the deepest mount that holds it, else the
        path unchanged (it then means the same thing on this machine)."""
        if not path.startswith("/"):
            return path
        normal = posixpath.normpath(path)
        holders = [m for m in self.mounts if _holds(m.container_path, normal)]
        if not holders:
            return path
        best = max(holders, key=lambda m: len(m.container_path))
        rest = normal[len(best.container_path) :].lstrip("/")
        return str(best.host_path / rest) if rest else str(best.host_path)

    def resolve_list(self, paths: str, separator: str = ",") -> str:
        """A list of container paths (SPARK_LOCAL_DIRS, spark.local.dir) as host paths."""
        return separator.join(self.resolve(p.strip()) for p in paths.split(separator) if p.strip())

    def volume(self, name: str) -> Mount | None:
        return next((m for m in self.mounts if m.volume == name), None)


def _holds(root: str, path: str) -> bool:
    return root == "/" or path == root or path.startswith(root + "/")


def _host_path(volume: Mapping[str, Any], layout: NodeLayout) -> Path:
    source = volume.get("hostPath") or {}
    path = str(source.get("path") or "")
    if not path.startswith("/"):
        raise StartError(f'volume "{volume["name"]}": hostPath.path {path!r} must be an absolute path')
    kind = source.get("type") or ""
    where = f'volume "{volume["name"]}": hostPath {path} on node {layout.name}'
    host = layout.contain(layout.host_path(path), where)
    if kind in ("", "DirectoryOrCreate"):
        if not host.exists():
            host.mkdir(parents=True, exist_ok=True)
    elif kind == "Directory":
        if not host.is_dir():
            mounts = ", ".join(m.path for m in layout.mounts) or "none"
            raise StartError(
                f"{where} is not a directory (type Directory requires it to exist; this node's scratch "
                f"mounts: {mounts}); use type DirectoryOrCreate or a path the node's pool mounts"
            )
    elif kind == "FileOrCreate":
        host.parent.mkdir(parents=True, exist_ok=True)
        host.touch(exist_ok=True)
    elif kind == "File":
        if not host.is_file():
            raise StartError(f"{where} is not a file (type File requires it to exist)")
    else:
        raise StartError(f"{where}: type {kind} is not available on the local runtime")
    return host


_KEYED_SOURCES = {"configMap": ("ConfigMap", "name"), "secret": ("Secret", "secretName")}


def _files(kind: str, obj: Obj, where: str) -> dict[str, bytes]:
    if kind == "Secret":
        try:
            return decoded_data(obj)
        except SecretValueError as exc:
            raise StartError(f"{where}: {exc}") from None
    files: dict[str, bytes] = {k: str(v).encode() for k, v in (obj.get("data") or {}).items()}
    for key, value in (obj.get("binaryData") or {}).items():
        files[key] = base64.b64decode(str(value))
    return files


def _write_keyed(volume: Mapping[str, Any], field: str, target: Path, lookup: ObjectLookup) -> None:
    """A configMap or secret volume: the object's keys (or the listed items) as files, each with its
    mode. Messages name the object and keys, never a value."""
    kind, name_field = _KEYED_SOURCES[field]
    source = volume.get(field) or {}
    name = str(source.get(name_field) or "")
    obj = lookup(name)
    if target.is_symlink():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    if kind == "Secret":
        target.chmod(0o700)  # only the pod's user reads what is below, whatever the files' modes
    if obj is None:
        if source.get("optional"):
            return
        raise MountPending(f'{kind.lower()} "{name}" not found (volume "{volume["name"]}")')
    where = f'volume "{volume["name"]}": {kind.lower()} "{name}"'
    files = _files(kind, obj, where)
    default_mode = source.get("defaultMode")
    items = source.get("items") or []
    chosen: list[tuple[str, str, int | None]] = (
        [(str(i["key"]), str(i["path"]), i.get("mode")) for i in items]
        if items
        else [(key, key, None) for key in files]
    )
    for key, relative, mode in chosen:
        if key not in files:
            if source.get("optional"):
                continue
            if kind == "Secret":  # the kubelet retries the mount until the key is there
                raise MountPending(f'{where} has no key "{key}" (references non-existent secret key)')
            raise StartError(f'{where} has no key "{key}"')
        item_where = f'{where} item path "{relative}"'
        problems = descending_path_problems(relative)
        if problems or not relative:
            detail = ", ".join(problems) or "is empty"
            raise StartError(f"{item_where} {detail}: give a relative path below the volume, such as {key}")
        path = contain(target / posixpath.normpath(relative), target, item_where)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[key])
        with contextlib.suppress(OSError):
            os.chmod(path, mode if isinstance(mode, int) else default_mode or _DEFAULT_MODE)


def _volume_dir(
    volume: Mapping[str, Any],
    layout: NodeLayout,
    pod_meta: Mapping[str, Any],
    pod_dir: Path,
    lookups: tuple[ObjectLookup, ObjectLookup, ClaimLookup],
) -> Path:
    name = str(volume.get("name") or "")
    config_maps, secrets, claims = lookups
    namespace, pod_name, uid = pod_meta["namespace"], pod_meta["name"], pod_meta["uid"]
    where = f'volume "{name}"'
    if "hostPath" in volume:
        return _host_path(volume, layout)
    if "emptyDir" in volume:
        path = layout.contain(layout.empty_dir(namespace, pod_name, uid, name), where)
        path.mkdir(parents=True, exist_ok=True)
        return path
    if "persistentVolumeClaim" in volume:
        claim = str((volume.get("persistentVolumeClaim") or {}).get("claimName") or "")
        return claims(claim)
    if "configMap" in volume:
        path = layout.contain(pod_dir / "volumes" / "configmap" / name, where)
        _write_keyed(volume, "configMap", path, config_maps)
        return path
    if "secret" in volume:
        path = layout.contain(pod_dir / "volumes" / "secret" / name, where)
        _write_keyed(volume, "secret", path, secrets)
        return path
    if any(source in volume for source in _EMPTY_SOURCES):
        path = layout.contain(pod_dir / "volumes" / "empty" / name, where)
        path.mkdir(parents=True, exist_ok=True)
        return path
    kinds = sorted(k for k in volume if k != "name")
    kind = kinds[0] if kinds else "unknown"
    raise StartError(
        f'volume "{name}": {kind} volumes are not available on the local runtime; '
        "use hostPath, emptyDir, configMap, secret or a persistentVolumeClaim"
    )


def check_pod_names(pod: Mapping[str, Any]) -> None:
    """StartError unless the pod's volume, container and port names and its mount paths are as
    Kubernetes requires: the runtime makes directories and files from them."""
    spec = pod.get("spec")
    # Mounts of undeclared volumes are refused by mount_volumes, with the fix.
    issues = pod_spec_issues(spec if isinstance(spec, Mapping) else {}, mounts_checked=False)
    if issues:
        listed = "; ".join(str(i) for i in issues)
        raise StartError(f"the pod spec is invalid (Kubernetes would refuse it): {listed}")


def mount_volumes(
    pod: Mapping[str, Any],
    container: Mapping[str, Any],
    layout: NodeLayout,
    pod_dir: Path,
    *,
    config_maps: ObjectLookup,
    secrets: ObjectLookup,
    claims: ClaimLookup,
) -> MountTable:
    """Set up the volumes `container` mounts and return its mount table. Raises StartError for what
    cannot work and MountPending for what is not there yet."""
    check_pod_names(pod)
    volumes = {str(v.get("name")): v for v in (pod.get("spec") or {}).get("volumes") or []}
    meta = pod["metadata"]
    prepared: dict[str, Path] = {}
    mounts: list[Mount] = []
    for mount in container.get("volumeMounts") or []:
        name = str(mount.get("name") or "")
        volume = volumes.get(name)
        if volume is None:
            raise StartError(f'volumeMount "{name}" names no volume of the pod; add it to spec.volumes')
        if name not in prepared:
            lookups = (config_maps, secrets, claims)
            prepared[name] = _volume_dir(volume, layout, meta, pod_dir, lookups)
        host = prepared[name]
        sub_path = str(mount.get("subPath") or "")
        if sub_path:
            # The names check made it relative and free of "..": only a link could lead out now.
            where = f'volumeMount "{name}": subPath {sub_path}'
            host = contain(host / posixpath.normpath(sub_path), host, where)
            if not host.exists():  # a file of the volume (a ConfigMap key) is mounted as it is
                host.mkdir(parents=True)
        container_path = str(mount.get("mountPath") or "")
        if not container_path.startswith("/"):
            raise StartError(f'volumeMount "{name}": mountPath {container_path!r} must be absolute')
        mounts.append(Mount(name, posixpath.normpath(container_path), host, bool(mount.get("readOnly"))))
    return MountTable(tuple(mounts))
