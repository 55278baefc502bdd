"""The CRD schemas made from the models are structural, as the API server requires of a CRD: typed nodes,
no refs, bare root metadata, keyed lists with required or defaulted keys, defaults that pass their own
schema; core types carry Kubernetes' fields and refuse others, pod templates keep every key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from sparkfleet.cluster import KindInfo
from sparkfleet.server.crds import custom_kinds
from sparkfleet.server.structural import crd_schema

Node = dict[str, Any]
KINDS = custom_kinds()
_KEYS = {"x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string"}


def nodes(node: Node, path: str = "") -> Iterator[tuple[str, Node]]:
    yield path, node
    for name, sub in (node.get("properties") or {}).items():
        yield from nodes(sub, f"{path}.{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            yield from nodes(node[key], f"{path}[{key}]")


def at(schema: Node, *path: str) -> Node:
    for name in path:
        schema = schema["items"] if name == "[]" else schema["properties"][name]
    return schema


@pytest.fixture(params=KINDS, ids=[k.kind for k in KINDS])
def schema(request: pytest.FixtureRequest) -> Node:
    info: KindInfo = request.param
    return crd_schema(info)


def test_every_node_is_typed_unless_it_keeps_unknown_fields_or_is_int_or_string(schema: Node) -> None:
    untyped = [p for p, n in nodes(schema) if "type" not in n and not (_KEYS & n.keys())]
    assert untyped == []


def test_no_node_refers_to_another_or_mixes_properties_with_additional_properties(schema: Node) -> None:
    text = repr(schema)
    assert "$ref" not in text and "allOf" not in text and "x-sparkfleet" not in text
    assert [p for p, n in nodes(schema) if "properties" in n and "additionalProperties" in n] == []


def test_the_root_is_an_object_with_bare_metadata(schema: Node) -> None:
    assert schema["type"] == "object"
    assert schema["properties"]["metadata"] == {"type": "object"}
    assert {"apiVersion", "kind", "spec"} <= schema["properties"].keys()


def test_keyed_lists_have_required_or_defaulted_keys(schema: Node) -> None:
    for path, node in nodes(schema):
        item = node.get("items") or {}
        for key in node.get("x-kubernetes-list-map-keys") or ():
            assert key in (item.get("required") or ()) or "default" in item["properties"][key], (path, key)


def test_every_default_passes_its_own_schema(schema: Node) -> None:
    defaulted = [(path, node) for path, node in nodes(schema) if "default" in node]
    for path, node in defaulted:
        validator = jsonschema.Draft4Validator({k: v for k, v in node.items() if k != "default"})
        assert list(validator.iter_errors(node["default"])) == [], path


def test_a_core_type_carries_kubernetes_fields_beside_the_typed_ones_and_keeps_no_others() -> None:
    spark = crd_schema(next(k for k in KINDS if k.kind == "SparkApplication"))
    sidecar = at(spark, "spec", "driver", "sidecars", "[]")
    assert {"name", "image", "resources", "startupProbe", "resizePolicy"} <= sidecar["properties"].keys()
    assert "x-kubernetes-preserve-unknown-fields" not in sidecar
    ports = sidecar["properties"]["ports"]
    assert ports["x-kubernetes-list-map-keys"] == ["containerPort", "protocol"]
    assert ports["items"]["properties"]["protocol"]["default"] == "TCP"
    limits = sidecar["properties"]["resources"]["properties"]["limits"]["additionalProperties"]
    assert limits["x-kubernetes-int-or-string"] is True and limits["pattern"].startswith("^(\\+|-)?")


def test_pod_templates_stay_schemaless_as_upstream() -> None:
    spark = crd_schema(next(k for k in KINDS if k.kind == "SparkApplication"))
    for role in ("driver", "executor"):
        template = at(spark, "spec", role, "template")
        assert template == {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
