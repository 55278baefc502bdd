"""The timeline as a person reads it: short durations and the current blocker in one sentence."""

from __future__ import annotations

from datetime import datetime

from sparkfleet.api.appinsight import Phase
from sparkfleet.engine.explain.model import WAITING_PHASES, TimelinePhase

__all__ = ["blocker_sentence", "short_duration"]

_RUNNING = frozenset({TimelinePhase.DRIVER_RUNNING.value, TimelinePhase.EXECUTORS_RUNNING.value})
_ENDED = {TimelinePhase.COMPLETED.value: "completed", TimelinePhase.FAILED.value: "failed"}


def short_duration(seconds: float) -> str:
    """`45s`, `3m12s`, `2h5m`, `3d4h`: the two largest units, as kubectl prints ages."""
    s = max(0, int(seconds))
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    if days:
        return f"{days}d{hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m{s}s" if s else f"{minutes}m"
    return f"{s}s"


def blocker_sentence(current: Phase, now: datetime) -> str:
    """`waiting 3m12s: queue root.dev is at its max of 10 vcore ...; 2 applications ahead`."""
    lasted = short_duration(current.seconds(now))
    if current.phase in _ENDED:
        return f"{_ENDED[current.phase]} {lasted} ago: {current.message}"
    verb = "running" if current.phase in _RUNNING else "waiting"
    if current.phase not in _RUNNING and current.phase not in {p.value for p in WAITING_PHASES}:
        verb = current.phase
    return f"{verb} {lasted}: {current.message}"
