"""What the Kubernetes API server sets on an object it creates, before anyone else sees it.

A new pod's status is always `Pending` with its QoS class (whatever the client sent: status is the
kubelet's), a new claim is `Pending`, a new namespace `Active`. Clients depend on it: Spark reads every
executor pod's `status.phase` from the moment the pod exists, and kubectl's STATUS column shows it.

The API server replaces what a client sent (`initial_status`); the embedded store fills in only what a
create leaves out (`missing_status`), so that in-process writers, which own the status they write (the
kubelet's stand-ins in tests, the runtime), keep it.

`bound_pod` is a pod as the binding subresource leaves it (also what an informer assumes after a bind).

`stored_form` is what the API server does to every written object of a kind before storing it, on
create, update and patch alike: a Secret's `stringData` merged into `data`, its type defaulted.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from sparkfleet.api.quantity import parse_quantity
from sparkfleet.api.secret import merged_string_data
from sparkfleet.api.wire import CONDITION_POD_SCHEDULED
from sparkfleet.cluster.kinds import KindInfo

__all__ = ["bound_pod", "initial_status", "missing_status", "qos_class", "stored_form"]

Obj = dict[str, Any]
_QOS_RESOURCES = ("cpu", "memory")


def _amounts(values: object) -> dict[str, Fraction]:
    if not isinstance(values, dict):
        return {}
    amounts: dict[str, Fraction] = {}
    for name in _QOS_RESOURCES:
        if name in values:
            try:
                amounts[name] = parse_quantity(values[name])
            except (TypeError, ValueError):
                continue  # validation reports the bad quantity; QoS just skips it
    return amounts


def qos_class(pod: Obj) -> str:
    """Guaranteed, Burstable or BestEffort, by Kubernetes' rules over cpu and memory."""
    spec = pod.get("spec") or {}
    containers = [
        c for c in (spec.get("containers") or []) + (spec.get("initContainers") or []) if isinstance(c, dict)
    ]
    any_set = False
    guaranteed = bool(containers)
    for container in containers:
        resources = container.get("resources") or {}
        limits = _amounts(resources.get("limits"))
        # Requests default to limits when only limits are given.
        requests = {**limits, **_amounts(resources.get("requests"))}
        any_set = any_set or bool(requests) or bool(limits)
        if any(limits.get(name) is None or limits[name] != requests.get(name) for name in _QOS_RESOURCES):
            guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def initial_status(info: KindInfo, obj: Obj) -> Obj:
    """`obj` with the status the API server gives a new object of its kind (unchanged for other kinds)."""
    if info.kind == "Pod":
        return {**obj, "status": {"phase": "Pending", "qosClass": qos_class(obj)}}
    if info.kind == "PersistentVolumeClaim":
        return {**obj, "status": {"phase": "Pending"}}
    if info.kind == "Namespace" and not (obj.get("status") or {}).get("phase"):
        return {**obj, "status": {"phase": "Active"}}
    return obj


def missing_status(info: KindInfo, obj: Obj) -> Obj:
    """`obj` with the initial status of its kind when it was created without a phase."""
    if (obj.get("status") or {}).get("phase"):
        return obj
    return initial_status(info, obj)


def stored_form(info: KindInfo, obj: Obj) -> Obj:
    """`obj` as the API server stores a written object of its kind (unchanged for most kinds)."""
    if info.kind == "Secret":
        return merged_string_data(obj)
    return obj


def bound_pod(current: Obj, node_name: str, now: str) -> Obj:
    """`bind`: spec.nodeName and a true PodScheduled condition, as the binding subresource does."""
    spec = dict(current.get("spec") or {})
    spec["nodeName"] = node_name
    status = dict(current.get("status") or {})
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != CONDITION_POD_SCHEDULED]
    conditions.append(
        {"type": CONDITION_POD_SCHEDULED, "status": "True", "lastProbeTime": None, "lastTransitionTime": now}
    )
    status["conditions"] = conditions
    return {**current, "spec": spec, "status": status}
