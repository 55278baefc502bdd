"""The strict model base and the error type every manifest problem is reported with.

Field names are the Kubernetes camelCase names, used directly as attributes, so a manifest and the model
read the same. Unknown fields are errors (a typo in a manifest must not be silently dropped), and the
message carries a "did you mean" hint computed from the fields the model really has.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError


class Model(BaseModel):
    """Base for every resource model: unknown fields forbidden, validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_enum_values=False)

    def to_dict(self) -> dict[str, Any]:
        """The manifest form: camelCase keys, unset and None fields left out, enums as their values."""
        return self.model_dump(mode="json", exclude_none=True, exclude_unset=False, by_alias=True)


@dataclass(frozen=True)
class FieldIssue:
    """One problem with one field of one object: what `validate` prints as a line."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def loc_to_path(loc: tuple[int | str, ...]) -> str:
    """`("spec", "volumes", 0, "name")` -> `spec.volumes[0].name`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif out:
            out += f".{part}"
        else:
            out = str(part)
    return out


def _unwrap(tp: Any) -> list[Any]:
    """The concrete types a field annotation may hold (Optional/Union/Annotated flattened)."""
    origin = get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(get_args(tp)[0])
    if origin is Union or origin is types.UnionType:
        found: list[Any] = []
        for arg in get_args(tp):
            if arg is not type(None):
                found.extend(_unwrap(arg))
        return found
    return [tp]


def _step(tp: Any, part: int | str) -> list[Any]:
    """The types found one step down the location path from `tp`."""
    found: list[Any] = []
    for t in _unwrap(tp):
        origin = get_origin(t)
        if isinstance(t, type) and issubclass(t, BaseModel):
            field = t.model_fields.get(str(part))
            if field is not None:
                found.append(field.annotation)
        elif origin in (list, tuple, set, frozenset) and isinstance(part, int):
            args = get_args(t)
            if args:
                found.append(args[0])
        elif origin is dict:
            args = get_args(t)
            if len(args) == 2:
                found.append(args[1])
    return found


def known_fields(root: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names of the model found at `loc` below `root` (empty when it cannot be resolved)."""
    current: list[Any] = [root]
    for part in loc:
        nxt: list[Any] = []
        for tp in current:
            nxt.extend(_step(tp, part))
        # pydantic puts a union member's tag in the location; skip parts that are not fields.
        current = nxt or current
    names: list[str] = []
    for tp in current:
        for t in _unwrap(tp):
            if isinstance(t, type) and issubclass(t, BaseModel):
                names.extend(t.model_fields)
    return names


def did_you_mean(word: str, candidates: list[str]) -> str:
    """` (did you mean "x"?)` for the closest candidate, or "" when none is close."""
    lowered = {c.lower(): c for c in candidates}
    if word.lower() in lowered:
        return f' (did you mean "{lowered[word.lower()]}"?)'
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def issues_from(error: ValidationError, root: type[BaseModel], prefix: str = "") -> list[FieldIssue]:
    """Turn pydantic's errors into one FieldIssue per problem, with paths and hints a user can act on."""
    issues: list[FieldIssue] = []
    for err in error.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not _is_union_tag(p))
        path = loc_to_path(loc)
        if prefix:
            path = f"{prefix}.{path}" if path and not path.startswith("[") else f"{prefix}{path}"
        kind = err["type"]
        if kind == "extra_forbidden":
            field = str(loc[-1]) if loc else "?"
            hint = did_you_mean(field, known_fields(root, loc[:-1]))
            message = f"unknown field{hint}" if hint else "unknown field; remove it"
        elif kind == "missing":
            message = "required field is missing"
        else:
            message = str(err["msg"])
            if message.startswith("Value error, "):
                message = message[len("Value error, ") :]
        issues.append(FieldIssue(path, message))
    return issues


def _is_union_tag(part: int | str) -> bool:
    # pydantic inserts tags like "function-after[...]" or "str" / "int" for union members.
    return isinstance(part, str) and (
        "[" in part or part in {"str", "int", "float", "bool", "list", "dict", "list[...]", "dict[...]"}
    )


class ManifestError(ValueError):
    """A manifest that failed validation; carries every problem found, not just the first."""

    def __init__(self, issues: list[FieldIssue]) -> None:
        self.issues = issues
        super().__init__("; ".join(str(i) for i in issues))


def quote_hint(value: object) -> str:
    """The message for a number or boolean where Kubernetes wants a string."""
    shown = str(value).lower() if isinstance(value, bool) else str(value)
    return (
        f'must be a string, got {type(value).__name__} {shown}; quote it in the YAML ("{shown}"), '
        "as Kubernetes does not turn numbers or booleans into strings"
    )


def manifest_path(root: type[BaseModel], loc: tuple[int | str, ...]) -> str:
    """A pydantic location as a manifest path, map keys quoted: `spec.sparkConf["spark.master"]`.

    Parts that resolve to no field, map key or list index are pydantic's union tags and are skipped.
    """
    current: list[Any] = [root]
    out = ""
    for part in loc:
        if not current:  # below a field kept as written (no model): the location is the manifest's path
            out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
            continue
        flat = [t for tp in current for t in _unwrap(tp)]
        models = [t for t in flat if isinstance(t, type) and issubclass(t, BaseModel)]
        field = next(
            (m.model_fields[part] for m in models if isinstance(part, str) and part in m.model_fields), None
        )
        maps = [t for t in flat if get_origin(t) is dict]
        lists = [t for t in flat if get_origin(t) is list]
        if field is not None:
            out = f"{out}.{part}" if out else str(part)
            current = [field.annotation]
        elif maps and isinstance(part, str):
            out += f'["{part}"]'
            current = [get_args(t)[1] for t in maps]
        elif lists and isinstance(part, int):
            out += f"[{part}]"
            current = [get_args(t)[0] for t in lists]
        elif models and isinstance(part, str) and not _is_union_tag(part):
            # A field the model does not have (an unknown-field error): name it, nothing below it resolves.
            out = f"{out}.{part}" if out else part
            current = []
    return out


_EXPECTED = re.compile(r"'([^']*)'")
BRIEF_MAX = 100


def brief(value: object) -> str:
    """`repr(value)`, a string cut after BRIEF_MAX characters (with its length said) so a message stays
    readable."""
    if isinstance(value, str) and len(value) > BRIEF_MAX:
        return f"{value[:BRIEF_MAX]!r}... ({len(value)} characters)"
    return repr(value)


def hinted_issues(error: ValidationError, root: type[BaseModel]) -> list[FieldIssue]:
    """issues_from, with paths that quote map keys and hints a user can act on.

    A number or boolean where a string must be gets a quote-it hint (ObjectMeta's labels included); a
    wrong enum value gets a did-you-mean against the allowed values ("python" -> "Python").
    """
    issues = issues_from(error, root)
    out: list[FieldIssue] = []
    for issue, err in zip(issues, error.errors(include_url=False), strict=True):
        path = manifest_path(root, tuple(err["loc"]))
        message = issue.message
        value = err.get("input")
        if err["type"] == "string_type" and isinstance(value, bool | int | float):
            message = quote_hint(value)
        elif err["type"] in ("enum", "literal_error") and isinstance(value, str):
            allowed = _EXPECTED.findall(str((err.get("ctx") or {}).get("expected", "")))
            hint = did_you_mean(value, allowed)
            message = f"{brief(value)} is not allowed: {message[0].lower()}{message[1:]}{hint}"
        out.append(FieldIssue(path, message))
    return out
