"""The SparkConnect controller over the embedded store: the server's objects, its status, its Events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster import NotFound
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.events import events_for
from sparkfleet.controllers import SparkConnectReconciler
from sparkfleet.reconcile import Controller
from support.objects import spark_connect

NAME, NS = "spark-connect", "default"


class Harness:
    def __init__(self, store: EmbeddedCluster, clock: VirtualClock) -> None:
        self.store = store
        self.controller = Controller(SparkConnectReconciler(store, clock), store, clock)

    def settle(self) -> None:
        self.controller.enqueue_all()
        self.controller.run_until_idle()

    def status(self) -> dict[str, Any]:
        found: dict[str, Any] = self.store.get("SparkConnect", NS, NAME).get("status") or {}
        return found

    def reasons(self) -> list[str]:
        return [e["reason"] for e in events_for(self.store, "SparkConnect", NS, NAME)]

    def run_server(self, ip: str, ready: bool) -> None:
        """What the kubelet reports for the server pod: Running at `ip`, Ready or not."""
        pod = self.store.get("Pod", NS, f"{NAME}-server")
        conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
        self.store.update_status(
            {**pod, "status": {"phase": "Running", "podIP": ip, "conditions": conditions}}
        )


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    clock = VirtualClock(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
    store = EmbeddedCluster(tmp_path / "store.db", clock)
    yield Harness(store, clock)
    store.close()


def test_a_new_connect_gets_its_executor_template_server_pod_and_service(harness: Harness) -> None:
    harness.store.create(spark_connect())
    harness.settle()
    assert harness.store.get("ConfigMap", NS, f"{NAME}-conf")["data"]
    pod = harness.store.get("Pod", NS, f"{NAME}-server")
    assert pod["metadata"]["labels"]["spark-role"] == "connect-server"
    assert (
        harness.store.get("Service", NS, f"{NAME}-server")["spec"]["selector"]["spark-role"]
        == "connect-server"
    )
    status = harness.status()
    assert status["state"] == "NotReady"
    assert status["server"] == {"podName": f"{NAME}-server", "serviceName": f"{NAME}-server"}
    assert status["startTime"] and status["lastUpdateTime"]
    [dropped] = [
        e
        for e in events_for(harness.store, "SparkConnect", NS, NAME)
        if e["reason"] == "TemplateFieldsDropped"
    ]
    assert "spec.server.template.spec.securityContext.capabilities" in dropped["message"]
    assert dropped["type"] == "Warning"


def test_the_connect_is_ready_with_its_address_once_its_server_pod_is(harness: Harness) -> None:
    harness.store.create(spark_connect())
    harness.settle()
    harness.run_server("127.0.9.9", ready=False)
    harness.settle()
    assert harness.status()["state"] == "NotReady"
    harness.run_server("127.0.9.9", ready=True)
    harness.settle()
    status = harness.status()
    assert status["state"] == "Ready" and status["server"]["podIp"] == "127.0.9.9"
    assert (
        status["conditions"][-1]["type"] == "ServerPodReady" and status["conditions"][-1]["status"] == "True"
    )
    [ready] = [
        e for e in events_for(harness.store, "SparkConnect", NS, NAME) if e["reason"] == "SparkConnectReady"
    ]
    assert ready["message"] == f"Server pod {NAME}-server is ready at sc://127.0.9.9:15002"
    harness.run_server("127.0.9.9", ready=False)
    harness.settle()
    assert harness.status()["state"] == "NotReady" and "SparkConnectNotReady" in harness.reasons()


def test_an_existing_server_pod_is_left_as_it_is(harness: Harness) -> None:
    harness.store.create(spark_connect())
    harness.settle()
    before = harness.store.get("Pod", NS, f"{NAME}-server")
    connect = harness.store.get("SparkConnect", NS, NAME)
    connect["spec"]["sparkConf"] = {"spark.sql.shuffle.partitions": "4"}
    harness.store.update(connect)
    harness.settle()
    assert harness.store.get("Pod", NS, f"{NAME}-server")["metadata"]["uid"] == before["metadata"]["uid"]


def test_without_an_image_the_connect_fails_with_an_event_naming_the_field(harness: Harness) -> None:
    harness.store.create(spark_connect(server={}, executor={"instances": 1}))
    harness.settle()
    assert harness.status()["state"] == "Failed"
    with pytest.raises(NotFound):
        harness.store.get("Pod", NS, f"{NAME}-server")
    [failed] = [
        e for e in events_for(harness.store, "SparkConnect", NS, NAME) if e["reason"] == "SparkConnectFailed"
    ]
    assert "spec.image" in failed["message"]


def test_deleting_the_connect_deletes_its_server_service_and_template(harness: Harness) -> None:
    harness.store.create(spark_connect())
    harness.settle()
    harness.store.delete("SparkConnect", NS, NAME)
    for kind, name in (
        ("Pod", f"{NAME}-server"),
        ("Service", f"{NAME}-server"),
        ("ConfigMap", f"{NAME}-conf"),
    ):
        with pytest.raises(NotFound):
            harness.store.get(kind, NS, name)
