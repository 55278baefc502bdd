"""Whether the simulated region has capacity for an offering right now."""

from __future__ import annotations

from collections import Counter

from sparkfleet.api.instancetypes import InstanceType, OfferingKey
from sparkfleet.api.scenario import Scenario


class CapacityModel:
    """Scenario rules (offerings never available, per-type caps) plus the count of live instances."""

    def __init__(self, scenario: Scenario) -> None:
        self._rules = tuple(scenario.unavailableOfferings)
        self._caps = dict(scenario.capacity)
        self._live: Counter[str] = Counter()

    def available(self, offering: OfferingKey, instance_type: InstanceType) -> bool:
        for rule in self._rules:
            if rule.matches(instance_type.name, instance_type.family, offering.zone, offering.capacityType):
                return False
        cap = self._caps.get(instance_type.name)
        return cap is None or self._live[instance_type.name] < cap

    def started(self, instance_type: str) -> None:
        self._live[instance_type] += 1

    def stopped(self, instance_type: str) -> None:
        self._live[instance_type] -= 1


def insufficient_capacity_message(offering: OfferingKey) -> str:
    """The message EC2 gives with an InsufficientInstanceCapacity error."""
    return (
        f"We currently do not have sufficient {offering.instanceType} capacity in the Availability Zone "
        f"you requested ({offering.zone}) for {offering.capacityType} instances."
    )
