"""The OpenAPI description: /openapi/v2 and the /openapi/v3 documents, with a schema for every served kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from sparkfleet.cluster.errors import NotFound
from sparkfleet.cluster.kinds import KINDS, KindInfo, lookup
from sparkfleet.server.openapi import group_version_document, openapi_root, swagger_document

from .builders import TestClient

CRD_DRIVER = Path(__file__).parent.parent / "data" / "sparkapplication-crd-spec-driver.yaml"
GVK = "x-kubernetes-group-version-kind"
PROTOBUF_V2 = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
SPARK_APP_PATH = "/apis/sparkoperator.k8s.io/v1beta2/namespaces/{namespace}/sparkapplications/{name}"


def gvk(info: KindInfo) -> dict[str, str]:
    return {"group": info.group, "version": info.api_version.rpartition("/")[2], "kind": info.kind}


def gv_path(info: KindInfo) -> str:
    version = info.api_version.rpartition("/")[2]
    return f"apis/{info.group}/{version}" if info.group else f"api/{version}"


def schema_of(schemas: dict[str, Any], info: KindInfo) -> dict[str, Any]:
    (found,) = [s for s in schemas.values() if gvk(info) in (s.get(GVK) or [])]
    return found


def resolve(schemas: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow a ref, bare or wrapped in a one-element allOf, to the schema it names."""
    ref = schema.get("$ref") or (schema.get("allOf") or [{}])[0].get("$ref")
    return schemas[ref.rpartition("/")[2]] if ref else schema


def refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(refs(v) for k, v in node.items() if k != "$ref"))
    if isinstance(node, list):
        return set().union(*(refs(v) for v in node))
    return set()


def test_the_root_lists_every_group_version_with_a_hashed_url() -> None:
    paths = openapi_root()["paths"]
    assert set(paths) == {
        "api/v1",
        "apis/scheduling.k8s.io/v1",
        "apis/coordination.k8s.io/v1",
        "apis/networking.k8s.io/v1",
        "apis/sparkoperator.k8s.io/v1beta2",
        "apis/sparkoperator.k8s.io/v1alpha1",
        "apis/karpenter.sh/v1",
        "apis/karpenter.sh/v1alpha1",
        "apis/karpenter.k8s.aws/v1",
    }
    assert paths["api/v1"]["serverRelativeURL"].startswith("/openapi/v3/api/v1?hash=")


@pytest.mark.parametrize("info", KINDS, ids=lambda info: info.kind)
def test_every_kind_has_a_v3_schema_and_operations_that_carry_its_gvk(info: KindInfo) -> None:
    document = group_version_document(gv_path(info))
    schemas = document["components"]["schemas"]
    schema = schema_of(schemas, info)
    assert {"apiVersion", "kind", "metadata"} <= schema["properties"].keys()
    assert (
        resolve(schemas, schema["properties"]["metadata"])
        is schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]
    )
    actions = {
        operation["x-kubernetes-action"]
        for path in document["paths"].values()
        for method, operation in path.items()
        if method != "parameters" and operation[GVK] == gvk(info)
    }
    assert actions == {"list", "post", "get", "put", "patch", "delete", "deletecollection"}


@pytest.mark.parametrize("info", KINDS, ids=lambda info: info.kind)
def test_every_kind_is_in_the_v2_document_with_its_schema_and_paths(info: KindInfo) -> None:
    document = swagger_document()
    assert document["swagger"] == "2.0"
    schema = schema_of(document["definitions"], info)
    assert schema["type"] == "object"
    prefix = f"/{gv_path(info)}" + ("/namespaces/{namespace}" if info.namespaced else "")
    item = document["paths"][f"{prefix}/{info.plural}/{{name}}"]
    assert {"get", "put", "patch", "delete"} <= item.keys()
    assert item["patch"][GVK] == gvk(info)
    assert item["get"]["responses"]["200"]["schema"]["$ref"].startswith("#/definitions/")


@pytest.mark.parametrize("document", ["v2", "api/v1", "apis/sparkoperator.k8s.io/v1beta2"])
def test_every_ref_names_a_schema_of_the_same_document(document: str) -> None:
    if document == "v2":
        doc, prefix, schemas = swagger_document(), "#/definitions/", swagger_document()["definitions"]
    else:
        doc = group_version_document(document)
        prefix, schemas = "#/components/schemas/", doc["components"]["schemas"]
    found = refs(doc)
    assert found
    assert {ref.removeprefix(prefix) for ref in found} <= schemas.keys()


