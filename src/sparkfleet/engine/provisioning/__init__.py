"""Node provisioning: which NodeClaims host the pending pods, at what price, and what to do when EC2 has
no capacity. Pure: the clock, ids and every fact come in as inputs.

    plan(ProvisioningRequest) -> ProvisioningPlan
    replan_after_launch_failure(request, plan, failed_claim, failed_offerings, now, launched) -> plan
    to_nodeclaim(PlannedClaim, NodePool) -> NodeClaim
"""

from sparkfleet.engine.provisioning.claims import to_nodeclaim
from sparkfleet.engine.provisioning.fallback import replan_after_launch_failure
from sparkfleet.engine.provisioning.model import (
    EventType,
    ExistingNode,
    Fallback,
    Fleet,
    Nomination,
    PlanEvent,
    PlannedClaim,
    PodRequest,
    ProvisioningPlan,
    ProvisioningRequest,
    UnschedulablePod,
)
from sparkfleet.engine.provisioning.nodefacts import Mount, MountSource, NodeFacts, node_facts
from sparkfleet.engine.provisioning.offerings import UNAVAILABLE_TTL, UnavailableOfferings
from sparkfleet.engine.provisioning.overhead import NodeResources, node_resources
from sparkfleet.engine.provisioning.plan import plan
from sparkfleet.engine.provisioning.requirements import Requirements, ValueSet
from sparkfleet.engine.provisioning.resources import Resources, pod_requests

__all__ = [
    "UNAVAILABLE_TTL",
    "EventType",
    "ExistingNode",
    "Fallback",
    "Fleet",
    "Mount",
    "MountSource",
    "NodeFacts",
    "NodeResources",
    "Nomination",
    "PlanEvent",
    "PlannedClaim",
    "PodRequest",
    "ProvisioningPlan",
    "ProvisioningRequest",
    "Requirements",
    "Resources",
    "UnavailableOfferings",
    "UnschedulablePod",
    "ValueSet",
    "node_facts",
    "node_resources",
    "plan",
    "pod_requests",
    "replan_after_launch_failure",
    "to_nodeclaim",
]
