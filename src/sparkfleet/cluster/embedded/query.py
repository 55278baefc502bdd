"""SQL for list: selector terms SQLite can test are pushed down, so fewer bodies are decoded.

The pushed-down conditions only narrow the rows; the full selectors are still applied to every decoded
body, so they are the one definition of what matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from sparkfleet.cluster.embedded.codec import loads
from sparkfleet.cluster.selectors import FieldOperator, FieldSelector, LabelSelector, Operator

# Field path -> (column, whether the column is NULL when the field is missing).
_FIELD_COLUMNS = {
    "metadata.name": ("name", False),
    "metadata.namespace": ("namespace", False),
    "spec.nodeName": ("node_name", True),
    "involvedObject.name": ("involved_name", True),
    # Unindexed, but tested on the stored text: a list of live pods decodes none of the finished ones.
    "status.phase": ("json_extract(body, '$.status.phase')", True),
}
# Label keys that can be quoted inside a JSON path as they are.
_PATH_SAFE_KEY = re.compile(r"[A-Za-z0-9_./-]+")


def _field_conditions(fields: FieldSelector, where: list[str], params: list[object]) -> None:
    for req in fields.requirements:
        found = _FIELD_COLUMNS.get(req.path)
        if found is None:
            continue
        column, nullable = found
        if req.operator is FieldOperator.EQUALS:
            if req.value == "" and nullable:
                where.append(f"({column} IS NULL OR {column} = '')")
            else:
                where.append(f"{column} = ?")
                params.append(req.value)
        elif req.value == "":
            where.append(f"{column} != ''")
        elif nullable:
            where.append(f"({column} IS NULL OR {column} != ?)")
            params.append(req.value)
        else:
            where.append(f"{column} != ?")
            params.append(req.value)


def _label_conditions(labels: LabelSelector, where: list[str], params: list[object]) -> None:
    for req in labels.requirements:
        if not _PATH_SAFE_KEY.fullmatch(req.key):
            continue
        path = f'$.metadata.labels."{req.key}"'
        marks = ",".join("?" * len(req.values))
        match req.operator:
            case Operator.EQUALS | Operator.IN:
                where.append(f"json_extract(body, ?) IN ({marks})")
                params.extend((path, *req.values))
            case Operator.NOT_EQUALS | Operator.NOT_IN:
                where.append(f"(json_type(body, ?) IS NULL OR json_extract(body, ?) NOT IN ({marks}))")
                params.extend((path, path, *req.values))
            case Operator.EXISTS:
                where.append("json_type(body, ?) IS NOT NULL")
                params.append(path)
            case Operator.DOES_NOT_EXIST:
                where.append("json_type(body, ?) IS NULL")
                params.append(path)


def list_sql(
    kind: str | None,
    namespace: str | None,
    labels: LabelSelector | None,
    fields: FieldSelector | None,
    *,
    after: tuple[str, str] | None = None,
    count: bool = False,
) -> tuple[str, list[object]]:
    """SELECT body of the candidate rows, in (kind, namespace, name) order; only those after the
    (namespace, name) `after` when given; their number instead when `count`."""
    where: list[str] = []
    params: list[object] = []
    if after is not None:
        where.append("(namespace, name) > (?, ?)")
        params.extend(after)
    if kind is not None:
        where.append("kind = ?")
        params.append(kind)
    if namespace is not None:
        where.append("namespace = ?")
        params.append(namespace)
    if fields is not None:
        _field_conditions(fields, where, params)
    if labels is not None:
        _label_conditions(labels, where, params)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    if count:
        return f"SELECT COUNT(*) FROM objects{clause}", params
    return f"SELECT body FROM objects{clause} ORDER BY kind, namespace, name", params


def matching(
    rows: Iterable[tuple[str]], labels: LabelSelector | None, fields: FieldSelector | None
) -> Iterator[dict[str, Any]]:
    """The objects of candidate rows (from `list_sql`) that the full selectors match, decoded one at a
    time, so a reader that stops early decodes no more."""
    for (text,) in rows:
        obj: dict[str, Any] = loads(text)
        if labels is not None and not labels.matches(obj["metadata"].get("labels")):
            continue
        if fields is None or fields.matches(obj):
            yield obj
