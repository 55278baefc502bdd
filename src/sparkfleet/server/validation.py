"""Admission: objects arriving over HTTP are checked against the resource models before they are stored.

Every problem is reported at once, as a 422 Status naming each field path (the API server's `Invalid`).
Unknown fields follow the request's `fieldValidation`, as on Kubernetes: `Strict` refuses them (400, or
with the other problems in the 422), `Warn` (the default) and `Ignore` drop them before storing, `Warn`
also answering a `Warning` header for each.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from sparkfleet.api.base import FieldIssue
from sparkfleet.api.kubeschema import is_unknown_field
from sparkfleet.api.manifests import check_document
from sparkfleet.cluster import BadRequest, KindInfo
from sparkfleet.server.errors import Cause, CauseType, FieldInvalid

__all__ = ["Admitted", "FieldValidation", "admit", "field_validation"]

Obj = dict[str, Any]

_UNKNOWN = "unknown field"
_REQUIRED = "required field is missing"


class FieldValidation(StrEnum):
    IGNORE = "Ignore"
    WARN = "Warn"
    STRICT = "Strict"


def field_validation(value: str | None) -> FieldValidation:
    if not value:
        return FieldValidation.WARN
    try:
        return FieldValidation(value)
    except ValueError:
        raise BadRequest(
            f'fieldValidation "{value}" is not one of {", ".join(v.value for v in FieldValidation)}'
        ) from None


@dataclass
class Admitted:
    obj: Obj
    warnings: list[str] = field(default_factory=list)


def _issues(doc: Obj) -> list[FieldIssue]:
    return [issue for checked in check_document(doc) for issue in checked.issues]


def _unknown_field_locations(model: type[Any], doc: Obj) -> list[tuple[int | str, ...]]:
    try:
        model.model_validate(doc)
    except ValidationError as exc:
        return [tuple(err["loc"]) for err in exc.errors(include_url=False) if is_unknown_field(err)]
    return []


def _drop(doc: Any, loc: tuple[int | str, ...]) -> None:
    """Remove the field at a pydantic location; parts naming union members are not in the data."""
    node = doc
    for part in loc[:-1]:
        present = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        )
        if present:
            node = node[part]
    if isinstance(node, dict):
        node.pop(loc[-1], None)


def _concerns(issue: FieldIssue, status_only: bool) -> bool:
    return not status_only or issue.path == "status" or issue.path.startswith(("status.", "status["))


def _cause(issue: FieldIssue) -> Cause:
    reason = CauseType.REQUIRED if issue.message == _REQUIRED else CauseType.INVALID
    return Cause(issue.path, issue.message, reason)


def admit(info: KindInfo, obj: Obj, mode: FieldValidation, *, status_only: bool = False) -> Admitted:
    """Check `obj` (a whole object of kind `info`); the object to store, or FieldInvalid / BadRequest.

    `status_only`: a write to the status subresource, where only problems under `status` count."""
    name = str(
        (obj.get("metadata") or {}).get("name") or (obj.get("metadata") or {}).get("generateName") or ""
    )
    issues = [i for i in _issues(obj) if _concerns(i, status_only)]
    unknown = [i for i in issues if i.message.startswith(_UNKNOWN)]
    other = [i for i in issues if not i.message.startswith(_UNKNOWN)]
    warnings: list[str] = []
    if unknown and mode is FieldValidation.STRICT:
        if not other:
            listed = ", ".join(f'{_UNKNOWN} "{i.path}"{i.message[len(_UNKNOWN) :]}' for i in unknown)
            raise BadRequest(f"strict decoding error: {listed}", kind=info.kind, name=name)
        raise FieldInvalid(info.kind, info.group, name, [_cause(i) for i in issues])
    if unknown:
        obj = copy.deepcopy(obj)
        for loc in _unknown_field_locations(info.model_type, obj):
            if not status_only or (loc and loc[0] == "status"):
                _drop(obj, loc)
        if mode is FieldValidation.WARN:
            warnings = [f'{_UNKNOWN} "{i.path}"{i.message[len(_UNKNOWN) :]}' for i in unknown]
        other = [i for i in _issues(obj) if _concerns(i, status_only) and not i.message.startswith(_UNKNOWN)]
    if other:
        raise FieldInvalid(info.kind, info.group, name, [_cause(i) for i in other])
    return Admitted(obj, warnings)
