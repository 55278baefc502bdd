"""The writing verbs over HTTP (TestClient against an embedded cluster): create, update and status, the
four patch types, delete with propagation, delete collection, and binding, with Kubernetes' codes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sparkfleet.cluster.embedded import EmbeddedCluster
from support.objects import configmap, owner_ref, pod, spark_app

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


# --- create --------------------------------------------------------------------------------------


def test_create_answers_201_with_the_stored_object(client: TestClient) -> None:
    response = client.post(SPARK_APPS, json=spark_app("pi"))
    assert response.status_code == 201
    body = response.json()
    assert body["metadata"]["uid"] and body["metadata"]["resourceVersion"] == "1"
    assert body["metadata"]["creationTimestamp"] == "2026-01-02T03:04:05Z"


def test_a_duplicate_create_is_already_exists(client: TestClient) -> None:
    created(client, PODS, pod("p"))
    response = client.post(PODS, json=pod("p"))
    assert response.status_code == 409
    assert response.json()["reason"] == "AlreadyExists"


def test_create_takes_kind_and_namespace_from_the_path(client: TestClient) -> None:
    body = created(
        client, "/api/v1/namespaces/spark-team-a/configmaps", {"metadata": {"name": "c"}, "data": {}}
    )
    assert (body["kind"], body["apiVersion"], body["metadata"]["namespace"]) == (
        "ConfigMap",
        "v1",
        "spark-team-a",
    )


def test_create_with_generate_name_picks_a_name(client: TestClient) -> None:
    body = created(client, PODS, {"metadata": {"generateName": "exec-"}, "spec": pod("x")["spec"]})
    assert body["metadata"]["name"].startswith("exec-")


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (pod("p", namespace="other"), "does not match the namespace"),
        ({**pod("p"), "kind": "ConfigMap"}, "kind in the data (ConfigMap)"),
        ({**pod("p"), "apiVersion": "v2"}, "API version in the data (v2)"),
    ],
)
def test_a_body_that_contradicts_the_path_is_a_bad_request(
    client: TestClient, obj: dict[str, Any], message: str
) -> None:
    response = client.post(PODS, json=obj)
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_an_invalid_spark_application_is_refused_naming_the_field_paths(
    client: TestClient, cluster: EmbeddedCluster
) -> None:
    app = spark_app("pi", type="python")
    del app["spec"]["mainApplicationFile"]
    response = client.post(SPARK_APPS, json=app)
    assert response.status_code == 422
    status = response.json()
    assert status["reason"] == "Invalid"
    assert status["message"].startswith('SparkApplication.sparkoperator.k8s.io "pi" is invalid: [spec.type:')
    assert {c["field"] for c in status["details"]["causes"]} == {"spec.type", "spec.mainApplicationFile"}
    assert status["details"]["group"] == "sparkoperator.k8s.io"
    assert cluster.list("SparkApplication").items == []


def test_unknown_fields_are_dropped_with_a_warning_by_default_and_refused_when_strict(
    client: TestClient,
) -> None:
    app = spark_app("pi")
    app["spec"]["driver"]["memry"] = "1g"
    strict = client.post(SPARK_APPS, json=app, params={"fieldValidation": "Strict"})
    assert strict.status_code == 400
    assert 'unknown field "spec.driver.memry"' in strict.json()["message"]
    response = client.post(SPARK_APPS, json=app)
    assert response.status_code == 201
    assert "memry" not in response.json()["spec"]["driver"]
    assert (
        response.headers["warning"]
        == '299 - "unknown field \\"spec.driver.memry\\" (did you mean \\"memory\\"?)"'
    )


def test_create_accepts_yaml(client: TestClient) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\ndata:\n  a: b\n"
    response = client.post(
        "/api/v1/namespaces/default/configmaps", content=text, headers={"Content-Type": "application/yaml"}
    )
    assert response.status_code == 201
    assert response.json()["data"] == {"a": "b"}


def test_unreadable_bodies_and_media_types_are_refused(client: TestClient) -> None:
    garbled = client.post(PODS, content=b"{not json", headers={"Content-Type": "application/json"})
    assert garbled.status_code == 400
    protobuf = client.post(
        PODS, content=b"\x00k8s", headers={"Content-Type": "application/vnd.kubernetes.protobuf"}
    )
    assert protobuf.status_code == 415
    assert protobuf.json()["reason"] == "UnsupportedMediaType"


def test_dry_run_is_refused(client: TestClient) -> None:
    assert client.post(PODS, json=pod("p"), params={"dryRun": "All"}).status_code == 400


# --- update and status ---------------------------------------------------------------------------


def test_update_replaces_the_object_and_keeps_status(client: TestClient, cluster: EmbeddedCluster) -> None:
    stored = cluster.create({**spark_app("pi"), "status": {"applicationState": {"state": "RUNNING"}}})
    stored["spec"]["executor"]["instances"] = 4
    stored["status"] = {"applicationState": {"state": "FAILED"}}
    response = client.put(f"{SPARK_APPS}/pi", json=stored)
    assert response.status_code == 200
    body = response.json()
    assert body["spec"]["executor"]["instances"] == 4
    assert body["status"] == {"applicationState": {"state": "RUNNING"}}
    assert body["metadata"]["generation"] == 2


def test_an_update_from_a_stale_resource_version_is_a_conflict(
    client: TestClient, cluster: EmbeddedCluster
) -> None:
    stale = cluster.create(configmap("c", a="1"))
    cluster.patch("ConfigMap", "default", "c", {"data": {"a": "2"}})
    response = client.put("/api/v1/namespaces/default/configmaps/c", json={**stale, "data": {"a": "3"}})
    assert response.status_code == 409
    assert response.json()["reason"] == "Conflict"
    assert "the object has been modified" in response.json()["message"]


def test_update_of_a_missing_object_is_not_found(client: TestClient) -> None:
    assert client.put(f"{PODS}/p", json=pod("p")).status_code == 404


def test_update_with_another_name_than_the_path_is_a_bad_request(
    client: TestClient, cluster: EmbeddedCluster
) -> None:
    cluster.create(pod("p"))
    response = client.put(f"{PODS}/p", json=pod("q"))
    assert response.status_code == 400
    assert "does not match the name on the URL" in response.json()["message"]


def test_the_status_subresource_changes_only_status(client: TestClient, cluster: EmbeddedCluster) -> None:
    stored = cluster.create(spark_app("pi"))
    request = {
        **stored,
        "spec": {**stored["spec"], "sparkVersion": "9.9"},
        "status": {"applicationState": {"state": "SUBMITTED"}},
    }
    response = client.put(f"{SPARK_APPS}/pi/status", json=request)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == {"applicationState": {"state": "SUBMITTED"}}
    assert body["spec"]["sparkVersion"] == "4.0.1"
    assert client.get(f"{SPARK_APPS}/pi/status").json()["status"] == body["status"]


def test_an_invalid_status_is_refused_naming_the_field(client: TestClient, cluster: EmbeddedCluster) -> None:
    stored = cluster.create(spark_app("pi"))
    response = client.put(
        f"{SPARK_APPS}/pi/status", json={**stored, "status": {"applicationState": {"state": []}}}
    )
    assert response.status_code == 422
    assert [c["field"] for c in response.json()["details"]["causes"]] == ["status.applicationState.state"]


# --- patch ---------------------------------------------------------------------------------------


def test_merge_patch(client: TestClient, cluster: EmbeddedCluster) -> None:
    cluster.create(pod("p", labels={"a": "1", "b": "2"}))
    response = client.patch(
        f"{PODS}/p", content=json.dumps({"metadata": {"labels": {"a": None, "c": "3"}}}), headers=MERGE
    )
    assert response.status_code == 200
    assert response.json()["metadata"]["labels"] == {"b": "2", "c": "3"}


def test_strategic_merge_patch_merges_containers_by_name(
    client: TestClient, cluster: EmbeddedCluster
) -> None:
    cluster.create(pod("p", containers=[{"name": "spark", "image": "a"}, {"name": "sidecar", "image": "b"}]))
    patch = {"spec": {"containers": [{"name": "spark", "image": "spark:4.0.1"}]}}
    response = client.patch(f"{PODS}/p", content=json.dumps(patch), headers=STRATEGIC)
    assert response.status_code == 200
    assert response.json()["spec"]["containers"] == [
        {"name": "spark", "image": "spark:4.0.1"},
        {"name": "sidecar", "image": "b"},
    ]


def test_strategic_merge_patch_of_a_custom_kind_is_a_merge_patch(
    client: TestClient, cluster: EmbeddedCluster
) -> None:
    cluster.create(spark_app("pi", arguments=["1", "2"]))
    response = client.patch(
        f"{SPARK_APPS}/pi", content=json.dumps({"spec": {"arguments": ["3"]}}), headers=STRATEGIC
    )
    assert response.json()["spec"]["arguments"] == ["3"]


def test_json_patch(client: TestClient, cluster: EmbeddedCluster) -> None:
    cluster.create(spark_app("pi"))
    ops = [
        {"op": "test", "path": "/spec/executor/instances", "value": 2},
        {"op": "replace", "path": "/spec/executor/instances", "value": 5},
        {"op": "add", "path": "/metadata/labels", "value": {"team": "a"}},
        {"op": "copy", "from": "/spec/driver/cores", "path": "/spec/executor/cores"},
    ]
    response = client.patch(f"{SPARK_APPS}/pi", content=json.dumps(ops), headers=JSON_PATCH)
    assert response.status_code == 200
    body = response.json()
    assert (body["spec"]["executor"]["instances"], body["metadata"]["labels"]) == (5, {"team": "a"})


def test_a_failing_json_patch_test_is_invalid_and_changes_nothing(
    client: TestClient, cluster: EmbeddedCluster
) -> None:
    cluster.create(spark_app("pi"))
    ops = [
        {"op": "replace", "path": "/spec/sparkVersion", "value": "x"},
        {"op": "test", "path": "/spec/mode", "value": "client"},
    ]
    response = client.patch(f"{SPARK_APPS}/pi", content=json.dumps(ops), headers=JSON_PATCH)
    assert response.status_code == 422
    assert cluster.get("SparkApplication", "default", "pi")["spec"]["sparkVersion"] == "4.0.1"


def test_a_patch_that_makes_the_object_invalid_is_refused(
    client: TestClient, cluster: EmbeddedCluster
) -> None:
    cluster.create(spark_app("pi"))
    response = client.patch(
        f"{SPARK_APPS}/pi", content=json.dumps({"spec": {"mode": "sideways"}}), headers=MERGE
    )
    assert response.status_code == 422
    assert [c["field"] for c in response.json()["details"]["causes"]] == ["spec.mode"]


def test_a_patch_may_not_rename_the_object(client: TestClient, cluster: EmbeddedCluster) -> None:
    cluster.create(pod("p"))
    response = client.patch(f"{PODS}/p", content=json.dumps({"metadata": {"name": "q"}}), headers=MERGE)
    assert response.status_code == 422
    assert response.json()["details"]["causes"][0] == {
        "reason": "FieldValueInvalid",
        "message": "field is immutable",
        "field": "metadata.name",
    }


def test_a_patch_with_a_stale_resource_version_is_a_conflict(
    client: TestClient, cluster: EmbeddedCluster
) -> None:
    cluster.create(pod("p"))
    cluster.patch("Pod", "default", "p", {"metadata": {"labels": {"a": "b"}}})
    response = client.patch(
        f"{PODS}/p",
        content=json.dumps({"metadata": {"resourceVersion": "1", "labels": {"x": "y"}}}),
        headers=MERGE,
    )
    assert response.status_code == 409


def test_patching_status_through_the_subresource_only(client: TestClient, cluster: EmbeddedCluster) -> None:
    created = cluster.create(pod("p"))
    main = client.patch(f"{PODS}/p", content=json.dumps({"status": {"phase": "Running"}}), headers=MERGE)
    assert main.json()["status"] == created["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    status = client.patch(
        f"{PODS}/p/status",
        content=json.dumps({"status": {"phase": "Running"}, "spec": {"nodeName": "n"}}),
        headers=MERGE,
    )
    assert status.status_code == 200
    assert status.json()["status"] == {"phase": "Running", "qosClass": "BestEffort"}
    assert "nodeName" not in status.json()["spec"]


def test_a_pod_created_over_http_starts_pending(client: TestClient) -> None:
    body = created(client, PODS, {**pod("p"), "status": {"phase": "Running"}})
    assert body["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


def test_server_side_apply_creates_then_merges(client: TestClient) -> None:
    config = configmap("conf", **{"spark.properties": "a=1"})
    path = "/api/v1/namespaces/default/configmaps/conf"
    params = {"fieldManager": "fabric8", "force": "true"}
    first = client.patch(path, content=json.dumps(config), headers=APPLY, params=params)
    assert first.status_code == 201
    again = client.patch(path, content="data:\n  extra: b\n", headers=APPLY, params=params)
    assert again.status_code == 200
    assert again.json()["data"] == {"spark.properties": "a=1", "extra": "b"}


def test_server_side_apply_needs_a_field_manager(client: TestClient) -> None:
    response = client.patch(
        "/api/v1/namespaces/default/configmaps/c", content=json.dumps(configmap("c")), headers=APPLY
    )
    assert response.status_code == 400
    assert "fieldManager" in response.json()["message"]


def test_force_is_only_for_apply(client: TestClient, cluster: EmbeddedCluster) -> None:
    cluster.create(pod("p"))
    assert client.patch(f"{PODS}/p", content="{}", headers=MERGE, params={"force": "true"}).status_code == 400


def test_patch_of_a_missing_object_is_not_found_and_unknown_patch_types_unsupported(
    client: TestClient,
) -> None:
    assert client.patch(f"{PODS}/p", content="{}", headers=MERGE).status_code == 404
    assert (
        client.patch(f"{PODS}/p", content="{}", headers={"Content-Type": "application/json"}).status_code
        == 415
    )


# --- delete --------------------------------------------------------------------------------------


def test_delete_returns_the_deleted_object_and_cascades_to_dependents(
    client: TestClient, cluster: EmbeddedCluster
) -> None:
    driver = cluster.create(pod("driver"))
    executor = pod("exec-1")
    executor["metadata"]["ownerReferences"] = [owner_ref(driver)]
    cluster.create(executor)
    response = client.delete(f"{PODS}/driver")
    assert response.status_code == 200
    assert response.json()["metadata"]["name"] == "driver"
    assert cluster.list("Pod").items == []


def test_orphan_propagation_keeps_dependents(client: TestClient, cluster: EmbeddedCluster) -> None:
    driver = cluster.create(pod("driver"))
    executor = pod("exec-1")
    executor["metadata"]["ownerReferences"] = [owner_ref(driver)]
    cluster.create(executor)
    options = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Orphan"}
    response = client.request(
        "DELETE", f"{PODS}/driver", content=json.dumps(options), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200
    (left,) = cluster.list("Pod").items
    assert "ownerReferences" not in left["metadata"]


def test_delete_preconditions_and_policies_are_checked(client: TestClient, cluster: EmbeddedCluster) -> None:
    cluster.create(pod("p"))
    stale = {"preconditions": {"resourceVersion": "0"}}
    response = client.request(
        "DELETE", f"{PODS}/p", content=json.dumps(stale), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 409
    assert client.delete(f"{PODS}/p", params={"propagationPolicy": "Sideways"}).status_code == 400
    assert client.delete(f"{PODS}/missing").status_code == 404
    assert client.delete(f"{PODS}/p", params={"propagationPolicy": "Foreground"}).status_code == 200


def test_delete_collection_by_label_selector(client: TestClient, cluster: EmbeddedCluster) -> None:
    cluster.create(pod("driver", labels={"spark-app-selector": "s1", "spark-role": "driver"}))
    cluster.create(pod("exec-1", labels={"spark-app-selector": "s1", "spark-role": "executor"}))
    cluster.create(pod("exec-2", labels={"spark-app-selector": "s1", "spark-role": "executor"}))
    cluster.create(pod("other", labels={"spark-app-selector": "s2", "spark-role": "executor"}))
    response = client.delete(PODS, params={"labelSelector": "spark-app-selector=s1,spark-role=executor"})
    assert response.status_code == 200
    assert response.json()["kind"] == "PodList"
    assert sorted(p["metadata"]["name"] for p in response.json()["items"]) == ["exec-1", "exec-2"]
    assert sorted(p["metadata"]["name"] for p in cluster.list("Pod").items) == ["driver", "other"]


def test_delete_collection_skips_objects_already_cascaded(
    client: TestClient, cluster: EmbeddedCluster
) -> None:
    owner = cluster.create(configmap("a", labels={"app": "x"}))
    dependent = configmap("b", labels={"app": "x"})
    dependent["metadata"]["ownerReferences"] = [owner_ref(owner)]
    cluster.create(dependent)
    response = client.delete("/api/v1/namespaces/default/configmaps", params={"labelSelector": "app=x"})
    assert [c["metadata"]["name"] for c in response.json()["items"]] == ["a"]
    assert cluster.list("ConfigMap").items == []


# --- binding and logs ----------------------------------------------------------------------------


def test_binding_sets_the_node_and_answers_a_success_status(
    client: TestClient, cluster: EmbeddedCluster
) -> None:
    cluster.create(pod("p"))
    binding = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": "p"},
        "target": {"kind": "Node", "name": "n1"},
    }
    response = client.post(f"{PODS}/p/binding", json=binding)
    assert response.status_code == 201
    assert response.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": 201,
    }
    assert cluster.get("Pod", "default", "p")["spec"]["nodeName"] == "n1"
    binding["target"]["name"] = "n2"
    assert client.post(f"{PODS}/p/binding", json=binding).status_code == 409


def test_the_bindings_collection_binds_the_named_pod(client: TestClient, cluster: EmbeddedCluster) -> None:
    cluster.create(pod("p"))
    binding = {"kind": "Binding", "metadata": {"name": "p"}, "target": {"name": "n1"}}
    assert client.post("/api/v1/namespaces/default/bindings", json=binding).status_code == 201
    assert cluster.get("Pod", "default", "p")["spec"]["nodeName"] == "n1"


def test_a_binding_without_a_target_is_invalid(client: TestClient, cluster: EmbeddedCluster) -> None:
    cluster.create(pod("p"))
    response = client.post(f"{PODS}/p/binding", json={"kind": "Binding", "target": {}})
    assert response.status_code == 422
    assert response.json()["details"]["causes"][0]["field"] == "target.name"
