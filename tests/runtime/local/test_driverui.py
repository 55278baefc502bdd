"""A driver's Spark UI on this machine: a loopback port of its own recorded on the pod, and the
service-proxy path of the Service that exposes it."""

from __future__ import annotations

import json
import socket
from typing import Any

from sparkfleet.api.wire import ANNOTATION_LOOPBACK_PORTS, DRIVER_CONTAINER
from sparkfleet.cluster import Obj
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.engine.submission import DEFAULT_UI_PORT
from sparkfleet.runtime.local.driverui import (
    claim_ui_port,
    ui_container_port,
    ui_port_of,
    ui_proxy_base,
)
from support.objects import pod


def driver(name: str = "pi-driver", ui_port: int | None = 4040) -> Obj:
    made = pod(name, labels={"app": "pi", "spark-role": "driver"})
    container: dict[str, Any] = made["spec"]["containers"][0]
    container["name"] = DRIVER_CONTAINER
    if ui_port is not None:
        container["ports"] = [
            {"name": "driver-rpc-port", "containerPort": 7078},
            {"name": "spark-ui", "containerPort": ui_port},
        ]
    return made


def service(name: str, *, headless: bool = False, port: int = 4040, target: object = 4040) -> Obj:
    spec: Obj = {"selector": {"app": "pi"}, "ports": [{"name": "ui", "port": port, "targetPort": target}]}
    if headless:
        spec["clusterIP"] = "None"
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "default"},
        "spec": spec,
    }


def listenable(port: int) -> bool:
    """Whether a server could listen on the loopback port now."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_the_ui_container_port_is_the_spark_ui_port_else_sparks_default() -> None:
    assert ui_container_port(driver(ui_port=4041)) == 4041
    assert ui_container_port(driver(ui_port=None)) == DEFAULT_UI_PORT


def test_a_claim_records_a_free_loopback_port_for_the_ui_container_port(store: EmbeddedCluster) -> None:
    claimed = claim_ui_port(store, store.create(driver(ui_port=4041)))
    recorded = json.loads(claimed["metadata"]["annotations"][ANNOTATION_LOOPBACK_PORTS])
    assert list(recorded) == ["4041"]
    assert ui_port_of(claimed) == recorded["4041"]
    assert listenable(recorded["4041"]), "nothing listens there: the driver's UI can"
    stored = store.get("Pod", "default", "pi-driver")
    assert stored["metadata"]["annotations"] == claimed["metadata"]["annotations"]


def test_drivers_claimed_one_after_another_get_ports_of_their_own(store: EmbeddedCluster) -> None:
    ports = {ui_port_of(claim_ui_port(store, store.create(driver(f"d{i}-driver")))) for i in range(20)}
    assert len(ports) == 20 and None not in ports


def test_claiming_again_for_the_same_pod_replaces_its_record(store: EmbeddedCluster) -> None:
    again = claim_ui_port(store, claim_ui_port(store, store.create(driver())))
    assert list(json.loads(again["metadata"]["annotations"][ANNOTATION_LOOPBACK_PORTS])) == ["4040"]


def test_a_pod_deleted_meanwhile_is_given_back_as_it_was(store: EmbeddedCluster) -> None:
    stored = store.create(driver())
    store.delete("Pod", "default", "pi-driver")
    assert claim_ui_port(store, stored) == stored


def test_an_unreadable_record_is_no_port() -> None:
    made = driver()
    made["metadata"]["annotations"] = {ANNOTATION_LOOPBACK_PORTS: "not json"}
    assert ui_port_of(made) is None


def test_the_proxy_base_is_the_ui_service_before_the_headless_driver_service(store: EmbeddedCluster) -> None:
    store.create(service("pi-abc-driver-svc", headless=True))
    store.create(service("pi-ui-svc", port=80, target="spark-ui"))
    assert ui_proxy_base(store, driver()) == "/api/v1/namespaces/default/services/pi-ui-svc:80/proxy"


def test_the_headless_driver_service_serves_when_it_is_the_only_one(store: EmbeddedCluster) -> None:
    store.create(service("pi-abc-driver-svc", headless=True))
    assert (
        ui_proxy_base(store, driver()) == "/api/v1/namespaces/default/services/pi-abc-driver-svc:4040/proxy"
    )


def test_no_service_on_the_ui_port_is_no_proxy_base(store: EmbeddedCluster) -> None:
    store.create(service("pi-rpc", target=7078))
    other = service("other-ui")
    other["spec"]["selector"] = {"app": "other"}
    store.create(other)
    assert ui_proxy_base(store, driver()) is None
