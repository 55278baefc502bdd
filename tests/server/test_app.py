"""The app around the API: /version, /metrics, probes, logs through the runtime's hook, internal errors."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.errors import NotFound
from sparkfleet.server import RequestLimits, create_app, start_server
from support.objects import configmap, pod

from .builders import AUTH, PODS, TOKEN, TestClient


def test_version_is_kubernetes_shaped(client: TestClient) -> None:
    body = client.get("/version").json()
    assert (body["major"], body["minor"]) == ("1", "31")
    assert body["gitVersion"].startswith("v1.31.0+sparkfleet-")


def test_metrics_expose_the_given_registry(client: TestClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "sparkfleet_test_jobs_total 3.0" in response.text


def test_metrics_without_a_registry_are_not_found(cluster: EmbeddedCluster) -> None:
    with TestClient(create_app(cluster, TOKEN), headers=AUTH) as client:
        assert client.get("/metrics").status_code == 404


def test_without_a_token_the_api_is_open(cluster: EmbeddedCluster) -> None:
    with TestClient(create_app(cluster, None)) as client:
        assert client.get(PODS).status_code == 200


def test_readyz_fails_when_the_store_is_gone(cluster: EmbeddedCluster, anonymous: TestClient) -> None:
    cluster.close()
    response = anonymous.get("/readyz")
    assert response.status_code == 503
    assert "readyz check failed" in response.text


def test_a_write_the_full_store_refuses_is_a_507_status_and_readyz_fails_until_writes_succeed(
    tmp_path: Path, clock: VirtualClock
) -> None:
    """The store's size limit refuses pages as a full disk does (SQLITE_FULL)."""
    configmaps = "/api/v1/namespaces/default/configmaps"
    path = tmp_path / "full" / "store.db"
    with (
        EmbeddedCluster(path, clock, max_size=256 * 1024, history_limit=10) as store,
        TestClient(create_app(store, TOKEN), headers=AUTH) as client,
    ):
        assert client.get("/readyz").text == "ok"
        created: list[str] = []
        while (
            answer := client.post(configmaps, json=configmap(f"cm-{len(created)}", x="y" * 3000))
        ).is_success:
            created.append(answer.json()["metadata"]["name"])
        status = answer.json()
        assert (answer.status_code, status["kind"], status["reason"], status["code"]) == (
            507,
            "Status",
            "StorageError",
            507,
        )
        assert f"the cluster store {path} cannot take writes: database or disk is full" in status["message"]
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.text.startswith(f"readyz check failed: the cluster store {path} cannot take writes")
        assert client.get("/livez").status_code == 200, "the server itself is alive"
        assert client.get(configmaps).status_code == 200, "reads go on"
        for name in created[::2]:
            assert client.delete(f"{configmaps}/{name}").status_code == 200
        assert client.get("/readyz").text == "ok", "space freed: the probe write succeeds"
    with EmbeddedCluster(path, clock) as reopened:
        kept = sorted(o["metadata"]["name"] for o in reopened.list("ConfigMap").items)
    assert kept == sorted(created[1::2]), "what was acknowledged and not deleted, nothing refused"


def test_an_internal_failure_is_a_500_status(cluster: EmbeddedCluster, client: TestClient) -> None:
    cluster.close()
    response = client.get(PODS)
    assert response.status_code == 500
    assert response.json()["kind"] == "Status"


