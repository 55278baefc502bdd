"""Containment: every path the local runtime creates, writes or deletes stays inside the directory it
belongs to (the node's directory, a volume's, the cluster home's log archive).

Paths are built from what manifests say (volume and container names, subPath, item paths, hostPath, conf
values) and from what is on disk (a symlink planted in a pod's directory), so each is checked after every
symlink in it is followed (os.path.realpath), before anything is made or removed. A refused path is a
PathRefused, a StartError: the pod fails to start with the reason, and nothing is touched.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from sparkfleet.runtime.port import StartError

__all__ = ["PathRefused", "contain", "inside", "removable"]

log = logging.getLogger("sparkfleet.runtime.local")


class PathRefused(StartError):
    """A path that would leave the directory it must stay in."""


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def inside(path: Path, root: Path) -> bool:
    """Whether `path` is `root` or below it, every symlink in both followed."""
    return _real(path).is_relative_to(_real(root))


def contain(path: Path, root: Path, what: str) -> Path:
    """`path`, unchanged, once it is known to be `root` or below it with every symlink followed;
    PathRefused naming `what` (the volume, the log, the setting) otherwise."""
    if inside(path, root):
        return path
    real = _real(path)
    shown = f"{path} (which leads to {real})" if real != path else str(path)
    raise PathRefused(f"{what}: {shown} is outside {root}; a pod's files must stay in it")


def removable(path: Path, root: Path) -> bool:
    """Whether `path` may be deleted as a part of `root`: its parent, symlinks followed, is inside `root`
    and it is not `root` itself. The entry itself is not followed: a symlink is unlinked, never its target
    (shutil.rmtree does not follow the links inside a tree either)."""
    if path.name in ("", ".", ".."):
        return False
    parent, real_root = _real(path.parent), _real(root)
    if parent.is_relative_to(real_root) and (parent / path.name) != real_root:
        return True
    log.warning("not removing %s: it is outside %s", path, root)
    return False
