"""Container logs that outlive their node: the blueprint's FluentBit role, in the cluster home.

When a pod ends, or its node goes (before the node's directory is removed), the kubelet copies the pod's
container logs to `<home>/logs/<namespace>/<pod>_<uid>/<container>.log`, laid out like a kubelet's
/var/log/pods, with `pod.json` saying which node ran it and when it was archived. Archives are swept by
age and by count (the cluster's `logs` settings).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sparkfleet.api.timefmt import format_rfc3339, parse_rfc3339
from sparkfleet.runtime.local.paths import inside, removable

__all__ = ["ARCHIVE_DIR", "ArchivedPod", "LogArchive", "LogRetention"]

log = logging.getLogger("sparkfleet.runtime.local")

ARCHIVE_DIR = "logs"
_META = "pod.json"
_LOG_SUFFIX = ".log"


@dataclass(frozen=True, slots=True)
class LogRetention:
    """Archived pods older than `max_age`, and all but the newest `max_pods`, are removed (None: no limit)."""

    max_age: timedelta | None = None
    max_pods: int | None = None


@dataclass(frozen=True, slots=True)
class ArchivedPod:
    namespace: str
    name: str
    uid: str
    node: str
    archived_at: datetime
    directory: Path

    def log(self, container: str) -> Path:
        return self.directory / f"{container or 'main'}{_LOG_SUFFIX}"

    def logs(self) -> list[Path]:
        return sorted(self.directory.glob(f"*{_LOG_SUFFIX}"))


class LogArchive:
    """The archived container logs of one cluster home."""

    def __init__(self, home: Path) -> None:
        self.root = Path(home) / ARCHIVE_DIR

    def pod_dir(self, namespace: str, name: str, uid: str) -> Path:
        return self.root / namespace / f"{name}_{uid}"

    def archive(self, logs_dir: Path, namespace: str, name: str, uid: str, node: str, now: datetime) -> bool:
        """Copy the container logs in `logs_dir` (a pod directory's `logs/`) to the archive; files already
        archived unchanged are not copied again. Whether there was anything to archive."""
        sources = sorted(logs_dir.glob(f"*{_LOG_SUFFIX}")) if logs_dir.is_dir() else []
        if not sources:
            return False
        target = self.pod_dir(namespace, name, uid)
        meta = target / _META
        # Everything written is checked to stay in the archive, links followed (names come from the pod).
        if not inside(target, self.root) or not inside(meta, target):
            log.warning(
                "not archiving the logs of %s/%s: %s is outside %s", namespace, name, target, self.root
            )
            return False
        target.mkdir(parents=True, exist_ok=True)
        changed = False
        for source in sources:
            copy = target / source.name
            try:
                partial = copy.with_name(f".{copy.name}.partial")
                if not (inside(copy, target) and inside(partial, target)):
                    log.warning("not archiving %s: %s leads out of %s", source, copy, target)
                    continue
                if copy.exists() and copy.stat().st_size == source.stat().st_size:
                    continue
                # Through a temporary name, so a reader never sees half a copy.
                shutil.copyfile(source, partial)
                os.replace(partial, copy)
                changed = True
            except OSError as exc:
                log.warning("could not archive %s: %s", source, exc)
        if changed or not meta.exists():
            body = {"namespace": namespace, "name": name, "uid": uid, "node": node}
            meta.write_text(json.dumps({**body, "archivedAt": format_rfc3339(now)}))
        return True

    def find(self, namespace: str, name: str, uid: str | None = None) -> ArchivedPod | None:
        """The archived incarnation `uid` of the pod, or its most recently archived one."""
        if uid is not None:
            return self._read(self.pod_dir(namespace, name, uid))
        candidates = map(self._read, (self.root / namespace).glob(f"{name}_*"))
        found = [p for p in candidates if p is not None and p.name == name]
        return max(found, key=lambda p: p.archived_at, default=None)

    def pods(self) -> list[ArchivedPod]:
        """Every archived pod, oldest first."""
        found = [p for p in map(self._read, self.root.glob("*/*")) if p is not None]
        return sorted(found, key=lambda p: (p.archived_at, p.directory.name))

    def sweep(self, retention: LogRetention, now: datetime) -> int:
        """Remove the archives `retention` no longer keeps; how many pods' logs were removed."""
        pods = self.pods()
        excess = max(0, len(pods) - retention.max_pods) if retention.max_pods is not None else 0
        age = retention.max_age
        doomed = [
            p for i, p in enumerate(pods) if i < excess or (age is not None and now - p.archived_at > age)
        ]
        for pod in doomed:
            # A namespace directory that is a link elsewhere is not the archive's to empty.
            if not (inside(pod.directory, self.root) and removable(pod.directory, self.root)):
                continue
            shutil.rmtree(pod.directory, ignore_errors=True)
            with contextlib.suppress(OSError):
                pod.directory.parent.rmdir()  # the namespace's directory, once it holds nothing
        return len(doomed)

    @staticmethod
    def _read(directory: Path) -> ArchivedPod | None:
        try:
            meta = json.loads((directory / _META).read_text())
            return ArchivedPod(
                str(meta["namespace"]),
                str(meta["name"]),
                str(meta["uid"]),
                str(meta["node"]),
                parse_rfc3339(str(meta["archivedAt"])),
                directory,
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
