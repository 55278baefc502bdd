"""One CreateFleet request of type `instant` for one instance, and what its answer says.

A request is for one capacity type: spot with `price-capacity-optimized`, on-demand with `lowest-price`
(Karpenter's strategies). It has one launch template config per AMI architecture, each with one override
per candidate instance type x zone (the zone's subnet). Overrides are listed cheapest first by the
adapter's prices, and configs by their cheapest override, so the fleet's first choice is the cheapest.
The answer's `Errors` name the overrides EC2 could not launch; capacity codes become LaunchFailures
(the offering is cached as unavailable), any other code fails the launch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sparkfleet.api.instancetypes import OfferingKey
from sparkfleet.api.wire import CapacityType
from sparkfleet.cloud.port import LaunchFailure

CAPACITY_ERROR_CODES = frozenset(
    {
        "InsufficientInstanceCapacity",
        "UnfulfillableCapacity",
        "MaxSpotInstanceCountExceeded",
        "VcpuLimitExceeded",
        "InsufficientFreeAddressesInSubnet",
        "ReservationCapacityExceeded",
        "Unsupported",
    }
)
"""Codes that mean "not this offering now" (Karpenter's unfulfillable-capacity codes)."""
STRATEGY = {CapacityType.SPOT: "price-capacity-optimized", CapacityType.ON_DEMAND: "lowest-price"}


@dataclass(frozen=True)
class Override:
    offering: OfferingKey
    subnet_id: str
    template: str  # launch template name
    price: float


@dataclass(frozen=True)
class FleetAnswer:
    instance_id: str | None
    offering: OfferingKey | None
    failures: tuple[LaunchFailure, ...]
    other_errors: tuple[tuple[str, str], ...]  # (code, message) of errors that are not capacity


def fleet_token(client_token: str, capacity_type: CapacityType, attempt: int, fingerprint: str) -> str:
    """EC2's ClientToken for one fleet request: the same for a retried call, new for a new attempt."""
    text = f"{client_token}/{capacity_type}/{attempt}/{fingerprint}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fleet_request(
    overrides: Sequence[Override],
    capacity_type: CapacityType,
    tags: Mapping[str, str],
    token: str,
    context: str | None = None,
) -> dict[str, Any]:
    """CreateFleet's parameters for one instance over `overrides` (already in preference order)."""
    configs: dict[str, list[dict[str, Any]]] = {}
    for override in overrides:
        configs.setdefault(override.template, []).append(
            {
                "InstanceType": override.offering.instanceType,
                "SubnetId": override.subnet_id,
                "AvailabilityZone": override.offering.zone,
            }
        )
    tag_list = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
    params: dict[str, Any] = {
        "Type": "instant",
        "ClientToken": token,
        "LaunchTemplateConfigs": [
            {
                "LaunchTemplateSpecification": {"LaunchTemplateName": name, "Version": "$Latest"},
                "Overrides": entries,
            }
            for name, entries in configs.items()
        ],
        "TargetCapacitySpecification": {
            "TotalTargetCapacity": 1,
            "DefaultTargetCapacityType": str(capacity_type),
        },
        "TagSpecifications": [
            {"ResourceType": "instance", "Tags": tag_list},
            {"ResourceType": "volume", "Tags": tag_list},
        ],
    }
    if capacity_type is CapacityType.SPOT:
        params["SpotOptions"] = {"AllocationStrategy": STRATEGY[capacity_type]}
    else:
        params["OnDemandOptions"] = {"AllocationStrategy": STRATEGY[capacity_type]}
    if context:
        params["Context"] = context
    return params


def _offering(
    entry: Mapping[str, Any], capacity_type: CapacityType, zones: Mapping[str, str]
) -> OfferingKey | None:
    override = (entry.get("LaunchTemplateAndOverrides") or {}).get("Overrides") or {}
    instance_type = override.get("InstanceType") or entry.get("InstanceType")
    zone = override.get("AvailabilityZone") or zones.get(str(override.get("SubnetId", "")))
    if not instance_type or not zone:
        return None
    lifecycle = entry.get("Lifecycle")
    ct = CapacityType.SPOT if lifecycle == "spot" else capacity_type
    if lifecycle == "on-demand":
        ct = CapacityType.ON_DEMAND
    return OfferingKey(str(instance_type), str(zone), ct)


def read_answer(
    response: Mapping[str, Any], capacity_type: CapacityType, zones: Mapping[str, str]
) -> FleetAnswer:
    """The launched instance (if any) and the errors of a CreateFleet answer; `zones` maps subnet -> zone."""
    instance_id: str | None = None
    offering: OfferingKey | None = None
    for entry in response.get("Instances", []):
        ids = entry.get("InstanceIds") or []
        if ids:
            instance_id, offering = str(ids[0]), _offering(entry, capacity_type, zones)
            break
    failures: list[LaunchFailure] = []
    others: list[tuple[str, str]] = []
    seen: set[OfferingKey] = set()
    for error in response.get("Errors", []):
        code, message = str(error.get("ErrorCode", "")), str(error.get("ErrorMessage", ""))
        key = _offering(error, capacity_type, zones)
        if code in CAPACITY_ERROR_CODES and key is not None:
            if key not in seen:
                seen.add(key)
                failures.append(LaunchFailure(key.instanceType, key.zone, key.capacityType, code, message))
        else:
            others.append((code, message))
    return FleetAnswer(instance_id, offering, tuple(failures), tuple(others))
