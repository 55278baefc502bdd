"""A driver's Spark UI on this machine: a loopback port of its own, recorded on the pod, and the
service-proxy path the UI is reached at.

On Kubernetes every driver pod has an IP of its own and its UI listens on the `spark-ui` container port
(4040). Here every driver shares 127.0.0.1, so before a driver starts the kubelet gives its UI a port of
its own and records it in the pod's ANNOTATION_LOOPBACK_PORTS: the one place the API server's service
proxy reads it from, whichever process runs the kubelet. The port is one the kernel hands out as free
(not 4040, 4041, ...: a scan would give two clusters on this machine starting drivers at once the same
port, and Spark, finding it taken, would quietly move one UI where the proxy does not look), and never
one another live pod of the cluster holds: claims are made under one lock, and a driver that has not
bound its port yet still holds it.

Behind the API server's proxy the UI's links must carry the proxy's path (`spark.ui.proxyBase`): it is
the path of the Service that exposes the UI's container port, the operator's `<app>-ui-svc` before
Spark's headless driver service.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Mapping
from typing import Any

from sparkfleet.api.wire import (
    ANNOTATION_LOOPBACK_PORTS,
    DRIVER_CONTAINER,
    format_loopback_ports,
    parse_loopback_ports,
)
from sparkfleet.cluster import LIVE_PODS, Cluster, NotFound, Obj
from sparkfleet.engine.submission import DEFAULT_UI_PORT, UI_PORT_NAME

__all__ = [
    "claim_ui_port",
    "ui_container_port",
    "ui_port_of",
    "ui_proxy_base",
]

LOOPBACK = "127.0.0.1"
_claims = threading.Lock()


def _meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _driver_container(pod: Mapping[str, Any]) -> Mapping[str, Any]:
    containers = (pod.get("spec") or {}).get("containers") or [{}]
    return next((c for c in containers if c.get("name") == DRIVER_CONTAINER), containers[0])


def ui_container_port(pod: Mapping[str, Any]) -> int:
    """The container port the driver's UI is declared on: its `spark-ui` port, else Spark's 4040."""
    for port in _driver_container(pod).get("ports") or []:
        if port.get("name") == UI_PORT_NAME and isinstance(port.get("containerPort"), int):
            return int(port["containerPort"])
    return DEFAULT_UI_PORT


def _loopback_ports(pod: Mapping[str, Any]) -> dict[int, int]:
    return parse_loopback_ports(str((_meta(pod).get("annotations") or {}).get(ANNOTATION_LOOPBACK_PORTS, "")))


def ui_port_of(pod: Mapping[str, Any]) -> int | None:
    """The loopback port recorded for the pod's UI, or None when none was."""
    return _loopback_ports(pod).get(ui_container_port(pod))


def _kernel_port() -> int:
    """A loopback port nothing listens on, as the kernel picks one for a listener of its own."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def _held(cluster: Cluster, uid: str) -> set[int]:
    """The UI ports of the live pods other than `uid`: a driver that has not bound its port yet still
    holds it."""
    held: set[int] = set()
    for pod in cluster.list("Pod", None, field_selector=LIVE_PODS).items:
        if _meta(pod).get("uid") != uid:
            held.update(_loopback_ports(pod).values())
    return held


def claim_ui_port(cluster: Cluster, pod: Obj) -> Obj:
    """Give the driver pod's UI a loopback port of its own and record it on the pod; the pod as stored after
    (as given when it has been deleted meanwhile)."""
    meta = _meta(pod)
    with _claims:
        held = _held(cluster, str(meta.get("uid")))
        port = next(p for p in iter(_kernel_port, None) if p not in held)
        recorded = format_loopback_ports({**_loopback_ports(pod), ui_container_port(pod): port})
        patch = {"metadata": {"annotations": {ANNOTATION_LOOPBACK_PORTS: recorded}}}
        with contextlib.suppress(NotFound):
            return cluster.patch("Pod", meta.get("namespace"), str(meta.get("name")), patch)
    return pod


def _targets(service_port: Mapping[str, Any], number: int, name: str | None) -> bool:
    target = service_port.get("targetPort", service_port.get("port"))
    return target == number or (name is not None and target == name)


def ui_proxy_base(cluster: Cluster, pod: Mapping[str, Any]) -> str | None:
    """The API server's proxy path of the Service that exposes the pod's UI (`spark.ui.proxyBase`), or
    None when no Service selects the pod on its UI port."""
    meta = _meta(pod)
    namespace, labels = str(meta.get("namespace")), meta.get("labels") or {}
    number = ui_container_port(pod)
    declared = [p for p in _driver_container(pod).get("ports") or [] if p.get("containerPort") == number]
    name = declared[0].get("name") if declared else None
    found: list[tuple[bool, str, int]] = []
    for service in cluster.list("Service", namespace).items:
        spec = service.get("spec") or {}
        selector = spec.get("selector") or {}
        if not selector or any(labels.get(k) != v for k, v in selector.items()):
            continue
        for port in spec.get("ports") or []:
            if _targets(port, number, name) and isinstance(port.get("port"), int):
                headless = spec.get("clusterIP") == "None"
                found.append((headless, str(_meta(service).get("name")), int(port["port"])))
    if not found:
        return None
    _, service_name, service_port = min(found)
    return f"/api/v1/namespaces/{namespace}/services/{service_name}:{service_port}/proxy"
