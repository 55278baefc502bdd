"""`meta.k8s.io` Table responses: list, get and watch answer kubectl's Accept header with printer columns."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import create_app, streams_of
from support.objects import pod, spark_app

from .builders import AUTH, PODS, SPARK_APPS, TOKEN, TestClient
from .conftest import guarded

KUBECTL_ACCEPT = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
    "application/json"
)
TABLE = {"Accept": KUBECTL_ACCEPT}


@pytest.fixture
def tables(cluster: EmbeddedCluster, clock: VirtualClock) -> Iterator[TestClient]:
    """A client of an app whose ages are measured on the cluster's (virtual) clock."""
    app = create_app(cluster, TOKEN, clock=clock)
    guard = guarded(app)
    with TestClient(app, headers=AUTH) as client:
        yield client
    guard.cancel()
    streams_of(app).close_all()


def running_pod(name: str) -> dict[str, Any]:
    obj = pod(name, nodeName="node-a")
    obj["status"] = {
        "phase": "Running",
        "podIP": "127.0.2.7",
        "containerStatuses": [{"name": "main", "ready": True, "restartCount": 0, "state": {"running": {}}}],
    }
    return obj


def test_a_list_asked_for_as_table_answers_kubectls_columns_and_rows(
    tables: TestClient, cluster: EmbeddedCluster, clock: VirtualClock
) -> None:
    cluster.create(running_pod("driver"))
    clock.advance(90)
    body = tables.get(PODS, headers=TABLE).json()
    assert (body["kind"], body["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    assert body["metadata"] == {"resourceVersion": "1"}
    assert [(c["name"], c["priority"]) for c in body["columnDefinitions"]] == [
        ("Name", 0),
        ("Ready", 0),
        ("Status", 0),
        ("Restarts", 0),
        ("Age", 0),
        ("IP", 1),
        ("Node", 1),
        ("Nominated Node", 1),
        ("Readiness Gates", 1),
    ]
    assert body["columnDefinitions"][0]["format"] == "name"
    [row] = body["rows"]
    assert row["cells"] == ["driver", "1/1", "Running", "0", "90s", "127.0.2.7", "node-a", "<none>", "<none>"]
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["apiVersion"] == "meta.k8s.io/v1"
    assert row["object"]["metadata"]["name"] == "driver"
    assert "spec" not in row["object"]


def test_a_custom_resource_table_has_its_crds_columns_with_nulls_for_missing_values(
    tables: TestClient, cluster: EmbeddedCluster
) -> None:
    cluster.create(spark_app("pi"))
    body = tables.get(SPARK_APPS, headers=TABLE).json()
    names = [c["name"] for c in body["columnDefinitions"]]
    assert names == ["Name", "Suspend", "Status", "Attempts", "Start", "Finish", "Age"]
    assert body["rows"][0]["cells"] == ["pi", None, None, None, None, None, "0s"]


def test_get_of_one_object_is_a_one_row_table(tables: TestClient, cluster: EmbeddedCluster) -> None:
    stored = cluster.create(spark_app("pi"))
    body = tables.get(f"{SPARK_APPS}/pi", headers=TABLE).json()
    assert body["kind"] == "Table"
    assert body["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]
    assert [r["cells"][0] for r in body["rows"]] == ["pi"]


def test_include_object_chooses_what_each_row_carries(tables: TestClient, cluster: EmbeddedCluster) -> None:
    stored = cluster.create(running_pod("driver"))
    whole = tables.get(PODS, headers=TABLE, params={"includeObject": "Object"}).json()
    assert whole["rows"][0]["object"] == stored
    nothing = tables.get(PODS, headers=TABLE, params={"includeObject": "None"}).json()
    assert nothing["rows"][0]["object"] is None
    refused = tables.get(PODS, headers=TABLE, params={"includeObject": "Everything"})
    assert refused.status_code == 400
    assert "includeObject" in refused.json()["message"]


def test_a_v1beta1_table_is_answered_in_that_version(tables: TestClient, cluster: EmbeddedCluster) -> None:
    cluster.create(pod("p"))
    accept = {"Accept": "application/json;as=Table;v=v1beta1;g=meta.k8s.io"}
    body = tables.get(PODS, headers=accept).json()
    assert (body["apiVersion"], body["rows"][0]["object"]["apiVersion"]) == (
        "meta.k8s.io/v1beta1",
        "meta.k8s.io/v1beta1",
    )


@pytest.mark.parametrize(
    "accept",
    [
        "",
        "application/json",
        "*/*",
        "application/json,application/json;as=Table;v=v1;g=meta.k8s.io",
        "application/json;as=Table;v=v2;g=meta.k8s.io,application/json",
        "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json",
        "application/vnd.kubernetes.protobuf",
    ],
)
def test_without_an_acceptable_table_first_the_answer_is_plain_json(
    tables: TestClient, cluster: EmbeddedCluster, accept: str
) -> None:
    cluster.create(pod("p"))
    assert tables.get(PODS, headers={"Accept": accept}).json()["kind"] == "PodList"
    assert tables.get(f"{PODS}/p", headers={"Accept": accept}).json()["kind"] == "Pod"


def test_a_watch_sends_one_row_tables_with_the_columns_in_the_first_event_only(
    tables: TestClient, cluster: EmbeddedCluster
) -> None:
    cluster.create(pod("a"))
    cluster.create(pod("b"))
    cluster.delete("Pod", "default", "a")
    response = tables.get(
        PODS, headers=TABLE, params={"watch": "1", "resourceVersion": "0", "timeoutSeconds": "0"}
    )
    initial = [json.loads(line) for line in response.text.splitlines() if line]
    response = tables.get(
        PODS, headers=TABLE, params={"watch": "1", "resourceVersion": "1", "timeoutSeconds": "0"}
    )
    changes = [json.loads(line) for line in response.text.splitlines() if line]
    assert [(e["type"], e["object"]["rows"][0]["cells"][0]) for e in initial] == [("ADDED", "b")]
    assert [(e["type"], e["object"]["rows"][0]["cells"][0]) for e in changes] == [
        ("ADDED", "b"),
        ("DELETED", "a"),
    ]
    for events in (initial, changes):
        assert all(e["object"]["kind"] == "Table" and len(e["object"]["rows"]) == 1 for e in events)
        assert events[0]["object"]["columnDefinitions"][0]["name"] == "Name"
        assert all(e["object"]["columnDefinitions"] is None for e in events[1:])
    assert changes[1]["object"]["metadata"]["resourceVersion"] == "3"


def test_a_watch_without_a_table_accept_streams_plain_objects(
    tables: TestClient, cluster: EmbeddedCluster
) -> None:
    cluster.create(pod("a"))
    response = tables.get(PODS, params={"watch": "1", "timeoutSeconds": "0"})
    [event] = [json.loads(line) for line in response.text.splitlines() if line]
    assert event["object"]["kind"] == "Pod"
