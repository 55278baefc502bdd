"""A NodeClaim's launch outcome as its status tells it: the polled error the provisioner plans from.

The NodeClaim controller alone launches; it writes what happened on the claim, and the provisioner reads
it back here (after Ray's autoscaler v2, where launch errors are polled as data, not returned to whoever
asked for the node):
- no `Launched` condition yet: PENDING;
- `Launched=True`: LAUNCHED, with the instance type in the claim's labels;
- `Launched=False, reason=InsufficientCapacity`: INSUFFICIENT_CAPACITY, with the offerings EC2 refused in
  `ANNOTATION_UNAVAILABLE_OFFERINGS` (the claim waits for its round to read that, then goes);
- `Launched=False` for any other reason: RETRYING (the NodeClaim controller tries again until its
  launch time-out).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sparkfleet.api.instancetypes import OfferingKey
from sparkfleet.api.karpenter import NodeClaimConditionType
from sparkfleet.api.wire import ANNOTATION_UNAVAILABLE_OFFERINGS, LABEL_INSTANCE_TYPE, CapacityType

__all__ = [
    "REASON_INSUFFICIENT_CAPACITY",
    "REASON_LAUNCH_FAILED",
    "LaunchOutcome",
    "LaunchState",
    "format_offerings",
    "launch_outcome",
    "parse_offerings",
]

REASON_INSUFFICIENT_CAPACITY = "InsufficientCapacity"
"""The `Launched=False` reason when no candidate offering had capacity."""
REASON_LAUNCH_FAILED = "LaunchFailed"
"""The `Launched=False` reason for a failure the launch is retried after."""


class LaunchState(StrEnum):
    PENDING = "Pending"
    LAUNCHED = "Launched"
    RETRYING = "Retrying"
    INSUFFICIENT_CAPACITY = "InsufficientCapacity"


@dataclass(frozen=True)
class LaunchOutcome:
    """`unavailable`: the offerings refused (INSUFFICIENT_CAPACITY); `instance_type`: what was launched."""

    state: LaunchState
    unavailable: tuple[OfferingKey, ...] = ()
    instance_type: str | None = None
    message: str = ""

    @property
    def insufficient_capacity(self) -> bool:
        return self.state is LaunchState.INSUFFICIENT_CAPACITY

    @property
    def in_flight(self) -> bool:
        """Launched, or left to the NodeClaim controller to try again."""
        return self.state in (LaunchState.LAUNCHED, LaunchState.RETRYING)


def format_offerings(offerings: Iterable[OfferingKey]) -> str:
    return ",".join(f"{o.instanceType}/{o.zone}/{o.capacityType}" for o in offerings)


def parse_offerings(value: str) -> tuple[OfferingKey, ...]:
    """The offerings in an annotation value; malformed entries are skipped."""
    out = []
    for item in value.split(","):
        parts = item.strip().split("/")
        if len(parts) == 3 and parts[2] in tuple(CapacityType):
            out.append(OfferingKey(parts[0], parts[1], CapacityType(parts[2])))
    return tuple(out)


def launch_outcome(claim: Mapping[str, Any]) -> LaunchOutcome:
    """What the claim's status says about its launch (see the module docstring)."""
    meta = claim.get("metadata") or {}
    conditions = (claim.get("status") or {}).get("conditions") or []
    launched = next((c for c in conditions if c.get("type") == NodeClaimConditionType.LAUNCHED), None)
    if launched is None:
        return LaunchOutcome(LaunchState.PENDING)
    message = str(launched.get("message") or "")
    if launched.get("status") == "True":
        instance_type = (meta.get("labels") or {}).get(LABEL_INSTANCE_TYPE)
        return LaunchOutcome(LaunchState.LAUNCHED, instance_type=instance_type, message=message)
    if launched.get("reason") == REASON_INSUFFICIENT_CAPACITY:
        refused = parse_offerings((meta.get("annotations") or {}).get(ANNOTATION_UNAVAILABLE_OFFERINGS, ""))
        return LaunchOutcome(LaunchState.INSUFFICIENT_CAPACITY, refused, message=message)
    return LaunchOutcome(LaunchState.RETRYING, message=message)
