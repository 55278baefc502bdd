"""Reading container logs: all of it, the last lines, or following it as the process writes.

Logs are plain files a process appends to; lines are decoded as UTF-8 (undecodable bytes replaced) and
yielded without their line ends. Tails are read from the end of the file, so a long Spark log is not
read whole to show its last lines.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["follow_lines", "read_lines", "tail_message"]

_BLOCK = 64 * 1024
MESSAGE_MAX_LINES = 80
MESSAGE_MAX_BYTES = 2048
"""Kubernetes' limits for a termination message taken from the log (FallbackToLogsOnError)."""


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _tail_offset(path: Path, lines: int) -> int:
    """The byte offset where the last `lines` lines of the file begin."""
    with path.open("rb") as f:
        end = f.seek(0, os.SEEK_END)
        position = end
        newlines = 0
        # A final line end does not start another line.
        if end:
            f.seek(end - 1)
            if f.read(1) == b"\n":
                position -= 1
        while position > 0:
            size = min(_BLOCK, position)
            position -= size
            f.seek(position)
            block = f.read(size)
            index = len(block)
            while True:
                index = block.rfind(b"\n", 0, index)
                if index < 0:
                    break
                newlines += 1
                if newlines == lines:
                    return position + index + 1
        return 0


def read_lines(path: Path, tail: int | None = None) -> list[str]:
    """The file's lines (the last `tail` of them when given); no file: no lines."""
    if tail is not None and tail <= 0:
        return []
    try:
        start = _tail_offset(path, tail) if tail is not None else 0
        with path.open("rb") as f:
            f.seek(start)
            data = f.read()
    except FileNotFoundError:
        return []
    return _decode(data).splitlines()


def tail_message(path: Path, max_lines: int = MESSAGE_MAX_LINES, max_bytes: int = MESSAGE_MAX_BYTES) -> str:
    """The end of the log as a termination message: at most `max_lines` lines and `max_bytes` bytes."""
    lines = read_lines(path, tail=max_lines)
    kept: list[str] = []
    size = 0
    for line in reversed(lines):
        cost = len(line.encode("utf-8")) + (1 if kept else 0)
        if size + cost > max_bytes:
            if not kept:
                kept.append(line.encode("utf-8")[-max_bytes:].decode("utf-8", errors="ignore"))
            break
        kept.append(line)
        size += cost
    return "\n".join(reversed(kept))


def follow_lines(
    path: Path,
    *,
    finished: Callable[[], bool],
    wait: Callable[[float], object],
    tail: int | None = None,
    poll_seconds: float = 0.2,
) -> Iterator[str]:
    """Lines as they are written, until `finished()` says the writer has ended and all was read.

    `wait(seconds)` pauses between looks at the file; pass one that returns early when the writer ends
    (an Event's wait), so following stops promptly.
    """
    while not path.exists():
        if finished():
            return
        wait(poll_seconds)
    start = _tail_offset(path, tail) if tail is not None and tail > 0 else 0
    if tail is not None and tail <= 0:
        start = path.stat().st_size
    pending = b""
    with path.open("rb") as f:
        f.seek(start)
        while True:
            # Read what is there before asking whether the writer ended, so nothing written last is lost.
            done = finished()
            chunk = f.read(_BLOCK)
            if chunk:
                pending += chunk
                *complete, pending = pending.split(b"\n")
                for line in complete:
                    yield _decode(line).rstrip("\r")
                continue
            if done:
                if pending:
                    yield _decode(pending)
                return
            wait(poll_seconds)
