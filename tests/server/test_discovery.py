"""Discovery documents over HTTP: enough for kubectl and fabric8 to find every resource."""

from __future__ import annotations

from typing import Any

from .builders import TestClient


def resources(client: TestClient, path: str) -> dict[str, Any]:
    body = client.get(path).json()
    assert body["kind"] == "APIResourceList"
    return {r["name"]: r for r in body["resources"]}


def test_api_lists_the_core_version(client: TestClient) -> None:
    body = client.get("/api").json()
    assert body["kind"] == "APIVersions"
    assert body["versions"] == ["v1"]
    assert body["serverAddressByClientCIDRs"][0]["serverAddress"] == "testserver"


def test_the_core_resource_list_has_verbs_short_names_and_subresources(client: TestClient) -> None:
    found = resources(client, "/api/v1")
    assert found["pods"] == {
        "name": "pods",
        "singularName": "pod",
        "namespaced": True,
        "kind": "Pod",
        "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        "shortNames": ["po"],
        "categories": ["all"],
    }
    assert found["pods/status"]["verbs"] == ["get", "patch", "update"]
    assert found["pods/binding"]["kind"] == "Binding"
    assert found["pods/log"]["verbs"] == ["get"]
    assert found["nodes"]["namespaced"] is False
    assert found["persistentvolumeclaims"]["shortNames"] == ["pvc"]
    assert found["bindings"]["verbs"] == ["create"]
    assert "configmaps/status" not in found


def test_the_group_list_names_every_group_with_its_preferred_version(client: TestClient) -> None:
    body = client.get("/apis").json()
    assert body["kind"] == "APIGroupList"
    groups = {g["name"]: g for g in body["groups"]}
    assert set(groups) == {
        "scheduling.k8s.io",
        "coordination.k8s.io",
        "networking.k8s.io",
        "sparkoperator.k8s.io",
        "karpenter.sh",
        "karpenter.k8s.aws",
        "apiextensions.k8s.io",
    }
    assert groups["sparkoperator.k8s.io"]["preferredVersion"] == {
        "groupVersion": "sparkoperator.k8s.io/v1beta2",
        "version": "v1beta2",
    }


def test_a_group_document_lists_its_versions(client: TestClient) -> None:
    body = client.get("/apis/karpenter.sh").json()
    assert body["kind"] == "APIGroup"
    assert body["versions"] == [
        {"groupVersion": "karpenter.sh/v1", "version": "v1"},
        {"groupVersion": "karpenter.sh/v1alpha1", "version": "v1alpha1"},  # NodeOverlay
    ]
    assert body["preferredVersion"] == {"groupVersion": "karpenter.sh/v1", "version": "v1"}


def test_a_custom_group_version_lists_its_kinds(client: TestClient) -> None:
    found = resources(client, "/apis/sparkoperator.k8s.io/v1beta2")
    assert found["sparkapplications"]["kind"] == "SparkApplication"
    assert found["sparkapplications"]["shortNames"] == ["sparkapp"]
    assert found["sparkapplications/status"]["verbs"] == ["get", "patch", "update"]
    assert found["scheduledsparkapplications"]["namespaced"] is True
    assert resources(client, "/apis/karpenter.sh/v1")["nodepools"]["namespaced"] is False


def test_discovery_is_read_only(client: TestClient) -> None:
    response = client.post("/api/v1", json={})
    assert response.status_code == 405
    assert response.json()["reason"] == "MethodNotAllowed"
