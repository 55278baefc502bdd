"""RFC 3339 timestamps, the one way every component reads and writes them.

Kubernetes writes `metav1.Time` in whole seconds, UTC, with a `Z` (`2026-01-02T03:04:05Z`); readers
accept any offset and a fraction of a second. A timestamp without a zone names no instant (it would
mean UTC to one reader and local time to another), so it is an error naming the field it was read from.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?P<zone>[Zz]|([+-])(\d{2}):(\d{2}))?"
)
_EXAMPLE = "2026-01-02T03:04:05Z"


class TimestampError(ValueError):
    """Text that is not an RFC 3339 timestamp with a zone; `field` is the path it was read from."""

    def __init__(self, text: str, field: str, problem: str) -> None:
        self.text = text
        self.field = field
        self.problem = problem
        where = f"{field}: " if field else ""
        super().__init__(f'{where}"{text}" {problem}')


def parse_rfc3339(text: str, *, field: str = "") -> datetime:
    """An aware UTC datetime from RFC 3339 text (`Z` or an offset, optional fraction of a second).

    Raises TimestampError, naming `field` (e.g. `metadata.creationTimestamp`), when the zone is missing
    or the text is not a timestamp at all.
    """
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise TimestampError(text, field, f"is not an RFC 3339 timestamp: write it as {_EXAMPLE}")
    if match["zone"] is None:
        raise TimestampError(text, field, f"has no timezone: add Z (UTC) or an offset, e.g. {_EXAMPLE}")
    year, month, day, hour, minute, second, fraction, zone, sign, zone_h, zone_m = match.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        tz = UTC
        if zone not in ("Z", "z"):
            if int(zone_m) >= 60:
                raise ValueError("offset minutes must be below 60")
            offset = timedelta(hours=int(zone_h), minutes=int(zone_m))
            tz = timezone(-offset if sign == "-" else offset)
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micros, tz)
    except ValueError as exc:
        raise TimestampError(text, field, f"is not a valid time ({exc})") from None
    return moment.astimezone(UTC)


def parse_optional_rfc3339(text: str | None, *, field: str = "") -> datetime | None:
    """`parse_rfc3339`, or None for a timestamp that is absent or empty (a field not yet set)."""
    return parse_rfc3339(text, field=field) if text else None


def format_rfc3339(moment: datetime) -> str:
    """Kubernetes' timestamp form, whole seconds in UTC: `2026-01-02T03:04:05Z`."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_micro_time(moment: datetime) -> str:
    """Kubernetes' `MicroTime` form (Lease and events.k8s.io times): `2026-01-02T03:04:05.000000Z`."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