def test_schemas_are_in_openapi_form_with_single_types() -> None:
    schemas = group_version_document("api/v1")["components"]["schemas"]
    pod_spec = schemas["io.k8s.api.core.v1.PodSpec"]
    assert pod_spec["type"] == "object"
    assert pod_spec["properties"]["containers"]["items"] == {
        "$ref": "#/components/schemas/io.k8s.api.core.v1.Container"
    }
    assert schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] == {
        "type": "string",
        "format": "int-or-string",
    }
    pod = schema_of(schemas, lookup("Pod"))
    assert pod["properties"]["apiVersion"]["type"] == "string"
    assert "enum" not in pod["properties"]["apiVersion"]


def test_every_patch_operation_takes_field_validation_and_custom_kinds_no_strategic_merge() -> None:
    spark = group_version_document("apis/sparkoperator.k8s.io/v1beta2")["paths"][SPARK_APP_PATH]["patch"]
    assert spark[GVK] == {"group": "sparkoperator.k8s.io", "version": "v1beta2", "kind": "SparkApplication"}
    assert {"name": "fieldValidation", "in": "query"}.items() <= next(
        p for p in spark["parameters"] if p["name"] == "fieldValidation"
    ).items()
    assert "application/strategic-merge-patch+json" not in spark["requestBody"]["content"]
    core = group_version_document("api/v1")["paths"]
    pod_patch = core["/api/v1/namespaces/{namespace}/pods/{name}"]["patch"]
    assert "application/strategic-merge-patch+json" in pod_patch["requestBody"]["content"]
    assert "/api/v1/nodes/{name}" in core
    assert not any("bindings" in path for path in core)
    for path in core.values():
        if "patch" in path:
            assert "fieldValidation" in {p["name"] for p in path["patch"]["parameters"]}


def test_the_spark_application_driver_has_the_fields_of_the_upstream_crd() -> None:
    upstream = yaml.safe_load(CRD_DRIVER.read_text())["properties"]
    schemas = group_version_document("apis/sparkoperator.k8s.io/v1beta2")["components"]["schemas"]
    app = schema_of(schemas, lookup("SparkApplication"))
    driver = app["properties"]["spec"]["properties"]["driver"]
    assert set(driver["properties"]) == set(upstream)
    for name, field in upstream.items():
        if field.get("type") in ("string", "integer", "boolean"):
            ours = driver["properties"][name]
            assert ours.get("type") == field["type"] or ours.get("x-kubernetes-int-or-string"), name


def test_custom_schemas_are_structural() -> None:
    schemas = group_version_document("apis/sparkoperator.k8s.io/v1beta2")["components"]["schemas"]
    app = schema_of(schemas, lookup("SparkApplication"))
    driver = app["properties"]["spec"]["properties"]["driver"]["properties"]
    # `str | None` is the string; a quantity is int-or-string; free-form maps keep unknown fields.
    assert driver["image"] == {"type": "string"}
    assert driver["coreRequest"]["x-kubernetes-int-or-string"] is True
    assert driver["lifecycle"]["x-kubernetes-preserve-unknown-fields"] is True
    assert driver["labels"] == {"type": "object", "additionalProperties": {"type": "string"}}
    text = str(app)
    assert "'null'" not in text
    assert "'title'" not in text
    assert "additionalProperties': False" not in text
    assert refs(app) == {"#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}


def test_unknown_group_versions_are_not_found() -> None:
    with pytest.raises(NotFound):
        group_version_document("apis/example.com/v1")


def test_openapi_is_served_to_authenticated_clients(client: TestClient, anonymous: TestClient) -> None:
    root = client.get("/openapi/v3").json()
    url = root["paths"]["apis/karpenter.sh/v1"]["serverRelativeURL"]
    assert client.get(url).json()["openapi"] == "3.0.0"
    assert client.get("/openapi/v3/apis/nothing/v1").status_code == 404
    assert anonymous.get("/openapi/v3").status_code == 401
    assert anonymous.get("/openapi/v2").status_code == 401


def test_v2_is_json_and_a_protobuf_only_request_is_not_acceptable(client: TestClient) -> None:
    response = client.get("/openapi/v2", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["swagger"] == "2.0"
    refused = client.get("/openapi/v2", headers={"Accept": PROTOBUF_V2})
    assert refused.status_code == 406
    assert refused.json()["reason"] == "NotAcceptable"
    assert client.get("/openapi/v2", headers={"Accept": f"{PROTOBUF_V2}, */*"}).status_code == 200
