"""Kubernetes' published object schemas, and the core types our kinds embed, checked against them.

Source: the definitions of Kubernetes v1.35.0 as the `kubernetes-validate` package ships them
(`kubernetes-json-schema/v1.35.0-local/_definitions.json`, generated from the Kubernetes OpenAPI document).
v1.35 because the Spark Operator's CRD embeds the core types of k8s.io/api v0.35 (volumes, containers,
security contexts). The file is package data of that package, located without importing it, read on first
use and cached, never at import.

A `CoreModel` is a core type (Volume, Container, PodSpec, ...): the fields sparkfleet acts on are typed
attributes, every other field the published schema has is accepted and kept as written (and passed on to
the pod), and a field the schema does not have is an error with its path and a "did you mean" hint, as
with `kubectl --validate=strict`. Inside a schemaless field (a SparkApplication's pod templates) the schema
is not enforced (`schemaless()`); `schema_warnings` then says what the API server would reject.
"""

from __future__ import annotations

import contextvars
import importlib.util
import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ModelWrapValidatorHandler, ValidationError, model_validator
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from sparkfleet.api.base import FieldIssue, Model, did_you_mean, loc_to_path, quote_hint
from sparkfleet.api.quantity import is_quantity

__all__ = [
    "CORE",
    "KUBERNETES_SCHEMA_VERSION",
    "SCHEMALESS",
    "CoreModel",
    "Schema",
    "check_schema",
    "definition_properties",
    "is_kubernetes_kind",
    "is_unknown_field",
    "pruned",
    "schema_definitions",
    "schema_warnings",
    "schemaless",
]

Schema = dict[str, Any]
Loc = tuple[int | str, ...]

KUBERNETES_SCHEMA_VERSION = "v1.35.0"
CORE = "io.k8s.api.core.v1."
"""The prefix of the core/v1 definitions' names."""
_PACKAGE = "kubernetes_validate"
_FILE = ("kubernetes-json-schema", f"{KUBERNETES_SCHEMA_VERSION}-local", "_definitions.json")
_REF = "#/$defs/"
_QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
_ERROR = "kubernetes_schema"

# A field put one level off: a container setting in the pod's securityContext, and so on.
_BELONGS: dict[str, tuple[str, str]] = {
    f"{CORE}PodSecurityContext": (f"{CORE}SecurityContext", "a container's securityContext"),
    f"{CORE}SecurityContext": (f"{CORE}PodSecurityContext", "the pod's securityContext"),
    f"{CORE}PodSpec": (f"{CORE}Container", "a container"),
    f"{CORE}Container": (f"{CORE}PodSpec", "the pod spec"),
}


def _definitions_file() -> Path:
    spec = importlib.util.find_spec(_PACKAGE)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {_PACKAGE} package is not installed: it provides the Kubernetes schemas")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*_FILE)
    if not path.is_file():
        raise RuntimeError(f"{path} is missing: install {_PACKAGE} 1.35 or later")
    return path


@cache
def schema_definitions() -> dict[str, Schema]:
    """Every definition of the pinned Kubernetes version, in the file's JSON-schema form (callers must not
    change them)."""
    defs: dict[str, Schema] = json.loads(_definitions_file().read_text(encoding="utf-8"))["$defs"]
    return defs


def definition_properties(name: str) -> dict[str, Schema]:
    """The fields of one definition (empty for a scalar or an unknown name)."""
    return dict(schema_definitions().get(name, {}).get("properties") or {})


def _resolve(node: Schema, name: str | None) -> tuple[Schema, str | None]:
    while "$ref" in node:
        name = str(node["$ref"]).removeprefix(_REF)
        node = schema_definitions().get(name, {})
    return node, name


def _types(node: Schema) -> list[str]:
    found = node.get("type")
    if found is None:
        return []
    return [t for t in (found if isinstance(found, list) else [found]) if t != "null"]


