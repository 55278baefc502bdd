"""Cases generated from a CRD's OpenAPI schema: one document per field path (and per enum value), each
the smallest change to a valid base document that sets that field."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Loc = tuple[int | str, ...]


@dataclass(frozen=True)
class FieldCase:
    loc: Loc
    value: Any
    enum: bool
    """Whether the value is one of the schema's enum values (then it must be accepted as such)."""


def crd_schema(path: Path) -> tuple[str, str, dict[str, Any]]:
    """The kind, apiVersion and openAPIV3Schema of a CRD file's storage version."""
    crd = yaml.safe_load(path.read_text())
    version = next(v for v in crd["spec"]["versions"] if v.get("storage"))
    api_version = f"{crd['spec']['group']}/{version['name']}"
    return crd["spec"]["names"]["kind"], api_version, version["schema"]["openAPIV3Schema"]


def _sample(schema: dict[str, Any]) -> Any:
    if schema.get("x-kubernetes-int-or-string"):
        return 1
    kind = schema.get("type")
    if kind == "object":
        return {}
    if kind == "array":
        return []
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return max(1, int(schema.get("minimum", 1)))
    return "1h" if schema.get("format") == "duration" else "a"


def _paths(schema: dict[str, Any], prefix: Loc) -> Iterator[tuple[Loc, dict[str, Any]]]:
    for name, sub in (schema.get("properties") or {}).items():
        loc = (*prefix, name)
        yield loc, sub
        if sub.get("type") == "object":
            yield from _paths(sub, loc)
        elif sub.get("type") == "array" and isinstance(sub.get("items"), dict):
            yield (*loc, 0), sub["items"]
            if sub["items"].get("type") == "object":
                yield from _paths(sub["items"], (*loc, 0))


def field_cases(
    schema: dict[str, Any], skip: tuple[str, ...] = ("apiVersion", "kind", "metadata")
) -> Iterator[FieldCase]:
    """Every field path below the schema's root, set to each enum value or to a value of its type."""
    for loc, sub in _paths(schema, ()):
        if loc[0] in skip:
            continue
        values = sub.get("enum")
        for value in values or [_sample(sub)]:
            yield FieldCase(loc, value, bool(values))


def with_field(base: dict[str, Any], loc: Loc, value: Any) -> dict[str, Any]:
    """A copy of `base` with the field at `loc` set (missing parents made; list index 0 appended)."""
    doc = copy.deepcopy(base)
    node: Any = doc
    for part, nxt in itertools.pairwise(loc):
        empty: Any = [] if isinstance(nxt, int) else {}
        if isinstance(part, int):
            if not node:
                node.append(empty)
            if not isinstance(node[part], dict | list):
                node[part] = empty
        elif not isinstance(node.get(part), dict | list):
            node[part] = empty
        node = node[part]
    if isinstance(loc[-1], int):
        node[:] = [value]
    else:
        node[loc[-1]] = value
    return doc
