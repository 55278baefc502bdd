"""Falling back within the same provisioning round when EC2 has no capacity for a NodeClaim.

Karpenter deletes a NodeClaim whose launch failed with InsufficientInstanceCapacity and simulates its pods
again in the next batch; users report that the lower-weight pool is then often never tried
(kubernetes-sigs/karpenter#2275). Here the failure is handled at once:
1. every offering EC2 tried and refused goes into the unavailable cache (3 minutes);
2. the pods of the failed claim, and of every claim of the plan not launched yet, are planned again
   with the claims already launched counted as in-flight nodes and towards their pools' limits;
3. the new plan tries the other types of the same NodePool first (the cache removed only the refused
   offerings), then the next NodePool by weight, so the blueprint's Graviton (weight 100) to Intel r5d
   (weight 50) fallback for `multiArch: Spark` pods happens in the same round;
4. each move is recorded as a Fallback {from, to, reason}; `to` is empty when pods found no other place.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from sparkfleet.api.instancetypes import OfferingKey
from sparkfleet.api.wire import EventType
from sparkfleet.engine.provisioning.model import (
    ExistingNode,
    Fallback,
    PlanEvent,
    PlannedClaim,
    ProvisioningPlan,
    ProvisioningRequest,
)
from sparkfleet.engine.provisioning.plan import plan
from sparkfleet.engine.provisioning.resources import Resources

INSUFFICIENT_CAPACITY = "InsufficientInstanceCapacity"


def _in_flight(claim: PlannedClaim) -> ExistingNode:
    return ExistingNode(
        name=claim.name,
        labels=dict(claim.node.labels),
        free=claim.node.allocatable - claim.requests,
        taints=claim.node.taints,
        node_pool=claim.node_pool,
        in_flight=True,
    )


def _describe(offerings: Sequence[OfferingKey]) -> str:
    shown = ", ".join(f"{o.instanceType}/{o.zone}/{o.capacityType}" for o in offerings[:6])
    more = f" and {len(offerings) - 6} more" if len(offerings) > 6 else ""
    return shown + more


def replan_after_launch_failure(
    request: ProvisioningRequest,
    previous: ProvisioningPlan,
    failed_claim: str,
    failed_offerings: Sequence[OfferingKey],
    now: datetime,
    launched: Collection[str] = (),
) -> ProvisioningPlan:
    """The plan after `failed_claim` could not launch from any of `failed_offerings`.

    `launched` names the claims of `previous` that EC2 already launched: they stay as they are and host
    what they can as in-flight nodes. The result keeps them, replaces every other claim, carries the
    updated unavailable cache, and lists the fallbacks taken (previous ones included).
    """
    return replan_after_launch_failures(request, previous, {failed_claim: failed_offerings}, now, launched)


def replan_after_launch_failures(
    request: ProvisioningRequest,
    previous: ProvisioningPlan,
    failures: Mapping[str, Sequence[OfferingKey]],
    now: datetime,
    launched: Collection[str] = (),
) -> ProvisioningPlan:
    """`replan_after_launch_failure` for several claims at once (claim name -> the offerings refused):
    their pods are planned again together, in one attempt."""
    failed = [c for c in previous.claims if c.name in failures]
    missing = set(failures) - {c.name for c in failed}
    if missing or not failures:
        raise ValueError(f"claims {sorted(missing)!r} are not part of the plan")
    unavailable = previous.unavailable
    for offerings in failures.values():
        unavailable = unavailable.mark_all(offerings, now)
    kept = [c for c in previous.claims if c.name in launched and c.name not in failures]
    kept_names = {c.name for c in kept}
    replanned = {pod for c in previous.claims if c.name not in kept_names for pod in c.pods}
    usage = dict(request.pool_usage)
    for claim in kept:
        usage[claim.node_pool] = usage.get(claim.node_pool, Resources()) + claim.node.capacity
    attempt = previous.attempt + 1
    sub_request = replace(
        request,
        pods=[p for p in request.pods if p.id in replanned],
        nodes=[*request.nodes, *(_in_flight(c) for c in kept)],
        unavailable=unavailable,
        pool_usage=usage,
        claim_prefix=f"{request.claim_prefix}f{attempt}-",
        now=now,
    )
    sub = plan(sub_request)
    fallbacks = list(previous.fallbacks)
    events = list(previous.events)
    for claim in failed:
        moves, claim_events = _moves(claim, failures[claim.name], sub)
        fallbacks += moves
        events += claim_events
    nominations = [n for n in previous.nominations if n.pod not in replanned] + list(sub.nominations)
    unschedulable = [u for u in previous.unschedulable if u.pod not in replanned] + list(sub.unschedulable)
    return ProvisioningPlan(
        claims=(*kept, *sub.claims),
        nominations=tuple(nominations),
        unschedulable=tuple(unschedulable),
        events=(*events, *sub.events),
        fallbacks=tuple(fallbacks),
        unavailable=unavailable,
        attempt=attempt,
    )


def _moves(
    failed: PlannedClaim, offerings: Sequence[OfferingKey], sub: ProvisioningPlan
) -> tuple[list[Fallback], list[PlanEvent]]:
    """Where the failed claim's pods went in `sub`: a Fallback per target pool (and an event on the
    claim), and one with no target for pods that found no place."""
    fallbacks: list[Fallback] = []
    events: list[PlanEvent] = []
    moved = set(failed.pods)
    targets: dict[str, list[PlannedClaim]] = {}
    for claim in sub.claims:
        if moved.intersection(claim.pods):
            targets.setdefault(claim.node_pool, []).append(claim)
    reason = f"{INSUFFICIENT_CAPACITY} for {_describe(offerings)}"
    for pool, claims in targets.items():
        types = sorted({c.instance_type for c in claims})
        pods = sum(len(moved.intersection(c.pods)) for c in claims)
        fallback = Fallback(
            failed.node_pool, pool, f"{reason}; {pods} pods moved to {pool} ({', '.join(types)})"
        )
        fallbacks.append(fallback)
        events.append(PlanEvent("NodeClaim", failed.name, EventType.WARNING, "Fallback", fallback.reason))
    stranded = [u for u in sub.unschedulable if u.pod in moved]
    if stranded:
        fallbacks.append(
            Fallback(
                failed.node_pool,
                "",
                f"{reason}; {len(stranded)} pods have no other place: {stranded[0].reason}",
            )
        )
    return fallbacks, events
