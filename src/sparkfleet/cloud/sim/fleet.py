"""The order in which a simulated CreateFleet (instant, one instance) tries candidate offerings.

Spot before on-demand when both are allowed (Karpenter's capacity-type priority). Within spot the
price-capacity-optimized strategy is modelled as "cheapest offering that has capacity": offerings are
tried cheapest first and the ones without capacity fail. On-demand uses lowest-price, the same order.
Ties go to the earlier candidate type, then the earlier zone, so a launch is reproducible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sparkfleet.api.instancetypes import InstanceType, OfferingKey
from sparkfleet.api.wire import CapacityType
from sparkfleet.cloud.port import InvalidLaunchRequest, LaunchRequest

CAPACITY_TYPE_PRIORITY = (CapacityType.SPOT, CapacityType.ON_DEMAND)


@dataclass(frozen=True)
class Candidate:
    offering: OfferingKey
    instanceType: InstanceType
    price: float


def fleet_order(
    request: LaunchRequest,
    types: Mapping[str, InstanceType],
    zones: Sequence[str],
    prices: Mapping[OfferingKey, float],
) -> list[Candidate]:
    """Every offering the request allows, in the order the fleet tries them."""
    unknown_types = [name for name in request.instance_types if name not in types]
    if unknown_types:
        raise InvalidLaunchRequest(f"unknown instance types: {', '.join(unknown_types)}")
    unknown_zones = [zone for zone in request.zones if zone not in zones]
    if unknown_zones:
        raise InvalidLaunchRequest(f"zones not in this region: {', '.join(unknown_zones)}")
    names = list(dict.fromkeys(request.instance_types))
    chosen_zones = list(dict.fromkeys(request.zones)) or list(zones)
    ordered: list[Candidate] = []
    for capacity_type in CAPACITY_TYPE_PRIORITY:
        if capacity_type not in request.capacity_types:
            continue
        ranked: list[tuple[float, int, int, Candidate]] = []
        for type_rank, name in enumerate(names):
            for zone_rank, zone in enumerate(chosen_zones):
                key = OfferingKey(name, zone, capacity_type)
                if key in request.excluded_offerings:
                    continue
                candidate = Candidate(key, types[name], prices[key])
                ranked.append((candidate.price, type_rank, zone_rank, candidate))
        ranked.sort(key=lambda r: (r[0], r[1], r[2]))
        ordered.extend(r[3] for r in ranked)
    if not ordered:
        raise InvalidLaunchRequest("every candidate offering is excluded")
    return ordered
