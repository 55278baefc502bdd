"""Offering prices: on-demand from the catalog, spot from a documented deterministic model.

On-demand: the catalog's us-east-1 list price (USD/hour), the same in every zone of the region.

Spot: AWS publishes no fixed spot prices (Karpenter reads them at run time), so they are modelled.
For an instance type T in zone Z:

    u        = first 8 bytes of SHA-256("T/Z"), big-endian, divided by 2**64      (0 <= u < 1)
    discount = 0.55 + (0.80 - 0.55) * u                                              (55% .. 80% off)
    spot     = round(on_demand(T) * (1 - discount), 6)

So a spot price lies between 20% and 45% of the on-demand price, differs between zones (which makes
price-capacity-optimized choices zone-sensitive, as on AWS) and is the same in every run and on every
machine (SHA-256, not Python's salted `hash()`). Prices do not drift over time.
"""

from __future__ import annotations

import hashlib

from sparkfleet.api.instancetypes import InstanceType
from sparkfleet.api.wire import CapacityType

SPOT_DISCOUNT_MIN = 0.55
SPOT_DISCOUNT_MAX = 0.80


def spot_discount(instance_type: str, zone: str) -> float:
    """The fraction taken off the on-demand price for spot capacity of `instance_type` in `zone`."""
    digest = hashlib.sha256(f"{instance_type}/{zone}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    return SPOT_DISCOUNT_MIN + (SPOT_DISCOUNT_MAX - SPOT_DISCOUNT_MIN) * u


def on_demand_price(instance_type: InstanceType) -> float:
    return instance_type.onDemandPrice


def spot_price(instance_type: InstanceType, zone: str) -> float:
    return round(instance_type.onDemandPrice * (1.0 - spot_discount(instance_type.name, zone)), 6)


def offering_price(instance_type: InstanceType, zone: str, capacity_type: CapacityType) -> float:
    """USD per hour for one instance of this offering."""
    if capacity_type is CapacityType.SPOT:
        return spot_price(instance_type, zone)
    return on_demand_price(instance_type)
