"""A SparkApplication's cost and timeline annotations (`sparkfleet.io/cost`, `sparkfleet.io/timeline`), read.

The controllers write them (their shapes are documented with the constants in `api.wire`); every view
that shows them (the web console, the command line) reads them here, so a malformed or older value is
judged one way everywhere: `None` means "not yet known", never a guess.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sparkfleet.api.timefmt import TimestampError, parse_rfc3339
from sparkfleet.api.wire import ANNOTATION_COST, ANNOTATION_TIMELINE

__all__ = ["AppCost", "Phase", "cost_of", "current_phase", "parse_cost", "parse_timeline", "timeline_of"]


@dataclass(frozen=True, slots=True)
class AppCost:
    """What an application has cost so far, in `currency`; `placeholder_waste` is included in `total`'s
    accounting by the writer and shown apart as waste."""

    currency: str
    total: float
    spot: float
    on_demand: float
    placeholder_waste: float
    as_of: datetime | None


@dataclass(frozen=True, slots=True)
class Phase:
    """One entry of the timeline: `until` is None for the phase the application is in now."""

    phase: str
    since: datetime
    until: datetime | None
    reason: str
    message: str

    @property
    def open(self) -> bool:
        return self.until is None

    def seconds(self, now: datetime) -> float:
        """How long the phase lasted, or has lasted by `now` when it is still open."""
        return max(0.0, ((self.until or now) - self.since).total_seconds())


def _amount(raw: Mapping[str, Any], key: str) -> float | None:
    value = raw.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _time(value: Any, field: str) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_rfc3339(value, field=field)
    except TimestampError:
        return None


def parse_cost(text: str | None) -> AppCost | None:
    """The cost an annotation value holds; None when absent or not the documented JSON object."""
    if not text:
        return None
    try:
        raw = json.loads(text)
    except ValueError:
        return None
    if not isinstance(raw, dict) or "total" not in raw:
        return None
    amounts = [_amount(raw, key) for key in ("total", "spot", "onDemand", "placeholderWaste")]
    if any(a is None for a in amounts):
        return None
    total, spot, on_demand, waste = (a or 0.0 for a in amounts)
    currency = raw.get("currency")
    return AppCost(
        currency=currency if isinstance(currency, str) and currency else "USD",
        total=total,
        spot=spot,
        on_demand=on_demand,
        placeholder_waste=waste,
        as_of=_time(raw.get("asOf"), f"{ANNOTATION_COST}.asOf"),
    )


def parse_timeline(text: str | None) -> tuple[Phase, ...] | None:
    """The phases an annotation value lists, oldest first; entries without a phase name or a valid
    `since` are left out. None when absent or not a JSON list."""
    if not text:
        return None
    try:
        raw = json.loads(text)
    except ValueError:
        return None
    if not isinstance(raw, list):
        return None
    phases: list[Phase] = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict) or not isinstance(entry.get("phase"), str):
            continue
        since = _time(entry.get("since"), f"{ANNOTATION_TIMELINE}[{i}].since")
        if since is None:
            continue
        reason, message = entry.get("reason"), entry.get("message")
        phases.append(
            Phase(
                phase=entry["phase"],
                since=since,
                until=_time(entry.get("until"), f"{ANNOTATION_TIMELINE}[{i}].until"),
                reason=reason if isinstance(reason, str) else "",
                message=message if isinstance(message, str) else "",
            )
        )
    return tuple(phases)


def current_phase(phases: tuple[Phase, ...]) -> Phase | None:
    """The last open phase: where the application is now (its message is the current blocker)."""
    return next((p for p in reversed(phases) if p.open), None)


def _annotations(app: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = app.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    return annotations if isinstance(annotations, dict) else {}


def cost_of(app: Mapping[str, Any]) -> AppCost | None:
    """The cost annotation of a SparkApplication object, parsed."""
    return parse_cost(_annotations(app).get(ANNOTATION_COST))


def timeline_of(app: Mapping[str, Any]) -> tuple[Phase, ...] | None:
    """The timeline annotation of a SparkApplication object, parsed."""
    return parse_timeline(_annotations(app).get(ANNOTATION_TIMELINE))
