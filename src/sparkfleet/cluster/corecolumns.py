"""kubectl's columns for the Kubernetes kinds the platform serves, computed as the API server's printers
compute them (kubernetes pkg/printers/internalversion): a node's STATUS from its Ready condition, a
service's external IP by its type, an event's source and ages, and so on. Pods have their own module.

Cells are computed for `-o wide` always, as the API server does; clients drop the priority-1 columns.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sparkfleet.api.wire import (
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_TYPE,
    LABEL_NODE_ROLE,
    LABEL_NODEPOOL,
    LABEL_ZONE,
)
from sparkfleet.cluster.podcolumns import POD_COLUMNS
from sparkfleet.cluster.port import Obj
from sparkfleet.cluster.tablecells import AGE, NAME, Column, ColumnType, age, get, items, or_none
from sparkfleet.cluster.tablecells import string_column as _column

__all__ = ["CORE_COLUMNS"]

_STRING = ColumnType.STRING
_NODE_ROLE_PREFIX = "node-role.kubernetes.io/"
_ACCESS_MODES = (
    ("ReadWriteOnce", "RWO"),
    ("ReadOnlyMany", "ROX"),
    ("ReadWriteMany", "RWX"),
    ("ReadWriteOncePod", "RWOP"),
)


# --- Node ------------------------------------------------------------------------------------------


def _node_status(node: Obj, _: datetime) -> str:
    ready = [c for c in items(get(node, "status", "conditions")) if c.get("type") == "Ready"]
    states = [("Ready" if ready[-1].get("status") == "True" else "NotReady") if ready else "Unknown"]
    if get(node, "spec", "unschedulable"):
        states.append("SchedulingDisabled")
    return ",".join(states)


def _node_roles(node: Obj, _: datetime) -> str:
    roles = set()
    for key, value in (get(node, "metadata", "labels") or {}).items():
        if key.startswith(_NODE_ROLE_PREFIX) and key[len(_NODE_ROLE_PREFIX) :]:
            roles.add(key[len(_NODE_ROLE_PREFIX) :])
        elif key == LABEL_NODE_ROLE and value:
            roles.add(str(value))
    return ",".join(sorted(roles)) or "<none>"


def _node_address(kind: str) -> Callable[[Obj, datetime], str]:
    def read(node: Obj, _: datetime) -> str:
        addresses = items(get(node, "status", "addresses"))
        return next((str(a.get("address")) for a in addresses if a.get("type") == kind), "<none>")

    return read


def _node_info(field: str) -> Callable[[Obj, datetime], str]:
    return lambda node, _: str(get(node, "status", "nodeInfo", field) or "<unknown>")


def _label(key: str) -> Callable[[Obj, datetime], str]:
    return lambda obj, _: or_none((get(obj, "metadata", "labels") or {}).get(key))


_NODE = (
    NAME,
    _column("Status", _node_status, "The status of the node"),
    _column("Roles", _node_roles, "The roles of the node"),
    AGE,
    _column(
        "Version", lambda o, _: str(get(o, "status", "nodeInfo", "kubeletVersion") or ""), "Kubelet Version"
    ),
    _column("Internal-IP", _node_address("InternalIP"), "The node's internal address.", 1),
    _column("External-IP", _node_address("ExternalIP"), "The node's external address.", 1),
    _column("OS-Image", _node_info("osImage"), "OS Image reported by the node.", 1),
    _column("Kernel-Version", _node_info("kernelVersion"), "Kernel Version reported by the node.", 1),
    _column("Container-Runtime", _node_info("containerRuntimeVersion"), "Container runtime version.", 1),
    _column("Instance-Type", _label(LABEL_INSTANCE_TYPE), "The node's EC2 instance type.", 1),
    _column("Capacity-Type", _label(LABEL_CAPACITY_TYPE), "spot or on-demand.", 1),
    _column("Zone", _label(LABEL_ZONE), "The node's availability zone.", 1),
    _column("NodePool", _label(LABEL_NODEPOOL), "The NodePool the node was provisioned from.", 1),
)


# --- Service ---------------------------------------------------------------------------------------


def _service_type(svc: Obj) -> str:
    return str(get(svc, "spec", "type") or "ClusterIP")


def _cluster_ip(svc: Obj, _: datetime) -> str:
    ips = items(get(svc, "spec", "clusterIPs"))
    return str(ips[0]) if ips else or_none(get(svc, "spec", "clusterIP"))


def _external_ip(svc: Obj, _: datetime) -> str:
    kind, external = _service_type(svc), [str(ip) for ip in items(get(svc, "spec", "externalIPs"))]
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) or "<none>"
    if kind == "LoadBalancer":
        ingress = items(get(svc, "status", "loadBalancer", "ingress"))
        balancers = sorted(
            {str(i.get("ip") or i.get("hostname")) for i in ingress if i.get("ip") or i.get("hostname")}
        )
        return ",".join(balancers + external) or "<pending>"
    if kind == "ExternalName":
        return str(get(svc, "spec", "externalName") or "")
    return "<unknown>"


def _ports(svc: Obj, _: datetime) -> str:
    pieces = []
    for port in items(get(svc, "spec", "ports")):
        node_port = f":{port['nodePort']}" if port.get("nodePort") else ""
        pieces.append(f"{port.get('port')}{node_port}/{port.get('protocol') or 'TCP'}")
    return ",".join(pieces) or "<none>"


def _selector(svc: Obj, _: datetime) -> str:
    selector = get(svc, "spec", "selector") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "<none>"


_SERVICE = (
    NAME,
    _column("Type", lambda o, _: _service_type(o), "How the service is exposed."),
    _column("Cluster-IP", _cluster_ip, "The IP address of the service."),
    _column("External-IP", _external_ip, "Addresses the service is reachable at from outside the cluster."),
    _column("Port(s)", _ports, "The ports the service exposes."),
    AGE,
    _column("Selector", _selector, "The labels of the pods the service routes to.", 1),
)


# --- Event -----------------------------------------------------------------------------------------


def _first_seen(event: Obj, now: datetime) -> str:
    return age(event.get("firstTimestamp") or event.get("eventTime"), now)


def _last_seen(event: Obj, now: datetime) -> str:
    series = event.get("series") or {}
    if series:
        return age(series.get("lastObservedTime"), now)
    return age(event["lastTimestamp"], now) if event.get("lastTimestamp") else _first_seen(event, now)


def _count(event: Obj, _: datetime) -> int:
    series = event.get("series") or {}
    return int(series.get("count") or 0) if series else int(event.get("count") or 1)


def _involved(event: Obj, _: datetime) -> str:
    kind, name = str(get(event, "involvedObject", "kind") or "").lower(), get(event, "involvedObject", "name")
    return f"{kind}/{name}" if name else kind


def _source(event: Obj, _: datetime) -> str:
    component = get(event, "source", "component") or event.get("reportingComponent") or ""
    instance = get(event, "source", "host") or event.get("reportingInstance") or ""
    return f"{component}, {instance}" if instance else str(component)


_EVENT = (
    _column(
        "Last Seen", _last_seen, "The time at which the most recent occurrence of this event was recorded."
    ),
    _column("Type", lambda o, _: str(o.get("type") or ""), "Type of this event (Normal, Warning)."),
    _column("Reason", lambda o, _: str(o.get("reason") or ""), "Why the action was taken, machine readable."),
    _column("Object", _involved, "The object that this event is about."),
    _column(
        "Subobject", lambda o, _: str(get(o, "involvedObject", "fieldPath") or ""), "Part of the object.", 1
    ),
    _column("Source", _source, "The component reporting this event.", 1),
    _column("Message", lambda o, _: str(o.get("message") or "").strip(), "A human-readable description."),
    _column("First Seen", _first_seen, "The time at which the event was first recorded.", 1),
    _column("Count", _count, "The number of times this event has occurred.", 1),
    Column("Name", _STRING, NAME.cell, NAME.description, 1, "name"),
)


# --- storage, namespaces, config maps, priority classes ----------------------------------------------


def _access_modes(modes: Any) -> str:
    given = set(items(modes))
    return ",".join(short for mode, short in _ACCESS_MODES if mode in given)


def _phase(obj: Obj, _: datetime) -> str:
    return (
        "Terminating" if get(obj, "metadata", "deletionTimestamp") else str(get(obj, "status", "phase") or "")
    )


def _storage_class(obj: Obj, _: datetime) -> str:
    beta = (get(obj, "metadata", "annotations") or {}).get("volume.beta.kubernetes.io/storage-class")
    return str(beta or get(obj, "spec", "storageClassName") or "")


def _unset(*path: str) -> Callable[[Obj, datetime], str]:
    return lambda obj, _: str(get(obj, *path) or "<unset>")


def _claim_bound(claim: Obj) -> bool:
    return bool(get(claim, "spec", "volumeName"))


_PVC = (
    NAME,
    _column("Status", _phase, "The phase of the claim."),
    _column("Volume", lambda o, _: str(get(o, "spec", "volumeName") or ""), "The volume bound to the claim."),
    _column(
        "Capacity",
        lambda o, _: str(get(o, "status", "capacity", "storage") or "0") if _claim_bound(o) else "",
        "The storage of the bound volume.",
    ),
    _column(
        "Access Modes",
        lambda o, _: _access_modes(get(o, "status", "accessModes")) if _claim_bound(o) else "",
        "The access modes of the bound volume.",
    ),
    _column("StorageClass", _storage_class, "StorageClass of the pvc"),
    _column(
        "VolumeAttributesClass",
        _unset("spec", "volumeAttributesClassName"),
        "VolumeAttributesClass of the pvc",
    ),
    AGE,
    _column("VolumeMode", _unset("spec", "volumeMode"), "Filesystem or Block.", 1),
)


def _claim_ref(volume: Obj, _: datetime) -> str:
    ref = get(volume, "spec", "claimRef")
    return f"{ref.get('namespace', '')}/{ref.get('name', '')}" if isinstance(ref, dict) else ""


_PV = (
    NAME,
    _column(
        "Capacity", lambda o, _: str(get(o, "spec", "capacity", "storage") or "0"), "The volume's storage."
    ),
    _column(
        "Access Modes", lambda o, _: _access_modes(get(o, "spec", "accessModes")), "How it can be mounted."
    ),
    _column(
        "Reclaim Policy",
        lambda o, _: str(get(o, "spec", "persistentVolumeReclaimPolicy") or ""),
        "What happens to the volume when its claim is released.",
    ),
    _column("Status", _phase, "The phase of the volume."),
    _column("Claim", _claim_ref, "The claim bound to the volume."),
    _column("StorageClass", _storage_class, "StorageClass of the pv"),
    _column(
        "VolumeAttributesClass",
        _unset("spec", "volumeAttributesClassName"),
        "VolumeAttributesClass of the pv",
    ),
    _column("Reason", lambda o, _: str(get(o, "status", "reason") or ""), "Why the volume is in its phase."),
    AGE,
    _column("VolumeMode", _unset("spec", "volumeMode"), "Filesystem or Block.", 1),
)

_NAMESPACE = (
    NAME,
    _column("Status", lambda o, _: str(get(o, "status", "phase") or ""), "The status of the namespace"),
    AGE,
)

_CONFIGMAP = (
    NAME,
    _column(
        "Data", lambda o, _: len(o.get("data") or {}) + len(o.get("binaryData") or {}), "Entries in the map."
    ),
    AGE,
)

# As the API server prints them: a Secret's type and its number of keys, an account's secrets.
_SECRET = (
    NAME,
    _column("Type", lambda o, _: str(o.get("type") or ""), "The type of the secret"),
    Column(
        "Data",
        ColumnType.INTEGER,
        lambda o, _: len(o.get("data") or {}),
        "The number of entries stored in the secret",
    ),
    AGE,
)

_SERVICE_ACCOUNT = (
    NAME,
    Column(
        "Secrets",
        ColumnType.INTEGER,
        lambda o, _: len(items(o.get("secrets"))),
        "The number of secrets the service account references",
    ),
    AGE,
)

_PRIORITY_CLASS = (
    NAME,
    Column(
        "Value",
        ColumnType.INTEGER,
        lambda o, _: int(o.get("value") or 0),
        "The priority of pods in this class.",
    ),
    Column(
        "Global-Default",
        ColumnType.BOOLEAN,
        lambda o, _: bool(o.get("globalDefault")),
        "Whether pods without a priority class get this one.",
    ),
    AGE,
    _column(
        "PreemptionPolicy",
        lambda o, _: str(o.get("preemptionPolicy") or "PreemptLowerPriority"),
        "Whether pods of this class may preempt pods of lower priority.",
    ),
)


def _pod_selector(policy: Obj, _: datetime) -> str:
    selector = get(policy, "spec", "podSelector") or {}
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expression in items(selector.get("matchExpressions")):
        values = ",".join(map(str, items(expression.get("values"))))
        operator = str(expression.get("operator") or "")
        key = str(expression.get("key") or "")
        parts.append(
            {"In": f"{key} in ({values})", "NotIn": f"{key} notin ({values})", "Exists": key}.get(
                operator, f"!{key}"
            )
        )
    return ",".join(parts) or "<none>"


_NETWORK_POLICY = (NAME, _column("Pod-Selector", _pod_selector, "The pods the policy applies to."), AGE)

CORE_COLUMNS: dict[str, tuple[Column, ...]] = {
    "Pod": POD_COLUMNS,
    "Node": _NODE,
    "Namespace": _NAMESPACE,
    "ConfigMap": _CONFIGMAP,
    "Secret": _SECRET,
    "ServiceAccount": _SERVICE_ACCOUNT,
    "Service": _SERVICE,
    "Event": _EVENT,
    "PersistentVolumeClaim": _PVC,
    "PersistentVolume": _PV,
    "PriorityClass": _PRIORITY_CLASS,
    "NetworkPolicy": _NETWORK_POLICY,
}
"""Columns by kind, for the kinds Kubernetes itself defines."""
