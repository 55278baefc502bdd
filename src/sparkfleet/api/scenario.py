"""The simulated EC2's scenario: which zones exist, which offerings have no capacity, how long launches
take, and when spot instances are interrupted.

```yaml
zones: [us-east-1a, us-east-1b, us-east-1c]      # default
launchLatencySeconds: 1.0                        # default: pending -> running after 1 s of the clock
unavailableOfferings:                            # always InsufficientInstanceCapacity
  - instanceFamily: r6g                          # or instanceType: r6g.4xlarge
    capacityType: spot                           # optional: both when left out
    zone: us-east-1a                             # optional: every zone when left out
capacity:                                        # optional: at most this many live instances per type
  r5d.4xlarge: 2
spotInterruptions:
  - at: 600                                      # seconds after the simulation starts ...
    instanceFamily: r5d                          # ... every live spot instance matching (or `count` of them)
  - afterLaunch: 300                             # ... or this long after each matching spot launch
    zone: us-east-1b
    count: 1
```
An interruption warns (2 minutes of notice) and then terminates the instance.
"""

from __future__ import annotations

from typing import Annotated, Any, Self

import yaml
from pydantic import Field, ValidationError, model_validator

from sparkfleet.api.base import FieldIssue, ManifestError, Model, issues_from
from sparkfleet.api.wire import CapacityType

DEFAULT_ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")
DEFAULT_LAUNCH_LATENCY_SECONDS = 1.0

Seconds = Annotated[float, Field(ge=0)]


class UnavailableOffering(Model):
    """Offerings with no capacity: one instance type or a whole family, optionally one capacity type/zone."""

    instanceType: str | None = None
    instanceFamily: str | None = None
    capacityType: CapacityType | None = None
    zone: str | None = None

    @model_validator(mode="after")
    def _one_type_selector(self) -> Self:
        if (self.instanceType is None) == (self.instanceFamily is None):
            raise ValueError("set exactly one of instanceType or instanceFamily")
        return self

    def matches(self, instance_type: str, family: str, zone: str, capacity_type: CapacityType) -> bool:
        return (
            (self.instanceType is None or self.instanceType == instance_type)
            and (self.instanceFamily is None or self.instanceFamily == family)
            and (self.capacityType is None or self.capacityType == capacity_type)
            and (self.zone is None or self.zone == zone)
        )


class SpotInterruption(Model):
    """Reclaim spot instances: at a time after the start, or a delay after each matching launch.

    The selectors (instanceType, instanceFamily, zone) narrow which spot instances are hit; `count` caps
    how many (lowest instance ids first for `at`, first launched for `afterLaunch`); all when left out.
    """

    at: Seconds | None = None
    afterLaunch: Seconds | None = None
    instanceType: str | None = None
    instanceFamily: str | None = None
    zone: str | None = None
    count: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _one_time(self) -> Self:
        if (self.at is None) == (self.afterLaunch is None):
            raise ValueError("set exactly one of at (seconds after start) or afterLaunch (seconds)")
        return self

    def matches(self, instance_type: str, family: str, zone: str) -> bool:
        return (
            (self.instanceType is None or self.instanceType == instance_type)
            and (self.instanceFamily is None or self.instanceFamily == family)
            and (self.zone is None or self.zone == zone)
        )


class Scenario(Model):
    zones: list[str] = Field(default_factory=lambda: list(DEFAULT_ZONES), min_length=1)
    launchLatencySeconds: Seconds = DEFAULT_LAUNCH_LATENCY_SECONDS
    unavailableOfferings: list[UnavailableOffering] = Field(default_factory=list)
    capacity: dict[str, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    spotInterruptions: list[SpotInterruption] = Field(default_factory=list)

    @model_validator(mode="after")
    def _distinct_zones(self) -> Self:
        if len(set(self.zones)) != len(self.zones):
            raise ValueError("zones must not repeat")
        return self


def scenario_from_dict(data: Any, source: str = "scenario") -> Scenario:
    """Validate a scenario document; every problem is reported with its field path."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ManifestError([FieldIssue("", f"{source}: expected a mapping, got {type(data).__name__}")])
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(issues_from(exc, Scenario)) from None


def parse_scenario(text: str, source: str = "scenario") -> Scenario:
    """Parse scenario YAML text (an empty document is the default scenario)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ManifestError([FieldIssue("", f"{source}: not valid YAML: {exc}")]) from None
    return scenario_from_dict(data, source)
