"""The order a simulated CreateFleet tries offerings in."""

from __future__ import annotations

import pytest

from sparkfleet.api.instancetypes import OfferingKey
from sparkfleet.api.wire import CapacityType
from sparkfleet.cloud import InvalidLaunchRequest, LaunchRequest
from sparkfleet.cloud.catalog import load_catalog
from sparkfleet.cloud.sim.fleet import fleet_order

SPOT = CapacityType.SPOT
ON_DEMAND = CapacityType.ON_DEMAND
ZONES = ("us-east-1a", "us-east-1b")
TYPES = {it.name: it for it in load_catalog()}


def flat_prices(price: float = 1.0) -> dict[OfferingKey, float]:
    return {OfferingKey(n, z, c): price for n in TYPES for z in ZONES for c in CapacityType}


def order(request: LaunchRequest, prices: dict[OfferingKey, float]) -> list[OfferingKey]:
    return [c.offering for c in fleet_order(request, TYPES, ZONES, prices)]


def test_spot_comes_before_on_demand_whatever_the_order_allowed():
    request = LaunchRequest("t", "c", ("m5.large",), (ON_DEMAND, SPOT))
    assert [k.capacityType for k in order(request, flat_prices())] == [SPOT, SPOT, ON_DEMAND, ON_DEMAND]


def test_cheaper_offerings_come_first_and_ties_keep_type_then_zone_order():
    prices = flat_prices()
    prices[OfferingKey("m5.xlarge", "us-east-1b", SPOT)] = 0.5
    request = LaunchRequest("t", "c", ("m5.large", "m5.xlarge"), (SPOT,))
    assert order(request, prices) == [
        OfferingKey("m5.xlarge", "us-east-1b", SPOT),
        OfferingKey("m5.large", "us-east-1a", SPOT),
        OfferingKey("m5.large", "us-east-1b", SPOT),
        OfferingKey("m5.xlarge", "us-east-1a", SPOT),
    ]


def test_requested_zones_narrow_and_order_the_zones():
    request = LaunchRequest("t", "c", ("m5.large", "m5.large"), (ON_DEMAND,), ("us-east-1b",))
    assert order(request, flat_prices()) == [OfferingKey("m5.large", "us-east-1b", ON_DEMAND)]


def test_everything_excluded_is_an_invalid_request():
    excluded = frozenset(OfferingKey("m5.large", z, ON_DEMAND) for z in ZONES)
    request = LaunchRequest("t", "c", ("m5.large",), (ON_DEMAND,), excluded_offerings=excluded)
    with pytest.raises(InvalidLaunchRequest, match="excluded"):
        order(request, flat_prices())


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"client_token": ""}, "clientToken"),
        ({"client_token": "x" * 65}, "clientToken"),
        ({"instance_types": ()}, "instanceTypes"),
        ({"capacity_types": ()}, "capacityTypes"),
    ],
)
def test_a_malformed_launch_request_cannot_be_built(fields, message):
    base: dict[str, object] = {"client_token": "t", "node_claim_name": "c", "instance_types": ("m5.large",)}
    with pytest.raises(InvalidLaunchRequest, match=message):
        LaunchRequest(**{**base, **fields})  # type: ignore[arg-type]
