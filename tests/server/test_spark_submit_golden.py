"""Replaying what Spark's own Kubernetes client (fabric8, in PySpark 4.0.1) sends, call for call.

The objects in golden/ were recorded from real spark-submit runs (see the reference's README): the
driver pod, the server-side-applied service and conf ConfigMap (cluster mode), then what the running
driver does in client mode: its lookups, a plain HTTP watch of its executors with bookmarks, the executor
pods and their OnDemand PVCs, and the collection deletes on shutdown. The recordings come from two runs;
the replay makes them one run: one application id, and owner references naming the driver pod created
here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import start_server

from .builders import AUTH, TOKEN, TestClient, events

GOLDEN = Path(__file__).parent / "golden"
NAMESPACE = "spark-team-a"
API = f"/api/v1/namespaces/{NAMESPACE}"
APP_ID = "spark-4d1cd29e6cc14a80b2be4ba6c0452d28"
DRIVER = "pyspark-pi-karpenter-driver"
RECORDED_DRIVER_UIDS = ("132bdff0-0318-4d11-8f27-5c4c532b152d", "u1")
APPLY = {"Content-Type": "application/apply-patch+yaml"}
SSA = {"fieldManager": "fabric8", "force": "true"}
DELETE_OPTIONS = json.dumps({"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Background"})


def golden(prefix: str, driver_uid: str = "") -> dict[str, Any]:
    (path,) = GOLDEN.glob(f"{prefix}-*.json")
    text = path.read_text().replace("spark-dfd5ccfb64f748508bf11cefa73ff623", APP_ID)
    for recorded in RECORDED_DRIVER_UIDS:
        text = text.replace(f'"uid": "{recorded}"', f'"uid": "{driver_uid}"')
    body: dict[str, Any] = json.loads(text)
    return body


@pytest.fixture(params=["testclient", "uvicorn"])
def http(request: pytest.FixtureRequest, app: Starlette) -> Iterator[httpx.Client]:
    if request.param == "testclient":
        with TestClient(app, headers=AUTH) as client:
            yield client
        return
    with (
        start_server(app, TOKEN) as handle,
        httpx.Client(base_url=handle.url, headers=AUTH, timeout=10) as client,
    ):
        yield client


def ok(response: httpx.Response, code: int = 200) -> dict[str, Any]:
    assert response.status_code == code, response.text
    body: dict[str, Any] = response.json()
    return body


def test_spark_submit_cluster_mode_calls_succeed(http: httpx.Client, cluster: EmbeddedCluster) -> None:
    driver = ok(http.post(f"{API}/pods", json=golden("01")), 201)
    uid = driver["metadata"]["uid"]
    assert driver["metadata"]["namespace"] == NAMESPACE
    assert driver["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "1", "memory": "896Mi"}

    service = golden("02", uid)
    applied = ok(
        http.patch(
            f"{API}/services/{service['metadata']['name']}",
            params=SSA,
            content=json.dumps(service),
            headers=APPLY,
        ),
        201,
    )
    assert applied["metadata"]["ownerReferences"][0]["uid"] == uid
    conf = golden("03", uid)
    path = f"{API}/configmaps/{conf['metadata']['name']}"
    ok(http.patch(path, params=SSA, content=json.dumps(conf), headers=APPLY), 201)
    # spark-submit applies again when it retries: the same configuration is an unchanged object.
    again = ok(http.patch(path, params=SSA, content=json.dumps(conf), headers=APPLY))
    assert again["data"]["spark.properties"] == conf["data"]["spark.properties"]

    ok(http.delete(f"{API}/pods/{DRIVER}"))
    assert cluster.list("Service", NAMESPACE).items == []
    assert cluster.list("ConfigMap", NAMESPACE).items == []


def test_a_running_driver_calls_succeed_from_lookups_to_shutdown(
    http: httpx.Client, cluster: EmbeddedCluster
) -> None:
    uid = ok(http.post(f"{API}/pods", json=golden("01")), 201)["metadata"]["uid"]
    ok(
        http.patch(
            f"{API}/configmaps/{golden('03')['metadata']['name']}",
            params=SSA,
            content=json.dumps(golden("03", uid)),
            headers=APPLY,
        ),
        201,
    )
    service = golden("02", uid)
    ok(
        http.patch(
            f"{API}/services/{service['metadata']['name']}",
            params=SSA,
            content=json.dumps(service),
            headers=APPLY,
        ),
        201,
    )

    # The driver looks itself up, then its application's volume claims.
    assert ok(http.get(f"{API}/pods/{DRIVER}"))["metadata"]["uid"] == uid
    found = ok(http.get(f"{API}/pods", params={"fieldSelector": f"metadata.name={DRIVER}"}))
    assert [p["metadata"]["name"] for p in found["items"]] == [DRIVER]
    assert (
        ok(
            http.get(
                f"{API}/persistentvolumeclaims", params={"labelSelector": f"spark-app-selector={APP_ID}"}
            )
        )["items"]
        == []
    )

    watch = {
        "allowWatchBookmarks": "true",
        "labelSelector": f"spark-app-selector={APP_ID},spark-role=executor",
        "watch": "true",
    }
    with http.stream("GET", f"{API}/pods", params=watch) as stream:
        assert stream.status_code == 200
        lines = stream.iter_lines()
        for number, (pod_file, pvc_file) in enumerate((("05", "06"), ("07", "08")), start=1):
            executor = ok(http.post(f"{API}/pods", json=golden(pod_file, uid)), 201)
            assert executor["metadata"]["labels"]["spark-exec-id"] == str(number)
            claim = ok(http.post(f"{API}/persistentvolumeclaims", json=golden(pvc_file, uid)), 201)
            assert claim["spec"]["resources"]["requests"] == {"storage": "500Gi"}
            assert events([next(lines)]) == [("ADDED", f"pyspark-pi-karpenter-exec-{number}")]

        # Shutdown: the collections go by label, as KubernetesClusterSchedulerBackend.stop() deletes them.
        json_body = {"Content-Type": "application/json"}
        by_app = f"spark-app-selector={APP_ID}"
        services = ok(
            http.request(
                "DELETE",
                f"{API}/services",
                params={"labelSelector": by_app},
                content=DELETE_OPTIONS,
                headers=json_body,
            )
        )
        assert len(services["items"]) == 1
        claims = ok(
            http.request(
                "DELETE",
                f"{API}/persistentvolumeclaims",
                params={"labelSelector": by_app},
                content=DELETE_OPTIONS,
                headers=json_body,
            )
        )
        assert len(claims["items"]) == 2
        executors = f"{by_app},spark-role=executor"
        pods = ok(
            http.request(
                "DELETE",
                f"{API}/pods",
                params={"labelSelector": executors},
                content=DELETE_OPTIONS,
                headers=json_body,
            )
        )
        assert sorted(p["metadata"]["name"] for p in pods["items"]) == [
            "pyspark-pi-karpenter-exec-1",
            "pyspark-pi-karpenter-exec-2",
        ]
        ok(
            http.request(
                "DELETE",
                f"{API}/configmaps",
                params={"labelSelector": executors},
                content=DELETE_OPTIONS,
                headers=json_body,
            )
        )
        assert events([next(lines), next(lines)]) == [
            ("DELETED", "pyspark-pi-karpenter-exec-1"),
            ("DELETED", "pyspark-pi-karpenter-exec-2"),
        ]

    assert [p["metadata"]["name"] for p in cluster.list("Pod", NAMESPACE).items] == [DRIVER]
    assert cluster.list("PersistentVolumeClaim", NAMESPACE).items == []
    assert cluster.list("Service", NAMESPACE).items == []
