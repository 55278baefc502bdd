"""What a simulated region remembers, and the file it is kept in so that it outlives the control plane.

A real EC2 region goes on while the programs that drive it restart: instances stay up, a client token
still names its launch, a spot notice still runs out. The simulator keeps the same facts in one JSON file
in the cluster home, replaced atomically (0600) after every call that changed them, before the call
returns: a launch the caller saw is never forgotten, and a launch that was not written was never seen.

The file holds every instance (terminated ones too, as `describe` shows them), the launches by client
token, the steps still due (boots, interruption notices, reclaims), the events not yet polled, the
counters that make ids, and the scenario the region was started with. A region reopened under another
scenario keeps its instances, launches, boots and reclaims; the new scenario's interruptions start over
from the moment it is reopened.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sparkfleet.api.instancetypes import OfferingKey
from sparkfleet.api.wire import CapacityType
from sparkfleet.cloud.port import (
    CloudError,
    CloudEvent,
    CloudEventKind,
    Instance,
    InstanceState,
    LaunchFailure,
    LaunchRequest,
)
from sparkfleet.privatefiles import write_private

__all__ = ["STATE_VERSION", "Due", "Launched", "RegionState", "Step", "load_state", "save_state"]

STATE_VERSION = 1


class Step(Enum):
    RUN = "run"  # a pending instance finished booting
    INTERRUPT = "interrupt"  # an `at` interruption fires: pick the victims now
    WARN = "warn"  # one instance gets its two-minute notice
    RECLAIM = "reclaim"  # the notice ran out


@dataclass(frozen=True, order=True)
class Due:
    time: datetime
    seq: int
    step: Step = Step.RUN
    instanceId: str = ""
    spec: int = -1


@dataclass(frozen=True)
class Launched:
    request: LaunchRequest
    instanceId: str
    errors: tuple[LaunchFailure, ...]


@dataclass
class RegionState:
    """Everything a simulated region must remember across a restart."""

    started: datetime
    scenario: dict[str, Any]
    """The scenario as JSON, to tell whether the region is reopened under the same one."""
    instances: dict[str, Instance] = field(default_factory=dict)
    by_token: dict[str, Launched] = field(default_factory=dict)
    warned: set[str] = field(default_factory=set)
    hits_left: list[int | None] = field(default_factory=list)
    events: list[CloudEvent] = field(default_factory=list)
    due: list[Due] = field(default_factory=list)
    seq: int = 0
    launches: int = 0


def save_state(path: Path, state: RegionState) -> None:
    body = {
        "version": STATE_VERSION,
        "started": state.started.isoformat(),
        "scenario": state.scenario,
        "instances": [_instance(i) for i in state.instances.values()],
        "launches": {token: _launched(entry) for token, entry in state.by_token.items()},
        "warned": sorted(state.warned),
        "hitsLeft": state.hits_left,
        "events": [_event(e) for e in state.events],
        "due": [_due(d) for d in sorted(state.due)],
        "seq": state.seq,
        "launchCount": state.launches,
    }
    write_private(path, json.dumps(body, separators=(",", ":")))


def load_state(path: Path) -> RegionState | None:
    """The region kept in `path`, or None when there is no such file; CloudError when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CloudError(f"{path}: cannot read the simulated region: {exc}") from exc
    try:
        body = json.loads(text)
        if body.get("version") != STATE_VERSION:
            raise ValueError(f"version {body.get('version')!r}, this program reads {STATE_VERSION}")
        return RegionState(
            started=datetime.fromisoformat(body["started"]),
            scenario=dict(body["scenario"]),
            instances={i.instance_id: i for i in map(_read_instance, body["instances"])},
            by_token={t: _read_launched(e) for t, e in body["launches"].items()},
            warned=set(body["warned"]),
            hits_left=[None if h is None else int(h) for h in body["hitsLeft"]],
            events=[_read_event(e) for e in body["events"]],
            due=[_read_due(d) for d in body["due"]],
            seq=int(body["seq"]),
            launches=int(body["launchCount"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CloudError(
            f"{path}: the simulated region's state does not parse ({type(exc).__name__}: {exc}); "
            "move the file away to start an empty region (the instances it held are then forgotten)"
        ) from exc


# -- JSON forms ---------------------------------------------------------------------------------------
def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _read_time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def _instance(i: Instance) -> dict[str, Any]:
    return {
        "instanceId": i.instance_id,
        "instanceType": i.instance_type,
        "zone": i.zone,
        "capacityType": i.capacity_type.value,
        "price": i.price,
        "launchTime": _time(i.launch_time),
        "state": i.state.value,
        "nodeClaimName": i.node_claim_name,
        "clientToken": i.client_token,
        "tags": dict(i.tags),
        "stateReason": i.state_reason,
    }


def _read_instance(d: Mapping[str, Any]) -> Instance:
    launched = _read_time(d["launchTime"])
    if launched is None:
        raise ValueError(f"instance {d['instanceId']} has no launchTime")
    return Instance(
        instance_id=str(d["instanceId"]),
        instance_type=str(d["instanceType"]),
        zone=str(d["zone"]),
        capacity_type=CapacityType(d["capacityType"]),
        price=float(d["price"]),
        launch_time=launched,
        state=InstanceState(d["state"]),
        node_claim_name=str(d["nodeClaimName"]),
        client_token=str(d["clientToken"]),
        tags=MappingProxyType({str(k): str(v) for k, v in d["tags"].items()}),
        state_reason=str(d["stateReason"]),
    )


def _offering(key: OfferingKey) -> list[str]:
    return [key.instanceType, key.zone, key.capacityType.value]


def _failure(f: LaunchFailure) -> dict[str, Any]:
    return {
        "instanceType": f.instance_type,
        "zone": f.zone,
        "capacityType": f.capacity_type.value,
        "code": f.code,
        "message": f.message,
    }


def _read_failure(d: Mapping[str, Any]) -> LaunchFailure:
    return LaunchFailure(
        str(d["instanceType"]),
        str(d["zone"]),
        CapacityType(d["capacityType"]),
        str(d["code"]),
        str(d["message"]),
    )


def _launched(entry: Launched) -> dict[str, Any]:
    r = entry.request
    request = {
        "clientToken": r.client_token,
        "nodeClaimName": r.node_claim_name,
        "instanceTypes": list(r.instance_types),
        "capacityTypes": [c.value for c in r.capacity_types],
        "zones": list(r.zones),
        "tags": dict(r.tags),
        "excludedOfferings": sorted(_offering(k) for k in r.excluded_offerings),
    }
    return {"request": request, "instanceId": entry.instanceId, "errors": [_failure(f) for f in entry.errors]}


def _read_launched(d: Mapping[str, Any]) -> Launched:
    r = d["request"]
    request = LaunchRequest(
        client_token=str(r["clientToken"]),
        node_claim_name=str(r["nodeClaimName"]),
        instance_types=tuple(str(t) for t in r["instanceTypes"]),
        capacity_types=tuple(CapacityType(c) for c in r["capacityTypes"]),
        zones=tuple(str(z) for z in r["zones"]),
        tags={str(k): str(v) for k, v in r["tags"].items()},
        excluded_offerings=frozenset(
            OfferingKey(str(t), str(z), CapacityType(c)) for t, z, c in r["excludedOfferings"]
        ),
    )
    return Launched(request, str(d["instanceId"]), tuple(_read_failure(f) for f in d["errors"]))


def _event(e: CloudEvent) -> dict[str, Any]:
    return {
        "kind": e.kind.value,
        "time": _time(e.time),
        "instanceType": e.instance_type,
        "zone": e.zone,
        "capacityType": e.capacity_type.value,
        "nodeClaimName": e.node_claim_name,
        "instanceId": e.instance_id,
        "state": e.state.value if e.state is not None else None,
        "previousState": e.previous_state.value if e.previous_state is not None else None,
        "reason": e.reason,
        "deadline": _time(e.deadline),
    }


def _read_event(d: Mapping[str, Any]) -> CloudEvent:
    when = _read_time(d["time"])
    if when is None:
        raise ValueError("an event has no time")
    return CloudEvent(
        CloudEventKind(d["kind"]),
        when,
        str(d["instanceType"]),
        str(d["zone"]),
        CapacityType(d["capacityType"]),
        str(d["nodeClaimName"]),
        instance_id=d["instanceId"],
        state=InstanceState(d["state"]) if d["state"] is not None else None,
        previous_state=InstanceState(d["previousState"]) if d["previousState"] is not None else None,
        reason=str(d["reason"]),
        deadline=_read_time(d["deadline"]),
    )


def _due(d: Due) -> dict[str, Any]:
    return {
        "time": _time(d.time),
        "seq": d.seq,
        "step": d.step.value,
        "instanceId": d.instanceId,
        "spec": d.spec,
    }


def _read_due(d: Mapping[str, Any]) -> Due:
    when = _read_time(d["time"])
    if when is None:
        raise ValueError("a due step has no time")
    return Due(when, int(d["seq"]), Step(d["step"]), str(d["instanceId"]), int(d["spec"]))
