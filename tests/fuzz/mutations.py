"""Structure-aware mutations of valid objects, as hypothesis strategies.

A mutation picks a place in a valid object (any mapping key or list item, at any depth) and does one
thing a careless or hostile author would: writes a value of the wrong type, a huge, negative or zero
number, a unicode or very long string, a name Kubernetes would refuse, a Spark or Kubernetes amount out of
range; deletes a field; adds an unknown one. Up to three mutations are applied to one object, so an error
in one field must not hide or garble the report of another.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from .seeds import Obj, valid_seeds

Path = tuple[str | int, ...]

FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""How every fuzz test runs: the same cases on every run (derandomized, no example database), no
deadline (the machine's load is not the code's)."""

HUGE_INTS = (10**9, 10**18, 2**31, 2**63, 2**64, 10**30, -(2**63) - 1)
EDGE_INTS = (-1, 0, 1, 2**31 - 1, 2**63 - 1, -(10**18))
AMOUNTS = (
    "0", "0m", "0g", "-1", "-1g", "-500m", "1e18", "1e100", "1e9999999", "99999999999999999999g",
    "8192p", "1.5g", "1Ei", "10000000000000Ti", ".5", "0x10", "1_000", "١٢٣", "512 m", "NaN", "Infinity",
)  # fmt: skip
NAMES = (
    "Bad_Name", "UPPER", "-lead", "trail-", "a..b", "../../etc", "name with spaces", "x" * 64,
    "x" * 254, "x" * 10_000, "ñame", "名前", "a/b", "a\x00b", "", ".", "1-starts-with-digit",
)  # fmt: skip
WRONG_TYPES: tuple[Any, ...] = (None, True, 3, -2.5, 1e308, [], {}, [1, "a"], {"k": "v"}, "text")


def paths(value: Any, here: Path = ()) -> Iterator[Path]:
    """Every place in a document: each mapping key and list index, depth first."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*here, key)
            yield from paths(child, (*here, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield (*here, i)
            yield from paths(child, (*here, i))


def _parent(doc: Obj, path: Path) -> Any:
    node: Any = doc
    for part in path[:-1]:
        node = node[part]
    return node


def _set(doc: Obj, path: Path, value: Any) -> None:
    _parent(doc, path)[path[-1]] = value


def _delete(doc: Obj, path: Path) -> None:
    parent = _parent(doc, path)
    del parent[path[-1]]


def _add_unknown(doc: Obj, path: Path, key: str, value: Any) -> None:
    target = _parent(doc, path)
    if isinstance(target, dict):
        target[key] = value


unicode_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=40
)
long_text = st.builds(
    lambda c, n: c * n, st.sampled_from("aZ-.é名"), st.sampled_from((64, 254, 5000, 20_000))
)
replacement = st.one_of(
    st.sampled_from(WRONG_TYPES),
    st.sampled_from(HUGE_INTS + EDGE_INTS),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(AMOUNTS),
    st.sampled_from(NAMES),
    unicode_text,
    long_text,
    st.lists(st.sampled_from(WRONG_TYPES), max_size=3),
    st.dictionaries(unicode_text, st.sampled_from(WRONG_TYPES), max_size=3),
)


@st.composite
def mutation(draw: st.DrawFn, doc: Obj) -> None:
    """Apply one mutation to `doc` in place."""
    places = list(paths(doc))
    if not places:
        return
    path = draw(st.sampled_from(places))
    action = draw(st.sampled_from(("replace", "replace", "replace", "delete", "unknown")))
    if action == "replace":
        _set(doc, path, copy.deepcopy(draw(replacement)))
    elif action == "delete" and len(path) > 0:
        _delete(doc, path)
    else:
        _add_unknown(doc, path, draw(st.sampled_from(("extra", "Memory", "instance", "namspace", "é"))), 1)


@dataclass(frozen=True)
class Mutated:
    """A mutated object and the kind of the valid object it was made from."""

    kind: str
    doc: Obj


@st.composite
def mutated(draw: st.DrawFn, kinds: tuple[str, ...] | None = None) -> Mutated:
    """A valid seed object (of one of `kinds`, or any), with one to three mutations applied."""
    pool = [s for s in valid_seeds() if kinds is None or s["kind"] in kinds]
    doc = copy.deepcopy(draw(st.sampled_from(pool)))
    kind = str(doc["kind"])
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        draw(mutation(doc))
    return Mutated(kind, doc)
