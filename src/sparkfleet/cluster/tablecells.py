"""The parts every printer column is made of: the column itself, kubectl's ages, and the cells of CRD
columns read through their JSONPath (as the API server's custom-resource table convertor reads them).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sparkfleet.api.timefmt import parse_rfc3339
from sparkfleet.cluster.jsonpath import JsonPath
from sparkfleet.cluster.port import Obj

__all__ = [
    "AGE",
    "NAME",
    "Cell",
    "Column",
    "ColumnType",
    "age",
    "condition_true",
    "created_age",
    "custom_column",
    "get",
    "human_duration",
    "items",
    "or_none",
    "string_column",
]

Cell = str | int | float | bool | None
"""A table cell as the API server sends it: a JSON scalar, or null for a CRD column with no value."""

NAME_DESCRIPTION = (
    "Name must be unique within a namespace. Is required when creating resources, although some resources "
    "may allow a client to request the generation of an appropriate name automatically. Name is primarily "
    "intended for creation idempotence and configuration definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
AGE_DESCRIPTION = (
    "CreationTimestamp is a timestamp representing the server time when this object was created. It is not "
    "guaranteed to be set in happens-before order across separate operations. Clients may not set this "
    "value. It is represented in RFC3339 form and is in UTC."
)


class ColumnType(StrEnum):
    """The OpenAPI type of a column's cells (`date` cells are sent as ages, as the API server does)."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Column:
    """One printer column: its `meta.k8s.io/v1` TableColumnDefinition and how its cell is read.

    `priority` 0 columns are always shown, 1 only with `-o wide`. `cell(obj, now)` gives the cell."""

    name: str
    type: ColumnType
    cell: Callable[[Obj, datetime], Cell]
    description: str = ""
    priority: int = 0
    format: str = ""

    def definition(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": str(self.type),
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


def get(obj: Any, *path: str) -> Any:
    """The value at a path of dict keys, or None where any part is missing."""
    for part in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def or_none(value: Any) -> str:
    return "<none>" if value in (None, "") else str(value)


def items(value: Any) -> list[Any]:
    """A list field, or [] when it is missing or not a list."""
    return value if isinstance(value, list) else []


def condition_true(conditions: Any, kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in items(conditions))


def string_column(
    name: str, cell: Callable[[Obj, datetime], Cell], description: str, priority: int = 0
) -> Column:
    return Column(name, ColumnType.STRING, cell, description, priority)


def human_duration(elapsed: timedelta) -> str:
    """apimachinery's HumanDuration, which every AGE cell uses: `45s`, `3m12s`, `5h10m`, `3d4h`, `2y30d`."""
    seconds = int(elapsed.total_seconds())
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = seconds // 3600
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        years, days = hours // 24 // 365, hours // 24 % 365
        return f"{years}y{days}d" if days else f"{years}y"
    return f"{hours // 24 // 365}y"


def age(timestamp: Any, now: datetime) -> str:
    """The time since an RFC 3339 timestamp, as kubectl shows it; `<unknown>` when there is none."""
    if not timestamp:
        return "<unknown>"
    try:
        moment = parse_rfc3339(str(timestamp))
    except ValueError:
        return "<invalid>"
    return human_duration(now - moment)


def created_age(obj: Obj, now: datetime) -> str:
    return age(get(obj, "metadata", "creationTimestamp"), now)


def _name(obj: Obj, _: datetime) -> str:
    return str(get(obj, "metadata", "name") or "")


NAME = Column("Name", ColumnType.STRING, _name, NAME_DESCRIPTION, format="name")
AGE = Column("Age", ColumnType.STRING, created_age, AGE_DESCRIPTION)


def _go_text(value: Any) -> str:
    """A JSON value as kubectl's JSONPath prints it: scalars as text, lists and objects as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _typed(kind: ColumnType, value: Any, now: datetime) -> Cell:
    """The custom-resource table convertor's cell: the value if it has the column's type, else null."""
    if kind is ColumnType.INTEGER and isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    if kind is ColumnType.NUMBER and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind is ColumnType.BOOLEAN and isinstance(value, bool):
        return value
    if kind is ColumnType.DATE and isinstance(value, str):
        return age(value, now) if value else "<unknown>"
    return None


def custom_column(
    name: str, kind: ColumnType, json_path: str, priority: int = 0, description: str = ""
) -> Column:
    """A CRD `additionalPrinterColumns` entry. A path with no match gives a null cell; a `string` column
    prints whatever it finds, other types keep only values of their type."""
    path = JsonPath.compile(json_path)

    def cell(obj: Obj, now: datetime) -> Cell:
        found = path.find(obj)
        if not found or found[0] is None:
            return None
        if kind is ColumnType.STRING:
            return _go_text(found[0])
        return _typed(kind, found[0], now)

    text = description or f"Custom resource definition column (in JSONPath format): {json_path}"
    return Column(name, kind, cell, text, priority)
