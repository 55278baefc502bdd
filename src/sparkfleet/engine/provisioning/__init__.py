"""Node provisioning: which NodeClaims host the pending pods, at what price, and what to do when EC2 has
no capacity. Pure: the clock, ids and every fact come in as inputs.

    plan(ProvisioningRequest) -> ProvisioningPlan
    replan_after_launch_failure(request, plan, failed_claim, failed_offerings, now, launched) -> plan
    replan_after_launch_failures(request, plan, {claim: offerings}, now, launched) -> plan
    to_nodeclaim(PlannedClaim, NodePool) -> NodeClaim; nodeclaim_manifest(...) -> the stored object
    launch_outcome(NodeClaim object) -> LaunchOutcome (the polled launch error)
    without_reserved(pending pods, pods) -> the pods a batch plans (gangs: see `gangs`)
    whole_gangs(pending pods) -> whether a batch holds only complete gangs (it need not wait for more)
"""

from sparkfleet.api.wire import EventType
from sparkfleet.engine.provisioning.claims import nodeclaim_manifest, to_nodeclaim
from sparkfleet.engine.provisioning.fallback import replan_after_launch_failure, replan_after_launch_failures
from sparkfleet.engine.provisioning.gangs import (
    gang_of,
    is_daemonset_pod,
    is_provisionable,
    is_terminal,
    whole_gangs,
    without_reserved,
)
from sparkfleet.engine.provisioning.launches import (
    REASON_INSUFFICIENT_CAPACITY,
    REASON_LAUNCH_FAILED,
    LaunchOutcome,
    LaunchState,
    format_offerings,
    launch_outcome,
)
from sparkfleet.engine.provisioning.model import (
    ExistingNode,
    Fallback,
    Nomination,
    PlanEvent,
    PlannedClaim,
    ProvisioningPlan,
    ProvisioningRequest,
    UnschedulablePod,
)
from sparkfleet.engine.provisioning.nodefacts import NodeFacts, node_facts
from sparkfleet.engine.provisioning.offerings import UNAVAILABLE_TTL, UnavailableOfferings
from sparkfleet.engine.provisioning.overhead import NodeResources, node_resources
from sparkfleet.engine.provisioning.plan import plan
from sparkfleet.engine.provisioning.pods import PodRequest
from sparkfleet.engine.provisioning.requirements import Requirements, ValueSet
from sparkfleet.engine.provisioning.resources import Resources, pod_requests, resources_from_list
from sparkfleet.engine.provisioning.tables import Fleet

__all__ = [
    "REASON_INSUFFICIENT_CAPACITY",
    "REASON_LAUNCH_FAILED",
    "UNAVAILABLE_TTL",
    "EventType",
    "ExistingNode",
    "Fallback",
    "Fleet",
    "LaunchOutcome",
    "LaunchState",
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
    "format_offerings",
    "gang_of",
    "is_daemonset_pod",
    "is_provisionable",
    "is_terminal",
    "launch_outcome",
    "node_facts",
    "node_resources",
    "nodeclaim_manifest",
    "plan",
    "pod_requests",
    "replan_after_launch_failure",
    "replan_after_launch_failures",
    "resources_from_list",
    "to_nodeclaim",
    "whole_gangs",
    "without_reserved",
]
