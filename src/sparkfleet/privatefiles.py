"""Files only their owner may read: a cluster's home, its keys, its token and its kubeconfigs.

A private file is written to a temporary file next to it (created 0600, whatever the umask) and renamed
over it, so no reader ever sees it half-written, nor for a moment with the umask's looser mode.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["PRIVATE_DIR_MODE", "PRIVATE_FILE_MODE", "private_dir", "private_file", "write_private"]

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def _tighten(path: Path, mode: int) -> None:
    """Drop the permission bits outside `mode`; stricter modes stay, and so do other users' files (a
    chmod would fail on them, and they are not ours to change)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return
    if stat.st_mode & 0o777 & ~mode and stat.st_uid == os.getuid():
        path.chmod(stat.st_mode & mode)


def private_dir(path: Path) -> Path:
    """`path` as a directory only its owner may enter: created 0700 (parents as the umask says), or
    tightened to 0700 when it exists with a looser mode."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, PRIVATE_DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """`path` as a file only its owner may read: created empty with mode 0600 when missing (so what
    later writes to it, SQLite or a log, never makes it readable), or tightened to 0600."""
    if path.exists():
        _tighten(path, PRIVATE_FILE_MODE)
    else:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE))
    return path


def write_private(path: Path, data: str | bytes) -> Path:
    """Replace `path` with `data` atomically, mode 0600."""
    payload = data.encode() if isinstance(data, str) else data
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return path