class FakeRuntimeLogs:
    """Logs as a runtime would serve them; records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[Any, ...]] = []

    def __call__(
        self, namespace: str, pod_name: str, container: str, follow: bool, tail: int | None
    ) -> Iterator[bytes]:
        self.asked.append((namespace, pod_name, container, follow, tail))
        if pod_name == "unstarted":
            raise NotFound(
                f'container "{container}" in pod "{pod_name}" is waiting to start', kind="pods", name=pod_name
            )
        return iter([b"Pi is roughly ", b"3.14\n"])


@pytest.fixture
def logs() -> FakeRuntimeLogs:
    return FakeRuntimeLogs()


@pytest.fixture
def with_logs(cluster: EmbeddedCluster, logs: FakeRuntimeLogs) -> Iterator[TestClient]:
    app = create_app(cluster, TOKEN, log_reader=logs, registry=CollectorRegistry())
    with TestClient(app, headers=AUTH) as client:
        yield client


def test_logs_come_from_the_runtime_hook(
    with_logs: TestClient, cluster: EmbeddedCluster, logs: FakeRuntimeLogs
) -> None:
    cluster.create(pod("driver", containers=[{"name": "spark-kubernetes-driver", "image": "spark"}]))
    response = with_logs.get(f"{PODS}/driver/log", params={"follow": "true", "tailLines": "10"})
    assert response.status_code == 200
    assert response.text == "Pi is roughly 3.14\n"
    assert logs.asked == [("default", "driver", "spark-kubernetes-driver", True, 10)]


def test_logs_of_a_pod_with_several_containers_need_a_container_name(
    with_logs: TestClient, cluster: EmbeddedCluster, logs: FakeRuntimeLogs
) -> None:
    cluster.create(pod("p", containers=[{"name": "a", "image": "x"}, {"name": "b", "image": "x"}]))
    response = with_logs.get(f"{PODS}/p/log")
    assert response.status_code == 400
    assert "choose one of: [a b]" in response.json()["message"]
    assert with_logs.get(f"{PODS}/p/log", params={"container": "c"}).status_code == 400
    assert with_logs.get(f"{PODS}/p/log", params={"container": "b"}).text.startswith("Pi")
    assert logs.asked == [("default", "p", "b", False, None)]


def test_a_log_the_runtime_cannot_read_is_its_status(with_logs: TestClient, cluster: EmbeddedCluster) -> None:
    cluster.create(pod("unstarted"))
    response = with_logs.get(f"{PODS}/unstarted/log")
    assert response.status_code == 404
    assert "waiting to start" in response.json()["message"]


# --- bounded requests ------------------------------------------------------------------------------

BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_a_body_over_3_mib_is_413_by_its_content_length(client: TestClient, cluster: EmbeddedCluster) -> None:
    big = pod("big") | {"metadata": {"name": "big", "annotations": {"a": "x" * (3 * 1024 * 1024)}}}
    response = client.post(PODS, json=big)
    assert response.status_code == 413
    status = response.json()
    assert (status["kind"], status["reason"], status["code"]) == ("Status", "RequestEntityTooLarge", 413)
    assert status["message"] == "Request entity too large: limit is 3145728"
    assert response.headers["connection"] == "close"
    assert cluster.list("Pod").items == []


def test_a_streamed_body_is_refused_once_it_passes_the_limit_never_read_whole(
    cluster: EmbeddedCluster,
) -> None:
    app = create_app(cluster, TOKEN, limits=RequestLimits(max_body_bytes=1000))
    head = (
        f"POST {PODS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    with start_server(app, TOKEN) as server, socket.create_connection((server.host, server.port), 5) as sock:
        # 2 KB of a body that never ends (no last chunk): only a server that stops reading answers. Sent
        # in one piece, so the server has read all of it when it closes and the close carries no reset.
        sock.sendall(head.encode() + (b"400\r\n" + b" " * 1024 + b"\r\n") * 2)
        answer = sock.makefile("rb").read()  # until the server closes the connection
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"Request entity too large: limit is 1000" in answer


def test_a_yaml_bomb_is_400_naming_the_aliases(client: TestClient, cluster: EmbeddedCluster) -> None:
    body = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n" + "".join(
        f"  {line}" for line in BOMB.splitlines(keepends=True)
    )
    response = client.post(
        "/api/v1/namespaces/default/configmaps", content=body, headers={"Content-Type": "application/yaml"}
    )
    assert response.status_code == 400
    assert response.json()["reason"] == "BadRequest"
    assert "the document's aliases expand it to" in response.json()["message"]
    assert cluster.list("ConfigMap").items == []


@pytest.mark.parametrize("media", ["application/json", "application/yaml"])
def test_deeply_nested_bodies_are_400_never_a_500(client: TestClient, media: str) -> None:
    body = '{"kind": "Pod", "spec": ' + "[" * 10_000 + "]" * 10_000 + "}"
    response = client.post(PODS, content=body, headers={"Content-Type": media})
    assert response.status_code == 400
    assert "nested more than 100 levels deep" in response.json()["message"]


def test_a_patch_nested_too_deeply_is_400(client: TestClient, cluster: EmbeddedCluster) -> None:
    cluster.create(pod("p"))
    patch = '{"metadata": {"labels": ' + '{"a": ' * 200 + "1" + "}" * 200 + "}}"
    response = client.patch(
        f"{PODS}/p", content=patch, headers={"Content-Type": "application/merge-patch+json"}
    )
    assert response.status_code == 400
    assert "nested more than 100 levels deep" in response.json()["message"]


def test_a_body_that_is_not_utf8_is_400(client: TestClient) -> None:
    response = client.post(PODS, content=b'{"kind": "P\xffd"}', headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "not UTF-8 text: byte 0xff" in response.json()["message"]


@pytest.mark.parametrize("params", [{"watch": "1"}, {}])
def test_a_resource_version_beyond_int64_is_400(client: TestClient, params: dict[str, str]) -> None:
    response = client.get(PODS, params={**params, "resourceVersion": str(2**63)})
    assert response.status_code == 400
    status = response.json()
    assert status["reason"] == "BadRequest"
    assert status["message"] == (f'invalid resourceVersion "{2**63}": must be between 0 and {2**63 - 1}')
    assert client.get(PODS, params={**params, "resourceVersion": "x"}).status_code == 400
