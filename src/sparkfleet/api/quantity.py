"""Kubernetes quantities and Spark/JVM memory strings: two notations that must never be confused.

Kubernetes: `1200m` is 1.2 (cores), `4Gi` is 4 * 2**30, `100G` is 100 * 10**9, `1e3` is 1000.
Spark: `512m` is 512 MiB, `4g` is 4 GiB, a bare number is MiB (JavaUtils.byteStringAsMb).
All arithmetic is exact: Fractions while parsing, integers (millicores, bytes) out. Written amounts are
bounded (at most 64 characters, an exponent within +-64, which is past any int64 amount Kubernetes computes)
so that a short string cannot ask for a number that takes minutes to build.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 10**3),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$")

_SPARK_UNITS = {
    "b": 1,
    "k": 2**10,
    "kb": 2**10,
    "m": 2**20,
    "mb": 2**20,
    "g": 2**30,
    "gb": 2**30,
    "t": 2**40,
    "tb": 2**40,
    "p": 2**50,
    "pb": 2**50,
}
_SPARK_MEMORY = re.compile(r"^(\d+)\s*([a-zA-Z]*)$")
MAX_QUANTITY_LENGTH = 64
MAX_EXPONENT = 64


class QuantityError(ValueError):
    """A string that is not a valid quantity of the expected notation."""


def _shown(text: str) -> str:
    return repr(text) if len(text) <= MAX_QUANTITY_LENGTH else f"{text[:MAX_QUANTITY_LENGTH]!r}..."


def parse_quantity(value: str | int | float) -> Fraction:
    """A Kubernetes quantity as an exact Fraction."""
    if isinstance(value, bool):
        raise QuantityError(f"invalid quantity {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise QuantityError(f"invalid quantity {value!r}")
        return Fraction(str(value))
    text = value.strip()
    if len(text) > MAX_QUANTITY_LENGTH:
        raise QuantityError(f"invalid quantity {_shown(text)}: longer than {MAX_QUANTITY_LENGTH} characters")
    match = _QUANTITY.match(text)
    if not match:
        raise QuantityError(
            f"invalid quantity {value!r}: expected a number with an optional suffix "
            "(m, k, M, G, T, Ki, Mi, Gi, Ti, or an exponent like 1e3)"
        )
    number, exponent, suffix = match.groups()
    amount = Fraction(number)
    if exponent:
        power = int(exponent[1:])
        if abs(power) > MAX_EXPONENT:
            raise QuantityError(
                f"invalid quantity {value!r}: the exponent must be within -{MAX_EXPONENT}..{MAX_EXPONENT}"
            )
        return amount * Fraction(10) ** power
    if suffix in _BINARY:
        return amount * _BINARY[suffix]
    return amount * _DECIMAL[suffix or ""]


def is_quantity(value: object) -> bool:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return False
    try:
        parse_quantity(value)
    except QuantityError:
        return False
    return True


def cpu_millis(value: str | int | float) -> int:
    """CPU quantity in millicores, rounded up as Kubernetes does (`0.0001` -> 1m)."""
    return math.ceil(parse_quantity(value) * 1000)


def memory_bytes(value: str | int | float) -> int:
    """Memory (or storage) quantity in bytes, rounded up."""
    return math.ceil(parse_quantity(value))


def spark_memory_bytes(value: str) -> int:
    """A Spark/JVM memory string in bytes: `512m` = 512 MiB, `4g` = 4 GiB, `1024` = 1024 MiB."""
    text = value.strip()
    if len(text) > MAX_QUANTITY_LENGTH:
        raise QuantityError(
            f"invalid Spark memory {_shown(text)}: longer than {MAX_QUANTITY_LENGTH} characters"
        )
    match = _SPARK_MEMORY.match(text)
    if not match:
        raise QuantityError(f"invalid Spark memory {value!r}: expected digits and a unit, e.g. 512m or 4g")
    digits, unit = match.groups()
    unit = unit.lower()
    if unit == "":
        return int(digits) * 2**20
    if unit not in _SPARK_UNITS:
        raise QuantityError(
            f"invalid Spark memory {value!r}: unit {unit!r} is not one of b, k, m, g, t, p (Spark/JVM units)"
        )
    return int(digits) * _SPARK_UNITS[unit]


def is_spark_memory(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        spark_memory_bytes(value)
    except QuantityError:
        return False
    return True


def format_mebibytes(n_bytes: int) -> str:
    """Bytes as a whole `Mi` quantity, rounding up, the unit Spark uses for pod memory (`896Mi`)."""
    return f"{-(-n_bytes // 2**20)}Mi"


def format_cpu(millis: int) -> str:
    """Millicores as Kubernetes prints them: `1`, `1200m`."""
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def format_bytes(n_bytes: int) -> str:
    """Bytes in the largest exact binary unit (`4Gi`, `1536Mi`, `100`)."""
    for suffix in ("Ei", "Pi", "Ti", "Gi", "Mi", "Ki"):
        unit = _BINARY[suffix]
        if n_bytes and n_bytes % unit == 0:
            return f"{n_bytes // unit}{suffix}"
    return str(n_bytes)
