"""The records the provisioning engine takes and returns (Request/Reply, as in Ray's autoscaler v2).

Inputs: `PodRequest` (in `pods`), `ExistingNode` (a node or in-flight NodeClaim with free room), `Fleet`
(in `tables`, with its compiled arrays) and the `ProvisioningRequest` that ties them to a moment. Output: the
`ProvisioningPlan` with `PlannedClaim`s, `UnschedulablePod`s with reasons, `Nomination`s onto existing
nodes, events and the plan's price per hour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sparkfleet.api.placement import Taint
from sparkfleet.api.wire import CapacityType, EventType
from sparkfleet.engine.provisioning.nodefacts import NodeFacts
from sparkfleet.engine.provisioning.offerings import UnavailableOfferings
from sparkfleet.engine.provisioning.pods import PodRequest
from sparkfleet.engine.provisioning.requirements import Requirements
from sparkfleet.engine.provisioning.resources import Resources
from sparkfleet.engine.provisioning.tables import Fleet


@dataclass(frozen=True)
class ExistingNode:
    """A registered node or an in-flight NodeClaim, with the room left on it."""

    name: str
    labels: Mapping[str, str]
    free: Resources
    taints: tuple[Taint, ...] = ()
    node_pool: str | None = None
    in_flight: bool = False


@dataclass(frozen=True)
class ProvisioningRequest:
    """One provisioning round's input. `claim_prefix` makes claim names unique across rounds."""

    fleet: Fleet
    pods: Sequence[PodRequest]
    now: datetime
    nodes: Sequence[ExistingNode] = ()
    unavailable: UnavailableOfferings = field(default_factory=UnavailableOfferings)
    pool_usage: Mapping[str, Resources] = field(default_factory=dict)
    claim_prefix: str = ""
    max_candidates: int = 60


@dataclass(frozen=True)
class PlannedClaim:
    """A NodeClaim to launch: the pool, candidate types (cheapest offering first) and the offering the
    plan expects (capacity type, zone, price), the pods planned on it and the node it becomes."""

    name: str
    node_pool: str
    node_class: str
    instance_types: tuple[str, ...]
    capacity_type: CapacityType
    zone: str
    price: float
    pods: tuple[str, ...]
    requests: Resources
    capacity_types: tuple[CapacityType, ...]
    zones: tuple[str, ...]
    requirements: Requirements
    node: NodeFacts

    @property
    def instance_type(self) -> str:
        return self.instance_types[0]


@dataclass(frozen=True)
class Nomination:
    """A pending pod that fits an existing or in-flight node: no new capacity is needed for it."""

    pod: str
    node: str


@dataclass(frozen=True)
class UnschedulablePod:
    pod: str
    reason: str
    gang: str | None = None


@dataclass(frozen=True)
class PlanEvent:
    """An event to record on `kind`/`name` (Pod, NodeClaim or NodePool)."""

    kind: str
    name: str
    type: EventType
    reason: str
    message: str


@dataclass(frozen=True)
class Fallback:
    """Capacity that moved on after insufficient capacity: from one pool (and types) to another."""

    source: str
    target: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"from": self.source, "to": self.target, "reason": self.reason}


@dataclass(frozen=True)
class ProvisioningPlan:
    claims: tuple[PlannedClaim, ...]
    nominations: tuple[Nomination, ...]
    unschedulable: tuple[UnschedulablePod, ...]
    events: tuple[PlanEvent, ...]
    fallbacks: tuple[Fallback, ...] = ()
    unavailable: UnavailableOfferings = field(default_factory=UnavailableOfferings)
    """The unavailable-offerings cache after this plan (launch failures marked)."""
    attempt: int = 0
    """How many launch failures this plan has been recomputed after."""

    @property
    def price_per_hour(self) -> float:
        return sum(c.price for c in self.claims)

    def claim_of(self, pod: str) -> PlannedClaim | None:
        for claim in self.claims:
            if pod in claim.pods:
                return claim
        return None
