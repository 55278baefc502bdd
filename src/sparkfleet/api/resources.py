"""YuniKorn resource maps as integer vectors: `{memory: 100G, vcore: 10}` -> `{memory: 10**11, vcore: 10000}`.

YuniKorn's notation is not Kubernetes': values are integers only (no `1.5G`), suffixes are k M G T P E
and Ki..Ei (no `K`, no `m` except for vcore), `vcore` is counted in millicores (`10` is 10000, `500m` is
500), memory and every other resource are plain integers (bytes, counts). Negative values and values
beyond int64 are refused, as YuniKorn refuses them. A missing resource means "not limited" in a max and
"nothing" in a usage, hence two fit checks below.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sparkfleet.api.podrequests import resource_amounts
from sparkfleet.api.quantity import format_bytes, format_cpu

VCORE = "vcore"
MEMORY = "memory"
PODS = "pods"

_LEGAL = re.compile(r"^([+-]?[0-9]+)([A-Za-z]*)$")
_MULTIPLIERS = {
    "": 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "E": 10**18,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
}
_INT64_MAX = 2**63 - 1

Resources = dict[str, int]


class ResourceError(ValueError):
    """A value YuniKorn would not accept as a resource quantity."""


def parse_yunikorn_quantity(value: str | int, *, vcore: bool = False) -> int:
    """One YuniKorn quantity as an integer; with `vcore=True` in millicores (`2` -> 2000, `500m` -> 500)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ResourceError(f"invalid quantity {value!r}: expected an integer with an optional suffix")
    text = re.sub(r"\s+", "", str(value))
    match = _LEGAL.match(text)
    if match is None:
        raise ResourceError(
            f'invalid quantity "{value}": YuniKorn takes whole numbers with an optional suffix '
            f"(k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei{', m' if vcore else ''}), e.g. 100G"
        )
    number, suffix = int(match.group(1)), match.group(2)
    if suffix == "m" and vcore:
        result = number
    elif suffix in _MULTIPLIERS:
        result = number * _MULTIPLIERS[suffix] * (1000 if vcore else 1)
    else:
        allowed = "k, M, G, T, P, E, Ki..Ei" + (", m" if vcore else "")
        hint = " (m, milli, is only for vcore)" if suffix == "m" else ""
        raise ResourceError(f'invalid suffix "{suffix}" in "{value}": use {allowed}{hint}')
    if result < 0:
        raise ResourceError(f'negative quantity "{value}" is not permitted')
    if result > _INT64_MAX:
        raise ResourceError(f'quantity "{value}" overflows a 64-bit integer')
    return result


def yunikorn_resources(resources: Mapping[str, str | int]) -> Resources:
    """A YuniKorn resource map (`guaranteed`, `max`, `maxresources`) as integers: vcore in millicores,
    memory in bytes, any other resource as an integer count."""
    return {name: parse_yunikorn_quantity(value, vcore=name == VCORE) for name, value in resources.items()}


def from_kubernetes(requests: Mapping[str, str | int | float]) -> Resources:
    """A pod's Kubernetes resource list the way YuniKorn's shim sees it: `cpu` becomes `vcore`
    (millicores), memory bytes, other resources their value rounded up."""
    return {VCORE if name == "cpu" else name: amount for name, amount in resource_amounts(requests).items()}


def add(a: Mapping[str, int], b: Mapping[str, int]) -> Resources:
    out = dict(a)
    for name, value in b.items():
        out[name] = out.get(name, 0) + value
    return out


def subtract(a: Mapping[str, int], b: Mapping[str, int]) -> Resources:
    out = dict(a)
    for name, value in b.items():
        out[name] = out.get(name, 0) - value
    return out


def fits_in(larger: Mapping[str, int], smaller: Mapping[str, int]) -> bool:
    """Every resource of `smaller` within `larger`, a resource missing from `larger` counting as zero
    (a usage against a guarantee)."""
    return all(value <= larger.get(name, 0) for name, value in smaller.items())


def fits_in_max(maximum: Mapping[str, int], smaller: Mapping[str, int]) -> bool:
    """Every resource of `smaller` within `maximum`, a resource missing from `maximum` being unlimited
    (a usage against a queue's max)."""
    return all(value <= maximum[name] for name, value in smaller.items() if name in maximum)


def min_of_maxes(a: Mapping[str, int], b: Mapping[str, int]) -> Resources:
    """The tighter of two max limits per resource; a resource limited in only one keeps that limit."""
    out = dict(a)
    for name, value in b.items():
        out[name] = min(out[name], value) if name in out else value
    return out


def exceeding(limit: Mapping[str, int], usage: Mapping[str, int], *, missing_is_unlimited: bool) -> list[str]:
    """The names of the resources where `usage` is above `limit`, for messages that say which one."""
    names = []
    for name, value in usage.items():
        if name not in limit and missing_is_unlimited:
            continue
        if value > limit.get(name, 0):
            names.append(name)
    return sorted(names)


def format_resources(resources: Mapping[str, int]) -> str:
    """`{memory: 10**11, vcore: 10000}` -> `memory=100G vcore=10`, in YuniKorn's units, for messages."""
    parts = []
    for name in sorted(resources):
        parts.append(f"{name}={format_cpu(resources[name]) if name == VCORE else _short(resources[name])}")
    return " ".join(parts)


def _short(value: int) -> str:
    """The largest exact decimal unit, else the largest exact binary one (`100G`, `1536Mi`)."""
    for suffix in ("E", "P", "T", "G", "M", "k"):
        unit = _MULTIPLIERS[suffix]
        if value and value % unit == 0:
            return f"{value // unit}{suffix}"
    return format_bytes(value)