def _is(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    return True


_NOUNS = {"object": "a mapping", "array": "a list", "integer": "an integer", "boolean": "true or false"}


def _type_message(kinds: list[str], value: Any) -> str:
    if kinds == ["string"] and isinstance(value, bool | int | float):
        return quote_hint(value)
    wanted = " or ".join(_NOUNS.get(k, f"a {k}") for k in kinds)
    shown = "a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) else repr(value)
    return f"must be {wanted}, got {shown}"


def _unknown(key: str, props: dict[str, Schema], definition: str | None) -> str:
    lowered = {p.lower(): p for p in props}
    if key.lower() in lowered:
        return f'unknown field (did you mean "{lowered[key.lower()]}"?)'
    other = _BELONGS.get(definition or "")
    if other is not None and key in definition_properties(other[0]):
        return f"unknown field; {key} belongs in {other[1]}"
    hint = did_you_mean(key, list(props))
    return f"unknown field{hint}" if hint else "unknown field; remove it"


def _walk(node: Schema, value: Any, loc: Loc, out: list[tuple[Loc, str]], name: str | None) -> None:
    node, name = _resolve(node, name)
    if value is None:
        return  # Kubernetes reads a null as the field left out
    if "oneOf" in node:  # IntOrString and Quantity
        kinds = [k for branch in node["oneOf"] for k in _types(branch)]
        if not any(_is(k, value) for k in kinds):
            out.append((loc, _type_message(kinds, value)))
        elif name == _QUANTITY and not is_quantity(value):
            out.append((loc, f'{value!r} is not a quantity (such as "500m", "2", "4Gi")'))
        return
    kinds = _types(node)
    if kinds and not any(_is(k, value) for k in kinds):
        out.append((loc, _type_message(kinds, value)))
        return
    allowed = node.get("enum")
    if allowed and value not in allowed:
        choices = [str(a) for a in allowed]
        hint = did_you_mean(str(value), choices)
        out.append((loc, f"{value!r} is not allowed: use one of {', '.join(choices)}{hint}"))
        return
    if isinstance(value, dict):
        _walk_object(node, value, loc, out, name, frozenset())
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for i, item in enumerate(value):
            _walk(node["items"], item, (*loc, i), out, None)


def _walk_object(
    node: Schema,
    value: dict[str, Any],
    loc: Loc,
    out: list[tuple[Loc, str]],
    name: str | None,
    skip: frozenset[str],
) -> None:
    props: dict[str, Schema] | None = node.get("properties")
    extra = node.get("additionalProperties")
    for field in node.get("required") or ():
        if field not in value and field not in skip:
            out.append(((*loc, field), "required field is missing"))
    for key, item in value.items():
        if props is not None and key in props:
            if key not in skip:
                _walk(props[key], item, (*loc, key), out, None)
        elif isinstance(extra, dict):
            _walk(extra, item, (*loc, key), out, None)
        elif props is not None:
            out.append(((*loc, str(key)), _unknown(str(key), props, name)))


def check_schema(definition: str, value: Any, skip: frozenset[str] = frozenset()) -> list[tuple[Loc, str]]:
    """Every problem of `value` against the named definition: (location below it, message). Fields named
    in `skip` are left to their own checks."""
    out: list[tuple[Loc, str]] = []
    node, name = _resolve({"$ref": _REF + definition}, None)
    if isinstance(value, dict):
        _walk_object(node, value, (), out, name, skip)
    else:
        _walk(node, value, (), out, name)
    return out


def pruned(definition: str, value: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """`value` without the fields the named definition does not have, as a Go client's decoding into the
    typed object drops them, and the dropped fields' paths."""
    out = json.loads(json.dumps(value))
    dropped: list[str] = []
    # Deepest first, so that removing one field never shifts the location of another.
    for loc, message in sorted(check_schema(definition, out), key=lambda item: len(item[0]), reverse=True):
        if not message.startswith("unknown field") or not loc:
            continue
        parent: Any = out
        for part in loc[:-1]:
            parent = parent[part]
        if isinstance(parent, dict) and parent.pop(loc[-1], None) is not None:
            dropped.append(loc_to_path(loc))
    return out, sorted(dropped)


def schema_warnings(definition: str, value: Any, path: str) -> list[FieldIssue]:
    """What the API server would refuse in a schemaless field, as warnings under `path`."""
    return [
        FieldIssue(f"{path}{'' if not loc or isinstance(loc[0], int) else '.'}{loc_to_path(loc)}", message)
        for loc, message in check_schema(definition, value)
    ]


SCHEMALESS: dict[str, Any] = {"x-sparkfleet-schemaless": True}
"""The `json_schema_extra` of a field validated under `schemaless()`: the CRD generated from the model
leaves that field untyped, every key kept, as the upstream CRD does."""

_lenient: contextvars.ContextVar[bool] = contextvars.ContextVar("schemaless", default=False)


@contextmanager
def schemaless() -> Iterator[None]:
    """Within: core types take any field (a schemaless field's contents are kept as written)."""
    token = _lenient.set(True)
    try:
        yield
    finally:
        _lenient.reset(token)


@cache
def _typed_fields(model: type[BaseModel]) -> frozenset[str]:
    # Typed fields are pydantic's to check; the schema checks the rest (each part is looked at once).
    return frozenset(model.model_fields)


class CoreModel(Model):
    """A Kubernetes core type: fields sparkfleet acts on are typed, the rest are checked against the
    published schema of `k8s_definition` (default: core/v1 and the class name) and kept as written."""

    model_config = ConfigDict(extra="allow", validate_assignment=True, use_enum_values=False)
    k8s_definition: ClassVar[str] = ""

    @classmethod
    def definition_name(cls) -> str:
        return cls.k8s_definition or f"{CORE}{cls.__name__}"

    @model_validator(mode="wrap")
    @classmethod
    def _published_schema(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        if not isinstance(data, dict) or _lenient.get():
            return handler(data)
        typed = _typed_fields(cls)
        problems = check_schema(cls.definition_name(), data, typed) if data.keys() - typed else []
        try:
            result = handler(data)
        except ValidationError as exc:
            if not problems:
                raise
            own = exc.errors(include_url=False)
            taken = {tuple(e["loc"]) for e in own}
            details = [_again(e) for e in own]
            details += [_detail(loc, message, data) for loc, message in problems if loc not in taken]
            raise ValidationError.from_exception_data(cls.__name__, details) from None
        if problems:
            raise ValidationError.from_exception_data(
                cls.__name__, [_detail(loc, m, data) for loc, m in problems]
            )
        return result


def is_unknown_field(error: ErrorDetails) -> bool:
    """Whether a validation error is a field the model or the published schema does not have."""
    if error["type"] == "extra_forbidden":
        return True
    return error["type"] == _ERROR and str(error["msg"]).startswith("unknown field")


def _detail(loc: Loc, message: str, data: Any) -> InitErrorDetails:
    return InitErrorDetails(
        type=PydanticCustomError(_ERROR, "{message}", {"message": message}), loc=loc, input=data
    )


def _again(error: ErrorDetails) -> InitErrorDetails:
    """One of pydantic's own errors, raised again beside the schema's (type, message and context kept)."""
    ctx = {**(error.get("ctx") or {}), "message": error["msg"]}
    return InitErrorDetails(
        type=PydanticCustomError(error["type"], "{message}", ctx),
        loc=tuple(error["loc"]),
        input=error["input"],
    )


@cache
def _kinds() -> frozenset[tuple[str, str, str]]:
    return frozenset(
        (gvk["group"], gvk["version"], gvk["kind"])
        for schema in schema_definitions().values()
        for gvk in schema.get("x-kubernetes-group-version-kind") or []
    )


def is_kubernetes_kind(api_version: str, kind: str) -> bool:
    """Whether Kubernetes itself serves `kind` at `api_version` (`v1 Secret`, `rbac.authorization.k8s.io/v1
    Role`)."""
    group, _, version = api_version.rpartition("/")
    return (group, version, kind) in _kinds()
