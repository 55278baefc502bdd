"""The records the disruption engine takes (a snapshot of nodes and their pods) and returns (actions)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sparkfleet.api.instancetypes import OfferingKey
from sparkfleet.api.placement import Taint
from sparkfleet.api.wire import ANNOTATION_DO_NOT_DISRUPT, CapacityType
from sparkfleet.engine.provisioning.model import ExistingNode, PlanEvent, PlannedClaim
from sparkfleet.engine.provisioning.offerings import UnavailableOfferings
from sparkfleet.engine.provisioning.pods import PodRequest
from sparkfleet.engine.provisioning.resources import Resources
from sparkfleet.engine.provisioning.tables import Fleet


@dataclass(frozen=True)
class NodeState:
    """A node managed by a NodePool, with the pods bound to it that have not finished.

    `pods` leaves out daemonset pods (they go with the node); `daemon_set_requests` is the room they take.
    `last_pod_event_at` is when a pod last arrived on or left the node (consolidateAfter counts from it,
    from `created_at` when None). `interrupted_at` is set when a spot interruption notice arrived,
    `scheduled_change_at` when AWS Health announced maintenance of the instance (both drain it now).
    """

    name: str
    node_pool: str
    instance_type: str
    capacity_type: CapacityType
    zone: str
    price: float
    created_at: datetime
    allocatable: Resources
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
    pods: tuple[PodRequest, ...] = ()
    daemon_set_requests: Resources = field(default_factory=Resources)
    capacity: Resources | None = None
    """What counts against the pool's limits; the allocatable when not given."""
    last_pod_event_at: datetime | None = None
    initialized: bool = True
    deleting: bool = False
    interrupted_at: datetime | None = None
    scheduled_change_at: datetime | None = None

    @property
    def interrupted(self) -> bool:
        """The cloud said the instance goes (spot interruption) or is due for maintenance."""
        return self.interrupted_at is not None or self.scheduled_change_at is not None

    @property
    def offering(self) -> OfferingKey:
        return OfferingKey(self.instance_type, self.zone, self.capacity_type)

    @property
    def do_not_disrupt(self) -> bool:
        return self.annotations.get(ANNOTATION_DO_NOT_DISRUPT) == "true"

    @property
    def free(self) -> Resources:
        used = self.daemon_set_requests
        for pod in self.pods:
            used = used + pod.requests
        return self.allocatable - used

    def as_existing(self) -> ExistingNode:
        return ExistingNode(self.name, self.labels, self.free, self.taints, self.node_pool)


@dataclass(frozen=True)
class DisruptionSnapshot:
    """Everything a disruption pass looks at. `fleet` is what replacements are planned from;
    `in_flight` are NodeClaims launched but not registered yet (room for evicted pods)."""

    now: datetime
    fleet: Fleet
    nodes: tuple[NodeState, ...]
    unavailable: UnavailableOfferings = field(default_factory=UnavailableOfferings)
    in_flight: tuple[ExistingNode, ...] = ()
    claim_prefix: str = ""


class Method(StrEnum):
    """Disruption methods, in the order they are considered."""

    INTERRUPTION = "Interruption"
    EXPIRATION = "Expiration"
    EMPTINESS = "Emptiness"
    MULTI_NODE_CONSOLIDATION = "MultiNodeConsolidation"
    SINGLE_NODE_CONSOLIDATION = "SingleNodeConsolidation"


@dataclass(frozen=True)
class DisruptionAction:
    """Disrupt `nodes`: taint them `karpenter.sh/disrupted:NoSchedule`, launch `replacements` and wait for
    them, evict `evict`, let `wait_for` finish, then delete the nodes."""

    method: Method
    reason: str
    nodes: tuple[str, ...]
    evict: tuple[str, ...] = ()
    wait_for: tuple[str, ...] = ()
    replacements: tuple[PlannedClaim, ...] = ()
    savings_per_hour: float = 0.0
    message: str = ""


@dataclass(frozen=True)
class Blocked:
    """A node that was considered and left alone, and why."""

    node: str
    reason: str


@dataclass(frozen=True)
class DisruptionDecision:
    actions: tuple[DisruptionAction, ...]
    unavailable: UnavailableOfferings
    """The unavailable-offerings cache with interrupted offerings marked."""
    blocked: tuple[Blocked, ...] = ()
    events: tuple[PlanEvent, ...] = ()

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(n for a in self.actions for n in a.nodes)
