"""The records the provisioning engine takes and returns (Request/Reply, as in Ray's autoscaler v2).

Inputs: `PodRequest` (a pending pod or placeholder, with its requests and placement constraints),
`ExistingNode` (a node or in-flight NodeClaim with free room), `Fleet` (NodePools, node classes, instance
types, offerings, daemonsets) and the `ProvisioningRequest` that ties them to a moment. Output: the
`ProvisioningPlan` with `PlannedClaim`s, `UnschedulablePod`s with reasons, `Nomination`s onto existing
nodes, events and the plan's price per hour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING

from sparkfleet.api.ec2nodeclass import EC2NodeClass
from sparkfleet.api.instancetypes import InstanceType, Offering
from sparkfleet.api.karpenter import NodePool
from sparkfleet.api.placement import Taint, Toleration
from sparkfleet.api.pod import Pod
from sparkfleet.api.wire import ANNOTATION_DO_NOT_DISRUPT, LABEL_SPARK_ROLE, CapacityType, EventType
from sparkfleet.engine.provisioning.nodefacts import NodeFacts
from sparkfleet.engine.provisioning.offerings import UnavailableOfferings
from sparkfleet.engine.provisioning.requirements import Requirements
from sparkfleet.engine.provisioning.resources import Resources, pod_requests

if TYPE_CHECKING:
    from sparkfleet.engine.provisioning.tables import CompiledFleet


@dataclass(frozen=True, eq=False)
class PodRequest:
    """A pod (or gang placeholder) as provisioning sees it.

    `requiredTerms` are the pod's required node-affinity terms (ORed, tried in order); `nodeSelector`
    holds in every term. Pods with the same `gang` are planned together: all of them or none.
    """

    id: str
    requests: Resources
    nodeSelector: Mapping[str, str] = field(default_factory=dict)
    requiredTerms: tuple[Requirements, ...] = ()
    tolerations: tuple[Toleration, ...] = ()
    gang: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    @staticmethod
    def from_pod(pod: Pod, *, gang: str | None = None) -> PodRequest:
        """From a Pod object: requests per Kubernetes, nodeSelector, required node affinity, tolerations."""
        terms: tuple[Requirements, ...] = ()
        affinity = pod.spec.affinity
        if (
            affinity
            and affinity.nodeAffinity
            and affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
        ):
            selector = affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
            terms = tuple(
                Requirements.from_requirements(t.matchExpressions) for t in selector.nodeSelectorTerms
            )
        meta = pod.metadata
        return PodRequest(
            id=f"{meta.namespace or 'default'}/{meta.name}",
            requests=pod_requests(pod.spec),
            nodeSelector=MappingProxyType(dict(pod.spec.nodeSelector)),
            requiredTerms=terms,
            tolerations=tuple(pod.spec.tolerations),
            gang=gang,
            labels=MappingProxyType(dict(meta.labels)),
            annotations=MappingProxyType(dict(meta.annotations)),
        )

    @cached_property
    def constraintKey(self) -> tuple[object, ...]:
        """Equal for pods whose placement constraints are the same (so they can be planned as a group)."""
        tolerations = tuple((t.key, t.operator, t.value, t.effect) for t in self.tolerations)
        return (tuple(sorted(self.nodeSelector.items())), self.requiredTerms, tolerations)

    @property
    def sparkRole(self) -> str | None:
        return self.labels.get(LABEL_SPARK_ROLE)

    @property
    def doNotDisrupt(self) -> bool:
        return self.annotations.get(ANNOTATION_DO_NOT_DISRUPT) == "true"


@dataclass(frozen=True)
class ExistingNode:
    """A registered node or an in-flight NodeClaim, with the room left on it."""

    name: str
    labels: Mapping[str, str]
    free: Resources
    taints: tuple[Taint, ...] = ()
    nodePool: str | None = None
    inFlight: bool = False


@dataclass(frozen=True, eq=False)
class Fleet:
    """What capacity can be made of: NodePools, their node classes (by name), instance types, the
    offerings with prices and availability, and the daemonsets every new node will run."""

    nodePools: tuple[NodePool, ...]
    nodeClasses: Mapping[str, EC2NodeClass]
    instanceTypes: tuple[InstanceType, ...]
    offerings: tuple[Offering, ...]
    daemonSets: tuple[PodRequest, ...] = ()

    @cached_property
    def compiled(self) -> CompiledFleet:
        from sparkfleet.engine.provisioning.tables import compile_fleet

        return compile_fleet(self)


@dataclass(frozen=True)
class ProvisioningRequest:
    """One provisioning round's input. `claimPrefix` makes claim names unique across rounds."""

    fleet: Fleet
    pods: Sequence[PodRequest]
    now: datetime
    nodes: Sequence[ExistingNode] = ()
    unavailable: UnavailableOfferings = field(default_factory=UnavailableOfferings)
    poolUsage: Mapping[str, Resources] = field(default_factory=dict)
    claimPrefix: str = ""
    maxCandidates: int = 60


@dataclass(frozen=True)
class PlannedClaim:
    """A NodeClaim to launch: the pool, candidate types (cheapest offering first) and the offering the
    plan expects (capacity type, zone, price), the pods planned on it and the node it becomes."""

    name: str
    nodePool: str
    nodeClass: str
    instanceTypes: tuple[str, ...]
    capacityType: CapacityType
    zone: str
    price: float
    pods: tuple[str, ...]
    requests: Resources
    capacityTypes: tuple[CapacityType, ...]
    zones: tuple[str, ...]
    requirements: Requirements
    node: NodeFacts

    @property
    def instanceType(self) -> str:
        return self.instanceTypes[0]


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
    def pricePerHour(self) -> float:
        return sum(c.price for c in self.claims)

    def claim_of(self, pod: str) -> PlannedClaim | None:
        for claim in self.claims:
            if pod in claim.pods:
                return claim
        return None
