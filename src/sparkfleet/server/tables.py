"""`meta.k8s.io` Table responses: what kubectl asks for on get, list and watch, to print columns.

kubectl sends `Accept: application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;
g=meta.k8s.io,application/json`. The first media range this server can meet wins: a Table (v1 or v1beta1)
or plain JSON. Each row carries the object as `includeObject` asks: `Metadata` (the default, a
PartialObjectMetadata), `Object` (all of it) or `None`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sparkfleet.clock import Clock
from sparkfleet.cluster import BadRequest, KindInfo, Obj, cells, columns_for

__all__ = ["IncludeObject", "TableEvents", "TableRequest", "table_of", "table_request"]

_GROUP = "meta.k8s.io"
_VERSIONS = frozenset({"v1", "v1beta1"})
_JSON_RANGES = frozenset({"application/json", "application/*", "*/*"})


class IncludeObject(StrEnum):
    NONE = "None"
    METADATA = "Metadata"
    OBJECT = "Object"


def _media_ranges(accept: str) -> list[tuple[str, dict[str, str]]]:
    ranges = []
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        values = {}
        for param in params:
            key, _, value = param.partition("=")
            values[key.strip().lower()] = value.strip().strip('"')
        if media:
            ranges.append((media.lower(), values))
    return ranges


def _table_version(accept: str) -> str | None:
    """The Table version the first acceptable range asks for, or None for plain JSON."""
    for media, params in _media_ranges(accept):
        if media not in _JSON_RANGES:
            continue
        wanted = params.get("as")
        if wanted is None:
            return None
        if wanted == "Table" and params.get("g") == _GROUP and params.get("v") in _VERSIONS:
            return params["v"]
        # Another rendering (PartialObjectMetadataList, ...) or Table version: not served, try the next.
    return None


@dataclass(frozen=True, slots=True)
class TableRequest:
    """A request that wants a Table: its `meta.k8s.io/...` apiVersion and what each row carries."""

    api_version: str
    include: IncludeObject


def table_request(accept: str, query: Mapping[str, str]) -> TableRequest | None:
    """What the Accept header and `includeObject` ask for; None when plain JSON is wanted."""
    version = _table_version(accept)
    if version is None:
        return None
    text = query.get("includeObject") or IncludeObject.METADATA.value
    try:
        include = IncludeObject(text)
    except ValueError:
        allowed = ", ".join(f'"{v.value}"' for v in IncludeObject)
        raise BadRequest(f'includeObject "{text}" is not valid: use one of {allowed}') from None
    return TableRequest(f"{_GROUP}/{version}", include)


def _row_object(request: TableRequest, obj: Obj) -> Obj | None:
    if request.include is IncludeObject.OBJECT:
        return obj
    if request.include is IncludeObject.NONE:
        return None
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": request.api_version,
        "metadata": obj.get("metadata") or {},
    }


def table_of(
    request: TableRequest,
    info: KindInfo,
    objs: list[Obj],
    resource_version: str,
    now: datetime,
    *,
    headers: bool = True,
) -> dict[str, Any]:
    """The Table of `objs`, with every column (clients hide priority-1 ones unless asked for wide).

    Without `headers` the column definitions are null, as in a watch's events after the first."""
    columns = columns_for(info.kind)
    return {
        "kind": "Table",
        "apiVersion": request.api_version,
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [c.definition() for c in columns] if headers else None,
        "rows": [{"cells": cells(columns, obj, now), "object": _row_object(request, obj)} for obj in objs],
    }


class TableEvents:
    """Turns each watched object into a one-row Table; the column definitions go with the first event
    only, as kube-apiserver's watch encoder sends them."""

    def __init__(self, request: TableRequest, info: KindInfo, clock: Clock) -> None:
        self._request = request
        self._info = info
        self._clock = clock
        self._headers = True

    def __call__(self, obj: Obj) -> Obj:
        rv = str((obj.get("metadata") or {}).get("resourceVersion") or "")
        table = table_of(self._request, self._info, [obj], rv, self._clock.now(), headers=self._headers)
        self._headers = False
        return table
