"""The timeline an application keeps in its `sparkfleet.io/timeline` annotation, updated one observation
at a time: `advance(entries, observation, created, now)`.

The open entry (the last, without `until`) is where the application is now. An observation with the same
phase and reason only refreshes its message; another one closes it and opens a new entry. The new entry
starts when the observation says its reason began, if that lies between the open entry's start and now
(a pod condition or an Event carries the time), else now. Consecutive entries of one phase make one run of
that phase; a run that ended is reported with its length, for the phase-time histogram.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sparkfleet.api.appinsight import Phase
from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.engine.explain.model import Observation, TimelinePhase, WaitReason

__all__ = ["MAX_ENTRIES", "PhaseRun", "TimelineUpdate", "advance", "format_timeline"]

MAX_ENTRIES = 64
"""A timeline keeps its first entry and the latest ones up to this many in all."""


@dataclass(frozen=True, slots=True)
class PhaseRun:
    phase: str
    seconds: float


@dataclass(frozen=True, slots=True)
class TimelineUpdate:
    entries: tuple[Phase, ...]
    finished: tuple[PhaseRun, ...] = ()
    """Runs of a phase that this update ended."""

    @property
    def current(self) -> Phase | None:
        return self.entries[-1] if self.entries and self.entries[-1].open else None


def _start(observation: Observation, after: datetime, now: datetime) -> datetime:
    since = observation.since
    return since if since is not None and after < since <= now else now


def _run_start(entries: Sequence[Phase]) -> datetime:
    """Where the run of the last entry's phase began."""
    phase = entries[-1].phase
    start = entries[-1].since
    for entry in reversed(entries):
        if entry.phase != phase:
            break
        start = entry.since
    return start


def _entry(observation: Observation, since: datetime) -> Phase:
    return Phase(observation.phase.value, since, None, observation.reason.value, observation.message)


def advance(
    entries: Sequence[Phase], observation: Observation, created: datetime | None, now: datetime
) -> TimelineUpdate:
    """The timeline after `observation` at `now`; `created` starts a timeline that has no entry yet."""
    out = list(entries)
    if out and not out[-1].open:
        out[-1] = replace(out[-1], until=None)  # a closed last entry is still where the application is
    if not out:
        begin = min(created or now, now)
        if observation.phase != TimelinePhase.SUBMITTED:
            submitted = Observation(TimelinePhase.SUBMITTED, WaitReason.SUBMITTING, "submitted", begin)
            out.append(_entry(submitted, begin))
        else:
            return TimelineUpdate((_entry(observation, begin),))
    current = out[-1]
    if current.phase == observation.phase.value and current.reason == observation.reason.value:
        if current.message != observation.message:
            out[-1] = replace(current, message=observation.message)
        return TimelineUpdate(tuple(out))
    since = _start(observation, current.since, now)
    finished: tuple[PhaseRun, ...] = ()
    if current.phase != observation.phase.value:
        finished = (PhaseRun(current.phase, (since - _run_start(out)).total_seconds()),)
    out[-1] = replace(current, until=since)
    out.append(_entry(observation, since))
    if len(out) > MAX_ENTRIES:
        out = [out[0], *out[-(MAX_ENTRIES - 1) :]]
    return TimelineUpdate(tuple(out), finished)


def format_timeline(entries: Sequence[Phase]) -> str:
    """The annotation's value (the shape `api.wire.ANNOTATION_TIMELINE` documents)."""
    body = []
    for entry in entries:
        item = {
            "phase": entry.phase,
            "since": format_rfc3339(entry.since),
            "reason": entry.reason,
            "message": entry.message,
        }
        if entry.until is not None:
            item["until"] = format_rfc3339(entry.until)
        body.append(item)
    return json.dumps(body, separators=(",", ":"))
