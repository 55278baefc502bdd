"""The app around the API: /version, /metrics, probes, logs through the runtime's hook, internal errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.errors import NotFound
from sparkfleet.server import create_app
from support.objects import pod

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
    assert response.status_code == 500
    assert "readyz check failed" in response.text


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
