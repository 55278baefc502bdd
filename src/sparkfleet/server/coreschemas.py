"""Kubernetes' own object schemas, for the core kinds the API serves and the meta types every kind uses.

Source: the definitions of the pinned Kubernetes version (api.kubeschema.KUBERNETES_SCHEMA_VERSION) as
the `kubernetes-validate` package ships them, read once by `api.kubeschema`, which validates the core
types with the same file. That file is in JSON-schema form (`$defs`, nullable type lists); here it goes
back to OpenAPI form: refs under `#/definitions/` (v2) or `#/components/schemas/` (v3), one type per
schema, IntOrString and
Quantity as the published document writes them, descriptions and `x-kubernetes-*` extensions kept.
The file (1.5 MB) is read on first use and cached, never at import.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from functools import cache
from typing import Any

from sparkfleet.api.kubeschema import KUBERNETES_SCHEMA_VERSION, schema_definitions

__all__ = [
    "KUBERNETES_SCHEMA_VERSION",
    "LIST_META",
    "OBJECT_META",
    "RefForm",
    "Schema",
    "closure",
    "core_definitions",
    "definition_for",
    "ref_schema",
    "type_meta_properties",
]

Schema = dict[str, Any]

_SOURCE_REF = "#/$defs/"

OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
LIST_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"
_GVK = "x-kubernetes-group-version-kind"
# Scalars that JSON schema writes as a oneOf, and the OpenAPI document as one string type.
_SCALARS: dict[str, Schema] = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"type": "string", "format": "int-or-string"},
    "io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": "string"},
}


class RefForm(StrEnum):
    """Where a document keeps its schemas, as the prefix of every ref to one."""

    V2 = "#/definitions/"
    V3 = "#/components/schemas/"


def ref_schema(name: str, form: RefForm, description: str | None = None) -> Schema:
    """A property referring to schema `name`. OpenAPI 3.0 ignores a ref's siblings, so v3 wraps it in
    allOf when it carries a description, as the API server's own documents do."""
    ref = {"$ref": f"{form.value}{name}"}
    if description is None:
        return ref
    if form is RefForm.V3:
        return {"allOf": [ref], "description": description}
    return {**ref, "description": description}


def _source() -> dict[str, Schema]:
    return schema_definitions()


def _single_type(types: Any) -> Any:
    if not isinstance(types, list):
        return types
    kept = [t for t in types if t != "null"]
    return kept[0] if len(kept) == 1 else kept


def _convert(node: Any, form: RefForm) -> Any:
    """One schema node in OpenAPI form; `properties` maps names to schemas, so it is walked apart."""
    if not isinstance(node, dict):
        return node
    out: Schema = {}
    for key, value in node.items():
        if key == "$ref":
            out[key] = form.value + str(value).removeprefix(_SOURCE_REF)
        elif key == "type":
            out[key] = _single_type(value)
        elif key == "properties":
            out[key] = {name: _convert(prop, form) for name, prop in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = _convert(value, form)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [_convert(branch, form) for branch in value]
        else:
            out[key] = value
    if "$ref" in out and len(out) > 1 and form is RefForm.V3:
        out = {"allOf": [{"$ref": out.pop("$ref")}], **out}
    return out


def _without_type_enums(schema: Schema) -> Schema:
    """The JSON-schema file pins apiVersion and kind with an enum; the API server's documents do not."""
    properties = schema.get("properties") or {}
    for name in ("apiVersion", "kind"):
        if name in properties:
            properties[name] = {k: v for k, v in properties[name].items() if k != "enum"}
    return schema


@cache
def core_definitions(form: RefForm) -> dict[str, Schema]:
    """Every definition of the pinned Kubernetes version, in OpenAPI form (cached: callers must not
    change them)."""
    converted: dict[str, Schema] = {}
    for name, schema in _source().items():
        if name in _SCALARS:
            converted[name] = dict(_SCALARS[name])
            continue
        converted[name] = _convert(schema, form)
        if _GVK in schema:
            converted[name] = _without_type_enums(converted[name])
    return converted


@cache
def _by_gvk() -> dict[tuple[str, str, str], str]:
    found: dict[tuple[str, str, str], str] = {}
    for name, schema in _source().items():
        for gvk in schema.get(_GVK) or []:
            found[(gvk["group"], gvk["version"], gvk["kind"])] = name
    return found


def definition_for(group: str, version: str, kind: str) -> str | None:
    """The name of Kubernetes' definition of a kind (None: Kubernetes has no such kind)."""
    return _by_gvk().get((group, version, kind))


def _refs(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value.rpartition("/")[2]
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def closure(roots: Iterable[str], definitions: dict[str, Schema]) -> dict[str, Schema]:
    """The named schemas and every schema they refer to, transitively (refs to unknown names are
    left out: they name schemas of the document being built)."""
    found: dict[str, Schema] = {}
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in found or name not in definitions:
            continue
        found[name] = definitions[name]
        pending.extend(_refs(found[name]))
    return found


def type_meta_properties() -> Schema:
    """`apiVersion` and `kind` as every Kubernetes object schema describes them."""
    pod = core_definitions(RefForm.V2)["io.k8s.api.core.v1.Pod"]["properties"]
    return {"apiVersion": dict(pod["apiVersion"]), "kind": dict(pod["kind"])}
