"""Real disk faults for child processes: a read-only cluster home and a full disk, without root's help.

- Read-only: the home is chmod 0500. Root ignores file modes (CAP_DAC_OVERRIDE), so a child started as
  root first drops the capabilities that bypass them from its bounding set; after exec it is a root
  that file modes bind, as any other user is, and its writes under the home fail with EACCES as they
  would on a read-only mount.
- Full: RLIMIT_FSIZE caps how far the child may grow any file; a write beyond it fails (EFBIG, or a
  short write SQLite reports as SQLITE_FULL), which is what a full disk does to the same calls.
"""

from __future__ import annotations

import ctypes
import os
import resource
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["read_only", "subject_to_file_modes", "with_file_size_limit"]

_PR_CAPBSET_DROP = 24
# CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER: what lets root write where modes say no.
_FILE_MODE_BYPASS = (1, 2, 3)


def subject_to_file_modes() -> None:
    """A `preexec_fn`: the child obeys file modes even when it runs as root."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in _FILE_MODE_BYPASS:
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"cannot drop capability {capability}: {os.strerror(errno)}")


def with_file_size_limit(limit: int) -> Callable[[], None]:
    """A `preexec_fn`: the child cannot grow any file beyond `limit` bytes (as on a full disk)."""

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_files


@contextmanager
def read_only(home: Path) -> Iterator[Path]:
    """`home` made read-only (0500) for the block, as it was afterwards."""
    mode = home.stat().st_mode & 0o777
    home.chmod(0o500)
    try:
        yield home
    finally:
        home.chmod(mode)
