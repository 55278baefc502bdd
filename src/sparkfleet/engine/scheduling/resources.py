"""Resource amounts: an immutable, hashable set for records and a numpy vector form for the hot paths.

Units are integers throughout: cpu in millicores, memory and storage in bytes, everything else in
units. Kubernetes names are used inside the engine (`cpu`); YuniKorn's queue configuration says `vcore`
for the same thing, and messages about queues speak YuniKorn's names so they match the user's file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from sparkfleet.api.quantity import format_cpu

CPU = "cpu"
MEMORY = "memory"
PODS = "pods"
EPHEMERAL_STORAGE = "ephemeral-storage"
BASE_NAMES = (CPU, MEMORY, PODS, EPHEMERAL_STORAGE)
YUNIKORN_NAMES = {"vcore": CPU}
"""YuniKorn's resource names that differ from Kubernetes' (everything else is shared)."""

Vector = npt.NDArray[np.int64]
UNLIMITED = np.int64(2**62)
"""Stands for "no limit" in max and headroom vectors; far above any real amount, safe to subtract from."""

_BYTE_NAMES = (MEMORY, EPHEMERAL_STORAGE)


class Resources:
    """An immutable set of (resource name, integer amount) with zero amounts left out; hashable."""

    __slots__ = ("_hash", "_items")

    _items: tuple[tuple[str, int], ...]
    _hash: int

    def __init__(self, amounts: Mapping[str, int] | Iterable[tuple[str, int]] = ()) -> None:
        pairs = amounts.items() if isinstance(amounts, Mapping) else amounts
        merged: dict[str, int] = {}
        for name, value in pairs:
            merged[name] = merged.get(name, 0) + int(value)
        items = tuple(sorted((k, v) for k, v in merged.items() if v))
        object.__setattr__(self, "_items", items)
        object.__setattr__(self, "_hash", hash(items))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Resources is immutable")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Resources) and self._items == other._items

    def __repr__(self) -> str:
        return f"Resources({dict(self._items)!r})"

    def __bool__(self) -> bool:
        return bool(self._items)

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self._items)

    def items(self) -> tuple[tuple[str, int], ...]:
        return self._items

    def get(self, name: str, default: int = 0) -> int:
        for k, v in self._items:
            if k == name:
                return v
        return default

    def as_dict(self) -> dict[str, int]:
        return dict(self._items)

    def __add__(self, other: Resources) -> Resources:
        return Resources((*self._items, *other._items))

    def __sub__(self, other: Resources) -> Resources:
        return Resources((*self._items, *((k, -v) for k, v in other._items)))

    def times(self, n: int) -> Resources:
        return Resources((k, v * n) for k, v in self._items)

    def fits_in(self, other: Resources) -> bool:
        """Every amount here is at most the same amount in `other` (absent counts as zero)."""
        return all(v <= other.get(k) for k, v in self._items)

    def over(self, limit: Resources) -> list[str]:
        """The names limited in `limit` whose amount here is larger than the limit."""
        return [k for k, v in limit.items() if self.get(k) > v]


EMPTY = Resources()


def kubernetes_name(name: str) -> str:
    """A resource name from a queue configuration in the engine's (Kubernetes) spelling."""
    return YUNIKORN_NAMES.get(name, name)


def yunikorn_name(name: str) -> str:
    return "vcore" if name == CPU else name


def format_amount(name: str, value: int) -> str:
    """An amount as a person reads it: `1500m` / `2` for cpu, `120G` / `15Gi` for bytes."""
    if name == CPU:
        return format_cpu(value)
    if name in _BYTE_NAMES or name.startswith("hugepages-"):
        return format_bytes_short(value)
    return str(value)


def format_bytes_short(n: int) -> str:
    if n == 0:
        return "0"
    for suffix, unit in (("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20)):
        if n % unit == 0:
            return f"{n // unit}{suffix}"
    for suffix, unit in (("T", 10**12), ("G", 10**9), ("M", 10**6)):
        if n % unit == 0:
            return f"{n // unit}{suffix}"
    for suffix, unit in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if abs(n) >= unit:
            return f"{n / unit:.1f}{suffix}"
    return str(n)


def format_resources(res: Resources, *, yunikorn: bool = False) -> str:
    """`{memory: 120G, vcore: 20}`; YuniKorn's names when describing queues."""
    parts = []
    for name, value in res.items():
        shown = yunikorn_name(name) if yunikorn else name
        parts.append((shown, f"{shown}: {format_amount(name, value)}"))
    return "{" + ", ".join(text for _, text in sorted(parts)) + "}"


class ResourceIndex:
    """Fixed column order for resource vectors: cpu, memory, pods, ephemeral-storage, then extras sorted."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        extra = sorted(set(names) - set(BASE_NAMES))
        self.names: tuple[str, ...] = (*BASE_NAMES, *extra)
        self.col: dict[str, int] = {n: i for i, n in enumerate(self.names)}
        self.size = len(self.names)
        self._vectors: dict[Resources, Vector] = {}

    def vector(self, res: Resources) -> Vector:
        """The amounts as a vector (cached: the same Resources object is asked for many times)."""
        cached = self._vectors.get(res)
        if cached is None:
            cached = np.zeros(self.size, dtype=np.int64)
            for name, value in res.items():
                cached[self.col[name]] = value
            cached.flags.writeable = False
            self._vectors[res] = cached
        return cached

    def resources(self, vec: Vector) -> Resources:
        return Resources((self.names[i], int(v)) for i, v in enumerate(vec.tolist()) if v)


class LimitSet:
    """A max: the names it limits (an explicit zero is a real limit) and their amounts."""

    __slots__ = ("amounts",)

    def __init__(self, amounts: Mapping[str, int]) -> None:
        self.amounts = dict(amounts)

    def __bool__(self) -> bool:
        return bool(self.amounts)

    def as_resources(self) -> Resources:
        return Resources(self.amounts)

    def vector(self, index: ResourceIndex) -> Vector:
        out = np.full(index.size, UNLIMITED, dtype=np.int64)
        for name, value in self.amounts.items():
            if name in index.col:
                out[index.col[name]] = value
        return out

    def format(self) -> str:
        parts = sorted(f"{yunikorn_name(n)}: {format_amount(n, v)}" for n, v in self.amounts.items())
        return "{" + ", ".join(parts) + "}"
