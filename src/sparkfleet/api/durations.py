"""Go duration strings (`720h`, `1m`, `30s`, `1h30m`, `1.5h`, `300ms`) as exact seconds, and `Never`.

Karpenter and YuniKorn both write durations in Go's `time.ParseDuration` syntax; Karpenter adds the word
`Never` for "no deadline" (its NillableDuration). Parsing is exact (Fractions), so `1h30m` is 5400 and
`100ms` is 1/10, never a rounded float.
"""

from __future__ import annotations

import re
from fractions import Fraction

NEVER = "Never"

_UNITS: dict[str, Fraction] = {
    "ns": Fraction(1, 10**9),
    "us": Fraction(1, 10**6),
    "\u00b5s": Fraction(1, 10**6),  # micro sign, as Go accepts
    "\u03bcs": Fraction(1, 10**6),  # Greek mu, as Go accepts
    "ms": Fraction(1, 10**3),
    "s": Fraction(1),
    "m": Fraction(60),
    "h": Fraction(3600),
}
_COMPONENT = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")
# Go stores a Duration as int64 nanoseconds; anything larger does not parse.
_MAX_SECONDS = Fraction(2**63 - 1, 10**9)


class DurationError(ValueError):
    """A string that is not a Go duration."""


def parse_go_duration(text: str) -> Fraction:
    """A Go duration in exact seconds (`1h30m` -> 5400, `-1.5s` -> -3/2); `Never` is not accepted here."""
    if not isinstance(text, str):
        raise DurationError(f'invalid duration {text!r}: expected a string like "30s" or "1h30m"')
    rest = text
    sign = 1
    if rest[:1] in ("+", "-"):
        sign = -1 if rest[0] == "-" else 1
        rest = rest[1:]
    if rest == "0":
        return Fraction(0)
    if not rest:
        raise DurationError(f'invalid duration "{text}": expected a number and a unit, e.g. "30s" or "1h30m"')
    total = Fraction(0)
    pos = 0
    while pos < len(rest):
        match = _COMPONENT.match(rest, pos)
        if match is None:
            raise DurationError(
                f'invalid duration "{text}": expected numbers with units h, m, s, ms, us or ns, e.g. "1h30m"'
            )
        total += Fraction(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if total > _MAX_SECONDS:
        raise DurationError(f'invalid duration "{text}": larger than Go can hold (about 292 years)')
    return sign * total


def parse_duration(text: str) -> Fraction | None:
    """A Go duration in exact seconds, or None for `Never` (Karpenter's "no deadline")."""
    if text == NEVER:
        return None
    return parse_go_duration(text)


def is_go_duration(text: object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        parse_go_duration(text)
    except DurationError:
        return False
    return True


def format_go_duration(seconds: Fraction | int) -> str:
    """Seconds as Go's `Duration.String()` prints them: `1h30m0s`, `1m0s`, `1.5s`, `300ms`, `0s`."""
    nanos_exact = Fraction(seconds) * 10**9
    if nanos_exact.denominator != 1:
        raise DurationError(f"{seconds} seconds is not a whole number of nanoseconds")
    nanos = int(nanos_exact)
    if nanos == 0:
        return "0s"
    sign = "-" if nanos < 0 else ""
    nanos = abs(nanos)
    if nanos < 10**9:
        # Go prints sub-second durations in the largest unit that keeps an integer part.
        for unit, scale in (("ms", 10**6), ("\u00b5s", 10**3), ("ns", 1)):
            if nanos >= scale:
                return sign + _decimal(nanos, scale) + unit
    hours, rem = divmod(nanos, 3600 * 10**9)
    minutes, rem = divmod(rem, 60 * 10**9)
    out = ""
    if hours:
        out += f"{hours}h"
    if hours or minutes:
        out += f"{minutes}m"
    return sign + out + _decimal(rem, 10**9) + "s"


def _decimal(value: int, scale: int) -> str:
    whole, frac = divmod(value, scale)
    if not frac:
        return str(whole)
    digits = len(str(scale)) - 1
    return f"{whole}." + f"{frac:0{digits}d}".rstrip("0")
