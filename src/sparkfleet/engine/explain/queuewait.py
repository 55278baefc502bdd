"""The scheduler's queue-limit messages as typed reasons and one plain sentence each.

The scheduler writes why a pod waits on its PodScheduled condition (`engine.scheduling.allocate`):
`queue root.dev max vcore 10 exceeded: allocated 10, ask 1`, `queue root.dev runs 3 applications, its
maxapplications is 3: ...`, `user alice in queue root.dev maxresources memory 8Gi reached: ...`. A message
of another shape keeps its text and the generic reason.
"""

from __future__ import annotations

import re

from sparkfleet.engine.explain.model import WaitReason

__all__ = ["queue_wait"]

_QUEUE_MAX = re.compile(
    r"queue (?P<queue>\S+) max (?P<res>\S+) (?P<max>\S+) exceeded: allocated (?P<alloc>\S+), ask (?P<ask>\S+)"
)
_MAX_APPS = re.compile(
    r"queue (?P<queue>\S+) runs (?P<n>\d+) applications, its maxapplications is (?P<max>\d+)"
)
_TRACKER_APPS = re.compile(
    r"(?P<who>(?:user|group) \S+ in queue \S+) runs (?P<n>\d+) applications, the limit is (?P<max>\d+)"
)
_TRACKER_MAX = re.compile(
    r"(?P<who>(?:user|group) \S+ in queue \S+) maxresources (?P<res>\S+) (?P<max>\S+) "
    r"(?:reached|would be exceeded)"
)


def _ahead(n: int) -> str:
    if n <= 0:
        return ""
    return f"; {n} application{'s' if n != 1 else ''} ahead"


def queue_wait(message: str, ahead: int = 0) -> tuple[WaitReason, str]:
    """(reason, sentence) for a QueueLimit message; `ahead` applications of the queue wait before it."""
    if m := _QUEUE_MAX.search(message):
        text = (
            f"queue {m['queue']} is at its max of {m['max']} {m['res']} "
            f"(allocated {m['alloc']}, the application asks {m['ask']})"
        )
        return WaitReason.QUEUE_MAX_REACHED, text + _ahead(ahead)
    if m := _MAX_APPS.search(message):
        text = f"queue {m['queue']} runs {m['n']} applications, its maxapplications is {m['max']}"
        return WaitReason.MAX_APPLICATIONS, text + _ahead(ahead)
    if m := _TRACKER_APPS.search(message):
        text = f"{m['who']} runs {m['n']} applications, the limit is {m['max']}"
        return WaitReason.USER_LIMIT, text + _ahead(ahead)
    if m := _TRACKER_MAX.search(message):
        text = f"{m['who']} is at its limit of {m['max']} {m['res']}"
        return WaitReason.USER_LIMIT, text + _ahead(ahead)
    return WaitReason.QUEUE_MAX_REACHED, (message or "the queue has no room") + _ahead(ahead)
