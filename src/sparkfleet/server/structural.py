"""A custom kind's schema as a CustomResourceDefinition carries it: structural, with no refs, made from the
kind's pydantic model and, for the core types the model embeds, from Kubernetes' published schema.

The model's schema (`modelschemas.inline_schema`) describes the fields sparkfleet types; a `CoreModel`
(Container, Volume, Toleration, ...) checks every other field against its Kubernetes definition, so here
that definition is inlined beneath the typed fields (the model's wins where both speak), as the upstream
CRDs inline the core types of the same Kubernetes version. Unknown fields of a core type are then
refused (pruned) by a real API server as sparkfleet refuses them. A field marked `SCHEMALESS` (the
SparkApplication's pod templates) stays an object that keeps every key, as upstream.

The rules of a structural schema are kept: every node has a type unless it preserves unknown fields or is
int-or-string, `metadata` at the root is a bare object, an object without properties keeps its keys, only
keys an apiextensions.k8s.io/v1 JSONSchemaProps has are written.
"""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from sparkfleet.api.kubeschema import SCHEMALESS, CoreModel, schema_definitions
from sparkfleet.cluster import KindInfo
from sparkfleet.server.coreschemas import RefForm, Schema, type_meta_properties
from sparkfleet.server.modelschemas import inline_schema

__all__ = ["crd_schema"]

_CORE_KEY = "x-sparkfleet-k8s-definition"
_SCHEMALESS_KEY = next(iter(SCHEMALESS))
_PRESERVE = "x-kubernetes-preserve-unknown-fields"
_INT_OR_STRING = "x-kubernetes-int-or-string"
_SOURCE_REF = "#/$defs/"
_INT_OR_STRING_NAME = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
_QUANTITY_NAME = "io.k8s.apimachinery.pkg.api.resource.Quantity"
# Kubernetes' quantity grammar, as controller-gen writes it on every Quantity of the upstream CRDs.
_QUANTITY_PATTERN = (
    r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)"
    r"|(\.[0-9]+))))?$"
)
# A list-map key must be required or defaulted in a CRD. Kubernetes defaults these in Go (`+default`), which
# its published schema does not carry; the upstream CRDs write the same defaults.
_MAP_KEY_DEFAULTS: dict[tuple[str, str], Any] = {
    ("io.k8s.api.core.v1.ContainerPort", "protocol"): "TCP",
}
# The fields of apiextensions.k8s.io/v1 JSONSchemaProps that are written; every other key is left out
# (pydantic's titles, Kubernetes' patch strategies and unions, ...).
_KEPT = frozenset(
    {
        "description",
        "type",
        "format",
        "default",
        "enum",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "multipleOf",
        "maxProperties",
        "minProperties",
        "required",
        "items",
        "properties",
        "additionalProperties",
        "anyOf",
        "nullable",
        _PRESERVE,
        _INT_OR_STRING,
        "x-kubernetes-list-type",
        "x-kubernetes-list-map-keys",
        "x-kubernetes-map-type",
        "x-kubernetes-embedded-resource",
    }
)


class _MarkCoreTypes(GenerateJsonSchema):
    """pydantic's schema, with each core type's schema naming its Kubernetes definition."""

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        out = super().model_schema(schema)
        cls = schema["cls"]
        if isinstance(cls, type) and issubclass(cls, CoreModel):
            out[_CORE_KEY] = cls.definition_name()
        return out


def _int_or_string(quantity: bool) -> Schema:
    node: Schema = {"anyOf": [{"type": "integer"}, {"type": "string"}], _INT_OR_STRING: True}
    if quantity:
        node["pattern"] = _QUANTITY_PATTERN
    return node


def _one_type(types: Any) -> Any:
    if not isinstance(types, list):
        return types
    kept = [t for t in types if t != "null"]
    return kept[0] if len(kept) == 1 else kept


def _finish(node: Schema) -> Schema:
    """The rules every node keeps: objects typed, bare objects keep their keys."""
    if "properties" in node and "type" not in node and _PRESERVE not in node:
        node["type"] = "object"
    if node.get("type") == "object" and "properties" not in node and "additionalProperties" not in node:
        node[_PRESERVE] = True
    return node


