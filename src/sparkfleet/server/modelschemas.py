"""Schemas of the custom kinds, made from their pydantic models in the style of a CRD's structural schema.

A model's `model_json_schema(by_alias=True)` is rewritten the way a CustomResourceDefinition writes its
schema: nested definitions inlined (a structural schema has no refs, so a recursive model is an error),
`X | None` as X, a quantity (string or number) as `x-kubernetes-int-or-string`, `Any` and free-form maps
as `x-kubernetes-preserve-unknown-fields`, `const` as a one-value enum, exclusive bounds in OpenAPI's
boolean form. Titles go, and so does the `additionalProperties: false` of strict models: unknown fields
are the server's to refuse (`fieldValidation`). `metadata` refers to Kubernetes' ObjectMeta and the root
carries `x-kubernetes-group-version-kind`, as the API server publishes a CRD's schema.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sparkfleet.cluster import KindInfo
from sparkfleet.server.coreschemas import (
    LIST_META,
    OBJECT_META,
    RefForm,
    Schema,
    ref_schema,
    type_meta_properties,
)

__all__ = ["custom_list_schema", "custom_schema", "inline_schema", "schema_name"]

_NULL = {"type": "null"}
_NUMERIC = frozenset({"string", "integer", "number"})
_DROPPED = frozenset({"title", "examples", "$defs"})
_PRESERVE = "x-kubernetes-preserve-unknown-fields"
_INT_OR_STRING = "x-kubernetes-int-or-string"
_OBJECT_META_DESCRIPTION = (
    "Standard object's metadata. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)


def schema_name(info: KindInfo, kind: str | None = None) -> str:
    """The name the API server gives a custom kind's schema: its group reversed, version, kind
    (`io.k8s.sparkoperator.v1beta2.SparkApplication`)."""
    group = ".".join(reversed(info.group.split(".")))
    return f"{group}.{info.version}.{kind or info.kind}"


class _Inliner:
    def __init__(self, defs: dict[str, Schema], form: RefForm) -> None:
        self._defs = defs
        self._form = form

    def schema(self, node: Any, seen: tuple[str, ...] = ()) -> Schema:
        if not isinstance(node, dict):
            return {_PRESERVE: True}
        node = dict(node)
        ref = node.pop("$ref", None)
        if isinstance(ref, str):
            name = ref.rpartition("/")[2]
            if name == "ObjectMeta":
                return ref_schema(
                    OBJECT_META, self._form, node.get("description") or _OBJECT_META_DESCRIPTION
                )
            if name in seen:
                raise ValueError(f"model {name} refers to itself: a structural schema cannot describe it")
            # The field's own keys (its description) win over the referred model's.
            return {**self.schema(self._defs[name], (*seen, name)), **self._keys(node, seen)}
        union = node.pop("anyOf", None)
        if isinstance(union, list):
            return {**self._union(union, seen), **self._keys(node, seen)}
        out = self._keys(node, seen)
        if not ({"type", "enum", _PRESERVE} & out.keys()):
            out[_PRESERVE] = True  # `Any`: whatever the client sends is kept
        if out.get("type") == "object" and "properties" not in out and "additionalProperties" not in out:
            out[_PRESERVE] = True
        return out

    def _keys(self, node: Schema, seen: tuple[str, ...]) -> Schema:
        out: Schema = {}
        for key, value in node.items():
            if key in _DROPPED or (key == "default" and value is None):
                continue
            if key == "properties":
                out[key] = {name: self.schema(prop, seen) for name, prop in value.items()}
            elif key == "items":
                out[key] = self.schema(value, seen)
            elif key == "additionalProperties":
                if value is True:
                    out[_PRESERVE] = True
                elif isinstance(value, dict):
                    out[key] = self.schema(value, seen)
            elif key == "const":
                out["enum"] = [value]
            elif key in ("exclusiveMinimum", "exclusiveMaximum") and not isinstance(value, bool):
                out["minimum" if key == "exclusiveMinimum" else "maximum"] = value
                out[key] = True
            else:
                out[key] = value
        return out

    def _union(self, branches: list[Any], seen: tuple[str, ...]) -> Schema:
        kept = [b for b in branches if b != _NULL]
        if len(kept) == 1:
            return self.schema(kept[0], seen)
        types = {b.get("type") for b in kept if isinstance(b, dict)}
        if len(types) == len(kept) and types <= _NUMERIC and "string" in types:
            # A quantity or port: written as a number or a string.
            if self._form is RefForm.V3:
                return {_INT_OR_STRING: True, "anyOf": [{"type": "integer"}, {"type": "string"}]}
            return {_INT_OR_STRING: True}
        return {_PRESERVE: True}


def inline_schema(generated: Schema, form: RefForm) -> Schema:
    """A model's `model_json_schema(by_alias=True)` with its definitions inlined, as described above (the
    root as it is: no TypeMeta, no group-version-kind)."""
    return _Inliner(generated.get("$defs") or {}, form).schema(generated)


@cache
def custom_schema(info: KindInfo, form: RefForm) -> Schema:
    """The schema of a custom kind (cached: callers must not change it)."""
    schema = inline_schema(info.model_type.model_json_schema(by_alias=True), form)
    schema["properties"] = {
        **type_meta_properties(),
        **{k: v for k, v in schema.get("properties", {}).items() if k not in ("apiVersion", "kind")},
    }
    schema["required"] = [r for r in schema.get("required", []) if r not in ("apiVersion", "kind")]
    if not schema["required"]:
        del schema["required"]
    schema.pop(_PRESERVE, None)
    schema["x-kubernetes-group-version-kind"] = [
        {"group": info.group, "kind": info.kind, "version": info.version}
    ]
    return schema


def custom_list_schema(info: KindInfo, form: RefForm) -> Schema:
    """The schema of a list of a custom kind (`SparkApplicationList`)."""
    return {
        "description": f"{info.kind}List is a list of {info.kind}",
        "type": "object",
        "required": ["items"],
        "properties": {
            **type_meta_properties(),
            "items": {
                "description": f"List of {info.plural}.",
                "type": "array",
                "items": ref_schema(schema_name(info), form),
            },
            "metadata": ref_schema(LIST_META, form, "Standard list metadata."),
        },
        "x-kubernetes-group-version-kind": [
            {"group": info.group, "kind": f"{info.kind}List", "version": info.version}
        ],
    }
