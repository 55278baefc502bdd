"""The partial OpenAPI v3 description: enough for kubectl to leave field validation to the server."""

from __future__ import annotations

import pytest

from sparkfleet.cluster.errors import NotFound
from sparkfleet.server.openapi import group_version_document, openapi_root

from .builders import TestClient


def test_the_root_lists_every_group_version_with_a_hashed_url() -> None:
    paths = openapi_root()["paths"]
    assert set(paths) == {
        "api/v1",
        "apis/scheduling.k8s.io/v1",
        "apis/sparkoperator.k8s.io/v1beta2",
        "apis/karpenter.sh/v1",
        "apis/karpenter.k8s.aws/v1",
    }
    assert paths["api/v1"]["serverRelativeURL"].startswith("/openapi/v3/api/v1?hash=")


def test_each_kind_has_a_patch_operation_that_takes_field_validation() -> None:
    doc = group_version_document("apis/sparkoperator.k8s.io/v1beta2")
    operation = doc["paths"][
        "/apis/sparkoperator.k8s.io/v1beta2/namespaces/{namespace}/sparkapplications/{name}"
    ]["patch"]
    assert operation["x-kubernetes-group-version-kind"] == {
        "group": "sparkoperator.k8s.io",
        "version": "v1beta2",
        "kind": "SparkApplication",
    }
    assert {"name": "fieldValidation", "in": "query"}.items() <= operation["parameters"][2].items()
    core = group_version_document("api/v1")["paths"]
    assert "/api/v1/nodes/{name}" in core
    assert not any("bindings" in path for path in core)


def test_unknown_group_versions_are_not_found() -> None:
    with pytest.raises(NotFound):
        group_version_document("apis/example.com/v1")


def test_openapi_is_served_to_authenticated_clients(client: TestClient, anonymous: TestClient) -> None:
    root = client.get("/openapi/v3").json()
    url = root["paths"]["apis/karpenter.sh/v1"]["serverRelativeURL"]
    assert client.get(url).json()["openapi"] == "3.0.0"
    assert client.get("/openapi/v3/apis/nothing/v1").status_code == 404
    assert anonymous.get("/openapi/v3").status_code == 401
