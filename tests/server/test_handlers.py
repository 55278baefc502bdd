"""Reading and dispatch over HTTP (TestClient against an embedded cluster): get, list with selectors,
unknown paths, methods a resource does not have, and logs without a runtime."""

from __future__ import annotations

from typing import Any

from sparkfleet.cluster.embedded import EmbeddedCluster
from support.objects import node, pod

from .builders import PODS, SPARK_APPS, TestClient

MERGE = {"Content-Type": "application/merge-patch+json"}
STRATEGIC = {"Content-Type": "application/strategic-merge-patch+json"}
JSON_PATCH = {"Content-Type": "application/json-patch+json"}
APPLY = {"Content-Type": "application/apply-patch+yaml"}


def created(client: TestClient, path: str, obj: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=obj)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


# --- reads ---------------------------------------------------------------------------------------


def test_get_returns_the_stored_object(client: TestClient, cluster: EmbeddedCluster) -> None:
    stored = cluster.create(pod("p"))
    assert client.get(f"{PODS}/p").json() == stored


def test_get_of_a_missing_object_is_a_not_found_status(client: TestClient) -> None:
    response = client.get(f"{SPARK_APPS}/missing")
    assert response.status_code == 404
    assert response.json()["details"] == {
        "name": "missing",
        "group": "sparkoperator.k8s.io",
        "kind": "sparkapplications",
    }


def test_unknown_paths_are_not_found_statuses(client: TestClient) -> None:
    for path in ("/api/v1/namespaces/default/widgets", "/nothing/here"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["kind"] == "Status"


def test_list_returns_a_typed_list_with_its_resource_version(
    client: TestClient, cluster: EmbeddedCluster
) -> None:
    cluster.create(pod("a"))
    cluster.create(pod("b", namespace="spark-team-a"))
    body = client.get(PODS).json()
    assert (body["kind"], body["apiVersion"]) == ("PodList", "v1")
    assert body["metadata"] == {"resourceVersion": "2"}
    assert [p["metadata"]["name"] for p in body["items"]] == ["a"]
    everywhere = client.get("/api/v1/pods").json()
    assert sorted(p["metadata"]["name"] for p in everywhere["items"]) == ["a", "b"]


def test_list_filters_by_label_and_field_selectors(client: TestClient, cluster: EmbeddedCluster) -> None:
    cluster.create(pod("driver", labels={"spark-role": "driver", "spark-app-selector": "s1"}))
    cluster.create(pod("exec-1", labels={"spark-role": "executor", "spark-app-selector": "s1"}))
    cluster.create(pod("exec-2", labels={"spark-role": "executor", "spark-app-selector": "s2"}))

    def names(**params: str) -> list[str]:
        return sorted(p["metadata"]["name"] for p in client.get(PODS, params=params).json()["items"])

    assert names(labelSelector="spark-app-selector=s1,spark-role=executor") == ["exec-1"]
    assert names(labelSelector="spark-role in (driver,executor),spark-app-selector!=s2") == [
        "driver",
        "exec-1",
    ]
    assert names(fieldSelector="metadata.name=driver") == ["driver"]
    assert names(labelSelector="spark-role=executor", limit="1") == ["exec-1"]  # the first page


def test_a_malformed_selector_is_a_bad_request(client: TestClient) -> None:
    response = client.get(PODS, params={"labelSelector": "a in (b"})
    assert response.status_code == 400
    assert response.json()["reason"] == "BadRequest"


def test_cluster_scoped_kinds_list_without_namespace(client: TestClient, cluster: EmbeddedCluster) -> None:
    cluster.create(node("n1", zone="us-east-1a"))
    body = client.get("/api/v1/nodes").json()
    assert body["kind"] == "NodeList"
    assert [n["metadata"]["name"] for n in body["items"]] == ["n1"]
    assert client.get("/api/v1/nodes/n1").json()["metadata"]["labels"] == {"zone": "us-east-1a"}


def test_methods_a_resource_does_not_have_are_method_not_allowed(
    client: TestClient, cluster: EmbeddedCluster
) -> None:
    cluster.create(pod("p"))
    assert client.put(PODS, json=pod("p")).status_code == 405
    assert client.post(f"{PODS}/p", json=pod("p")).status_code == 405
    assert client.post("/api/v1/pods", json=pod("p")).status_code == 405
    assert client.delete("/api/v1/pods").status_code == 405
    assert client.delete(f"{PODS}/p/status").status_code == 405
    assert client.put(f"{PODS}/p/log", json={}).status_code == 405
    assert client.get(f"{PODS}/p/binding").json()["reason"] == "MethodNotAllowed"


# --- logs ----------------------------------------------------------------------------------------


def test_logs_without_a_runtime_are_not_found_with_a_reason(
    client: TestClient, cluster: EmbeddedCluster
) -> None:
    cluster.create(pod("p"))
    response = client.get(f"{PODS}/p/log")
    assert response.status_code == 404
    assert "container logs come from the runtime" in response.json()["message"]
    assert client.get(f"{PODS}/missing/log").json()["message"] == 'pods "missing" not found'