def _kubernetes(name: str, seen: tuple[str, ...] = ()) -> Schema:
    """A Kubernetes definition, every ref inlined, in CRD form."""
    if name in (_INT_OR_STRING_NAME, _QUANTITY_NAME):
        return _int_or_string(name == _QUANTITY_NAME)
    if name in seen:
        raise ValueError(f"Kubernetes' {name} refers to itself: a structural schema cannot describe it")
    return _kubernetes_node(schema_definitions()[name], (*seen, name))


def _kubernetes_node(node: Schema, seen: tuple[str, ...]) -> Schema:
    ref = node.get("$ref")
    if isinstance(ref, str):
        inlined = _kubernetes(ref.removeprefix(_SOURCE_REF), seen)
        if "description" in node:
            inlined["description"] = node["description"]
        return inlined
    out: Schema = {}
    for key, value in node.items():
        if key == "type":
            out[key] = _one_type(value)
        elif key == "properties":
            out[key] = {prop: _kubernetes_node(sub, seen) for prop, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = _kubernetes_node(value, seen)
        elif key in _KEPT:
            out[key] = value
    item = out.get("items") or {}
    item_name = str((node.get("items") or {}).get("$ref", "")).removeprefix(_SOURCE_REF)
    for key in out.get("x-kubernetes-list-map-keys") or ():
        if key not in (item.get("required") or ()) and "default" not in item["properties"][key]:
            item["properties"][key]["default"] = _MAP_KEY_DEFAULTS[(item_name, key)]
    return _finish(out)


def _merge(base: Schema, over: Schema) -> Schema:
    """`over` on top of `base`: its keys win; properties, items and map values are merged key by key."""
    out = {**base, **over}
    if "properties" in base and "properties" in over:
        out["properties"] = {
            name: _merge(base["properties"][name], sub) if name in base["properties"] else sub
            for name, sub in {**base["properties"], **over["properties"]}.items()
        }
    for key in ("items", "additionalProperties"):
        if isinstance(base.get(key), dict) and isinstance(over.get(key), dict):
            out[key] = _merge(base[key], over[key])
    if "required" in base or "required" in over:
        out["required"] = list(dict.fromkeys([*(base.get("required") or ()), *(over.get("required") or ())]))
    return out


def _model_node(node: Any) -> Schema:
    """One node of the model's inlined schema in CRD form."""
    if not isinstance(node, dict):
        return {_PRESERVE: True}
    if node.get(_SCHEMALESS_KEY):
        kept = {k: v for k, v in node.items() if k == "description"}
        return {**kept, "type": "object", _PRESERVE: True}
    branches = node.get("allOf")
    if isinstance(branches, list) and len(branches) == 1 and "$ref" in branches[0]:
        name = str(branches[0]["$ref"]).rpartition("/")[2]
        return {
            **_kubernetes(name),
            **({"description": node["description"]} if "description" in node else {}),
        }
    out: Schema = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {prop: _model_node(sub) for prop, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = _model_node(value)
        elif key in _KEPT:
            out[key] = value
    definition = node.get(_CORE_KEY)
    if isinstance(definition, str):
        out.pop(_PRESERVE, None)  # the core type's published fields say what it takes
        out = _merge(_kubernetes(definition), out)
    return _finish(out)


def crd_schema(info: KindInfo) -> Schema:
    """The openAPIV3Schema of a custom kind's CRD, made from its model."""
    generated = info.model_type.model_json_schema(by_alias=True, schema_generator=_MarkCoreTypes)
    root = _model_node(inline_schema(generated, RefForm.V3))
    properties = root.get("properties") or {}
    root["properties"] = {
        **type_meta_properties(),
        "metadata": {"type": "object"},
        **{k: v for k, v in properties.items() if k not in ("apiVersion", "kind", "metadata")},
    }
    root["type"] = "object"
    root.pop(_PRESERVE, None)
    required = [r for r in root.get("required") or () if r not in ("apiVersion", "kind")]
    if required:
        root["required"] = required
    else:
        root.pop("required", None)
    return root
