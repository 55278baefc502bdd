"""A stored pod (a plain dict) as the `Pod` model, keeping only what the lifecycle engine reads.

Pods come from kubelets and API servers newer than our models; a strict parse of the whole object would
fail on the first field we do not model. The engine needs metadata, the phase, conditions and container
states, so only those are carried over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sparkfleet.api.pod import Pod, PodPhase

_META = ("name", "namespace", "uid", "labels", "annotations", "creationTimestamp", "deletionTimestamp")
_OWNER = ("apiVersion", "kind", "name", "uid", "controller", "blockOwnerDeletion")
_CONDITION = ("type", "status", "reason", "message", "lastTransitionTime")
_TERMINATED = ("exitCode", "signal", "reason", "message", "startedAt", "finishedAt")
_PHASES = {phase.value for phase in PodPhase}


def _pick(data: Any, keys: Iterable[str]) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        return {}
    return {key: data[key] for key in keys if data.get(key) is not None}


def _state(data: Any) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        return {}
    state: dict[str, Any] = {}
    if isinstance(data.get("waiting"), Mapping):
        state["waiting"] = _pick(data["waiting"], ("reason", "message"))
    if isinstance(data.get("running"), Mapping):
        state["running"] = _pick(data["running"], ("startedAt",))
    terminated = data.get("terminated")
    if isinstance(terminated, Mapping) and isinstance(terminated.get("exitCode"), int):
        state["terminated"] = _pick(terminated, _TERMINATED)
    return state


def _container_status(data: Any) -> dict[str, Any] | None:
    if not isinstance(data, Mapping) or not isinstance(data.get("name"), str):
        return None
    status = _pick(data, ("name", "ready", "restartCount"))
    if data.get("state") is not None:
        status["state"] = _state(data["state"])
    return status


def pod_from_obj(obj: Mapping[str, Any]) -> Pod:
    """The engine's view of a stored pod."""
    meta = _pick(obj.get("metadata"), _META)
    owners = (obj.get("metadata") or {}).get("ownerReferences") or []
    meta["ownerReferences"] = [_pick(owner, _OWNER) for owner in owners if isinstance(owner, Mapping)]
    spec_in = obj.get("spec") or {}
    names = [c.get("name") for c in spec_in.get("containers") or [] if isinstance(c, Mapping)]
    spec: dict[str, Any] = {
        "containers": [{"name": n} for n in names if isinstance(n, str)] or [{"name": "main"}]
    }
    spec.update(_pick(spec_in, ("nodeName", "schedulerName")))
    status_in = obj.get("status") or {}
    status = _pick(status_in, ("reason", "message", "startTime"))
    if status_in.get("phase") in _PHASES:
        status["phase"] = status_in["phase"]
    status["conditions"] = [
        _pick(c, _CONDITION)
        for c in status_in.get("conditions") or []
        if isinstance(c, Mapping) and "type" in c and "status" in c
    ]
    statuses = (_container_status(c) for c in status_in.get("containerStatuses") or [])
    status["containerStatuses"] = [s for s in statuses if s is not None]
    return Pod.model_validate({"metadata": meta, "spec": spec, "status": status})
