"""RFC 3339 timestamps as Kubernetes writes them (whole seconds, UTC), and Go-style durations in messages."""

from __future__ import annotations

from datetime import UTC, datetime


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str | None) -> datetime | None:
    """An aware UTC datetime, or None for a missing or empty timestamp."""
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def go_duration(seconds: float) -> str:
    """`10s`, `1m30s`, `2h0m0s`: how Go prints a time.Duration, as the operator's messages show them."""
    whole = int(seconds)
    if whole != seconds or whole < 60:
        return f"{seconds:g}s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes}m{secs}s" if hours else f"{minutes}m{secs}s"
