"""Finished SparkApplications that need nothing until their time to live ends (or ever).

A COMPLETED or FAILED application whose executors are all accounted for and whose spec is the one it ran
has nothing left to do but be deleted when its TTL ends. Telling that from the stored object alone (no
parse, no other read) lets the controller pass over such applications when a relist or a resync brings
every object again, and when their pods change, so that work per pass grows with the applications that
are live, not with the history. An application with a TTL is looked at once more, when it ends.

The record is kept from the SparkApplication watch, which sees every change before the reconcile it
causes: an application that changes (a new spec, a status written) is recorded afresh before its key is
handled.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from sparkfleet.api.sparkstatus import ApplicationStateType, ExecutorStateType
from sparkfleet.api.timefmt import TimestampError, parse_rfc3339
from sparkfleet.clock import Clock

__all__ = ["FinishedApps"]

_TERMINAL: Final = frozenset({ApplicationStateType.COMPLETED.value, ApplicationStateType.FAILED.value})
_EXECUTORS_DONE: Final = frozenset({ExecutorStateType.COMPLETED.value, ExecutorStateType.FAILED.value})
_LIVE: Final = object()
"""Recorded as live: not finished, or finished with something left to do."""
_NEVER: Final = object()
"""Finished with no TTL: nothing to do ever (unless it changes)."""

SubmissionIds = Callable[[str, int, int], str]


def _settled_until(obj: Mapping[str, Any], default_ttl: int | None, submission_id: SubmissionIds) -> object:
    """When a finished application is due for deletion (`_NEVER` without a TTL); `_LIVE` if it is not
    finished or still needs a look."""
    status = obj.get("status")
    if not isinstance(status, dict):
        return _LIVE
    if (status.get("applicationState") or {}).get("state") not in _TERMINAL:
        return _LIVE
    executors = status.get("executorState") or {}
    if not isinstance(executors, dict) or any(v not in _EXECUTORS_DONE for v in executors.values()):
        return _LIVE
    meta = obj.get("metadata") or {}
    attempts = status.get("submissionAttempts") or 0
    submitted = status.get("submissionID")
    # The submission id names the generation it ran: a spec changed since (while no one watched) differs.
    if not submitted or not isinstance(attempts, int):
        return _LIVE
    if submitted != submission_id(str(meta.get("uid") or ""), int(meta.get("generation") or 1), attempts):
        return _LIVE
    ttl = (obj.get("spec") or {}).get("timeToLiveSeconds")
    if ttl is None and default_ttl:
        ttl = default_ttl
    if ttl is None:
        return _NEVER
    terminated = status.get("terminationTime")
    if not isinstance(ttl, int | float) or not isinstance(terminated, str):
        return _LIVE
    try:
        return parse_rfc3339(terminated) + timedelta(seconds=ttl)
    except (TimestampError, ValueError):
        return _LIVE  # the reconcile says what is wrong with it


class FinishedApps:
    """Which applications (by key) are finished and need no look before a moment. Thread-safe."""

    def __init__(self, clock: Clock, default_ttl: int | None, submission_id: SubmissionIds) -> None:
        self._clock = clock
        self._default_ttl = default_ttl
        self._submission_id = submission_id
        self._lock = threading.Lock()
        self._records: dict[Hashable, object] = {}

    def note(self, key: Hashable, obj: Mapping[str, Any]) -> bool:
        """Record the application as stored now; whether its key needs handling (it is live, or newly
        settled with a TTL, whose end the reconcile then schedules)."""
        until = _settled_until(obj, self._default_ttl, self._submission_id)
        with self._lock:
            before = self._records.get(key)
            self._records[key] = until
        if until is _LIVE:
            return True
        return until is not _NEVER and until != before

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._records.pop(key, None)

    def known(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._records

    def settled(self, key: Hashable) -> bool:
        """Whether the application is finished with nothing to do now (its pods' changes do not matter)."""
        return self.rest(key) is not None

    def rest(self, key: Hashable) -> float | None:
        """For a settled application, seconds until it needs a look (inf: never); None when it needs one
        now (or is live or unknown)."""
        with self._lock:
            until = self._records.get(key, _LIVE)
        if until is _LIVE:
            return None
        if until is _NEVER:
            return float("inf")
        assert isinstance(until, datetime)
        left = (until - self._clock.now()).total_seconds()
        return left if left > 0 else None

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)
