"""Go-style durations in messages (timestamps are `sparkfleet.api.timefmt`)."""

from __future__ import annotations


def go_duration(seconds: float) -> str:
    """`10s`, `1m30s`, `2h0m0s`: how Go prints a time.Duration, as the operator's messages show them."""
    whole = int(seconds)
    if whole != seconds or whole < 60:
        return f"{seconds:g}s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes}m{secs}s" if hours else f"{minutes}m{secs}s"
