"""The Cloud port: launch and terminate machines, list them, and poll what happened to them.

Shaped after Ray's autoscaler v2 provider: a few calls, idempotent launches keyed by a client token, and
asynchronous happenings (state changes, spot interruptions, insufficient capacity) polled as data rather
than pushed through callbacks. The simulator (`sparkfleet.cloud.sim`) and an AWS adapter implement the
same contract and pass the same contract tests.

A launch is one EC2 CreateFleet call of type `instant` for one instance over every candidate offering
(instance types x zones x capacity types, minus `excluded_offerings`):
- spot is tried before on-demand when both are allowed;
- spot offerings are tried in price-capacity-optimized order, on-demand offerings lowest price first;
  ties go to the earlier candidate type, then the earlier zone;
- every offering tried without capacity is reported as an InsufficientInstanceCapacity failure, whether or
  not a later one succeeded, so the caller can cache them as unavailable;
- the same client token returns the same instance, never a second one; a token whose launch failed may
  be used again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sparkfleet.api.ec2nodeclass import (
    AMIStatus,
    EC2NodeClass,
    EC2NodeClassConditionType,
    SecurityGroupStatus,
    SubnetStatus,
)
from sparkfleet.api.instancetypes import InstanceType, Offering, OfferingKey
from sparkfleet.api.wire import CapacityType

INSUFFICIENT_CAPACITY = "InsufficientInstanceCapacity"
SPOT_TERMINATION_REASON = "Server.SpotInstanceTermination"
USER_TERMINATION_REASON = "Client.UserInitiatedShutdown"


class InstanceState(StrEnum):
    """EC2 instance states a caller can observe."""

    PENDING = "pending"
    RUNNING = "running"
    SHUTTING_DOWN = "shutting-down"
    TERMINATED = "terminated"


class CloudEventKind(StrEnum):
    STATE_CHANGE = "state-change"
    SPOT_INTERRUPTION_WARNING = "spot-interruption-warning"
    INSUFFICIENT_CAPACITY = "insufficient-capacity"
    REBALANCE_RECOMMENDATION = "rebalance-recommendation"
    """EC2 says a spot instance is at higher risk of interruption (no deadline; a hint, not a notice)."""
    SCHEDULED_CHANGE = "scheduled-change"
    """AWS Health scheduled maintenance (a retirement or reboot) of the instance, due at `deadline`."""


class CloudError(Exception):
    """Base of every error the Cloud port raises."""


class InvalidLaunchRequest(CloudError, ValueError):
    """The request cannot be tried at all (unknown type or zone, nothing left to try)."""


class IdempotentParameterMismatch(CloudError, ValueError):
    """A client token was used again with a different request."""


class InstanceNotFound(CloudError, KeyError):
    """An instance id this cloud never launched."""

    def __init__(self, instance_ids: Sequence[str]) -> None:
        self.instance_ids = tuple(instance_ids)
        super().__init__(f"unknown instance ids: {', '.join(self.instance_ids)}")

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class LaunchRequest:
    """One machine for one NodeClaim, from any of the candidate offerings.

    `instance_types` is in the caller's preference order (used to break price ties); empty `zones` means
    every zone of the region; `excluded_offerings` are offerings the caller knows to be unavailable.
    """

    client_token: str
    node_claim_name: str
    instance_types: tuple[str, ...]
    capacity_types: tuple[CapacityType, ...] = (CapacityType.ON_DEMAND,)
    zones: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    excluded_offerings: frozenset[OfferingKey] = frozenset()

    def __post_init__(self) -> None:
        # EC2 accepts client tokens of up to 64 ASCII characters.
        if not self.client_token or len(self.client_token) > 64 or not self.client_token.isascii():
            raise InvalidLaunchRequest("clientToken must be 1 to 64 ASCII characters")
        if not self.instance_types:
            raise InvalidLaunchRequest("instanceTypes must name at least one instance type")
        if not self.capacity_types:
            raise InvalidLaunchRequest("capacityTypes must allow at least one capacity type")


@dataclass(frozen=True)
class Instance:
    """A machine as last seen. `price` is USD/hour at launch; `state_reason` says why it stopped;
    `image_id` is the AMI it boots (empty where the cloud has no images, as in the simulator)."""

    instance_id: str
    instance_type: str
    zone: str
    capacity_type: CapacityType
    price: float
    launch_time: datetime
    state: InstanceState
    node_claim_name: str
    client_token: str
    tags: Mapping[str, str] = field(default_factory=dict)
    state_reason: str = ""
    image_id: str = ""

    @property
    def offering(self) -> OfferingKey:
        return OfferingKey(self.instance_type, self.zone, self.capacity_type)


@dataclass(frozen=True)
class LaunchFailure:
    """One offering the fleet tried and could not launch from."""

    instance_type: str
    zone: str
    capacity_type: CapacityType
    code: str = INSUFFICIENT_CAPACITY
    message: str = ""

    @property
    def offering(self) -> OfferingKey:
        return OfferingKey(self.instance_type, self.zone, self.capacity_type)


class InsufficientCapacityError(CloudError):
    """No candidate offering had capacity; carries every offering that failed (Karpenter's ICE case)."""

    def __init__(self, failures: Sequence[LaunchFailure]) -> None:
        self.failures = tuple(failures)
        tried = ", ".join(f"{f.instance_type}/{f.zone}/{f.capacity_type}" for f in self.failures)
        super().__init__(f"{INSUFFICIENT_CAPACITY}: no capacity in any candidate offering ({tried})")

    @property
    def offerings(self) -> tuple[OfferingKey, ...]:
        return tuple(f.offering for f in self.failures)


@dataclass(frozen=True)
class LaunchResult:
    """The instance launched (if any) and the offerings that failed on the way."""

    instance: Instance | None
    errors: tuple[LaunchFailure, ...] = ()

    @property
    def ok(self) -> bool:
        return self.instance is not None

    @property
    def error(self) -> InsufficientCapacityError | None:
        return None if self.instance is not None else InsufficientCapacityError(self.errors)

    def unwrap(self) -> Instance:
        """The instance, or raise InsufficientCapacityError with the failed offerings."""
        if self.instance is None:
            raise InsufficientCapacityError(self.errors)
        return self.instance


@dataclass(frozen=True)
class CloudEvent:
    """Something that happened to an instance or a launch, in the order it happened.

    STATE_CHANGE: `state` (and `previous_state`, None for a new instance), `reason` when it stopped.
    SPOT_INTERRUPTION_WARNING: `deadline` is when the instance will be reclaimed (2 minutes later).
    REBALANCE_RECOMMENDATION: no `deadline`. SCHEDULED_CHANGE: `deadline` is when the change starts.
    INSUFFICIENT_CAPACITY: no `instance_id`; the offering in (instance_type, zone, capacity_type) failed.
    """

    kind: CloudEventKind
    time: datetime
    instance_type: str
    zone: str
    capacity_type: CapacityType
    node_claim_name: str
    instance_id: str | None = None
    state: InstanceState | None = None
    previous_state: InstanceState | None = None
    reason: str = ""
    deadline: datetime | None = None

    @property
    def offering(self) -> OfferingKey:
        return OfferingKey(self.instance_type, self.zone, self.capacity_type)

    @classmethod
    def state_change(cls, instance: Instance, previous: InstanceState | None, when: datetime) -> CloudEvent:
        """The STATE_CHANGE of `instance` (in its new state) from `previous` (None: a new instance)."""
        return cls(
            CloudEventKind.STATE_CHANGE,
            when,
            instance.instance_type,
            instance.zone,
            instance.capacity_type,
            instance.node_claim_name,
            instance_id=instance.instance_id,
            state=instance.state,
            previous_state=previous,
            reason=instance.state_reason,
        )


@dataclass(frozen=True)
class Unresolved:
    """Why one part of a node class's status selects nothing: a condition's reason and message."""

    reason: str
    message: str


@dataclass(frozen=True)
class NodeClassResolution:
    """What an EC2NodeClass's selector terms select in this cloud, part by part, as Karpenter writes it
    into the node class's status. A part that selects nothing is empty and says why in `problems`, keyed
    by its condition (SubnetsReady, SecurityGroupsReady, AMIsReady, InstanceProfileReady)."""

    subnets: tuple[SubnetStatus, ...] = ()
    security_groups: tuple[SecurityGroupStatus, ...] = ()
    amis: tuple[AMIStatus, ...] = ()
    instance_profile: str | None = None
    problems: Mapping[EC2NodeClassConditionType, Unresolved] = field(default_factory=dict)


@dataclass(frozen=True)
class CollectedTemplate:
    """A launch template garbage collection deleted, and the node class it was made for."""

    name: str
    node_class: str


class Cloud(Protocol):
    """What the controllers need from a cloud."""

    @property
    def region(self) -> str: ...

    @property
    def registers_nodes(self) -> bool:
        """Whether each instance's own kubelet registers its Node (EC2 joining EKS): the NodeClaim
        controller then adopts the Node with the instance's providerID instead of creating one."""
        ...

    def instance_types(self) -> list[InstanceType]:
        """Every instance type this cloud can launch."""
        ...

    def offerings(self, region: str) -> list[Offering]:
        """Every (type, zone, capacity type) of `region` with its current price and availability."""
        ...

    def launch(self, request: LaunchRequest) -> LaunchResult:
        """Launch one instance (see the module docstring); idempotent by `request.client_token`."""
        ...

    def terminate(self, instance_ids: Sequence[str]) -> list[Instance]:
        """Terminate instances (terminating one twice is fine); returns them as they now are."""
        ...

    def list_instances(self) -> list[Instance]:
        """Instances not terminated or shutting down, in launch order."""
        ...

    def poll_events(self) -> list[CloudEvent]:
        """Events that happened since the last poll, oldest first; each event is returned once."""
        ...

    def resolve_node_class(self, node_class: EC2NodeClass) -> NodeClassResolution:
        """The subnets, security groups, AMIs and instance profile the node class's terms select."""
        ...

    def collect_orphans(self, node_claims: Collection[str]) -> list[Instance]:
        """Terminate live instances whose NodeClaim is not in `node_claims` and that are older than the
        cloud's grace period (a younger one may belong to a claim not written yet); returns them."""
        ...

    def collect_launch_templates(self, node_classes: Iterable[str]) -> list[CollectedTemplate]:
        """Delete launch templates no node class in `node_classes` uses now; returns what was deleted."""
        ...
