"""Launching a NodeClaim: the one place sparkfleet asks the cloud for a machine.

One cloud launch per claim with the claim's uid as the client token, so a controller that dies after the
launch and before writing the status finds the same instance again (it looks for a live instance with
that token first, and the cloud returns the same instance for the same token). What happened is written
on the claim, where the provisioner polls it (`engine.provisioning.launches`):
- launched: the offering's labels, the price, providerID, capacity and `Launched=True`;
- no capacity in any candidate: the refused offerings go into the shared unavailable cache and onto the
  claim (`ANNOTATION_UNAVAILABLE_OFFERINGS`), `Launched=False, reason=InsufficientCapacity` and a Warning
  `InsufficientCapacityError`. A claim a provisioning round created is left for that round to read and
  delete (it plans the pods again at once); any other claim is deleted now, as Karpenter does;
- any other cloud error: `Launched=False, reason=LaunchFailed`, tried again until the launch time-out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sparkfleet.api.instancetypes import OfferingKey
from sparkfleet.api.karpenter import NodeClaim, NodeClaimConditionType, RequirementOperator
from sparkfleet.api.wire import (
    ANNOTATION_PRICE_PER_HOUR,
    ANNOTATION_PROVISIONING_ROUND,
    ANNOTATION_UNAVAILABLE_OFFERINGS,
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_TYPE,
    LABEL_NODEPOOL,
    LABEL_ZONE,
    TAG_MANAGED_BY,
    TAG_NODECLAIM,
    CapacityType,
    EventType,
)
from sparkfleet.cloud import CloudError, IdempotentParameterMismatch, Instance, InstanceState, LaunchRequest
from sparkfleet.cluster import NotFound, Obj
from sparkfleet.controllers.nodeclaim.context import (
    MANAGED_BY,
    ClaimContext,
    provider_id_of,
)
from sparkfleet.controllers.support.conditions import (
    conditions_of,
    meta_of,
    with_condition,
)
from sparkfleet.engine.provisioning import (
    REASON_INSUFFICIENT_CAPACITY,
    REASON_LAUNCH_FAILED,
    format_offerings,
)

__all__ = ["Launch", "awaited_by_round", "launch", "launch_request"]

C = NodeClaimConditionType


def _in_values(claim: NodeClaim, key: str) -> tuple[str, ...] | None:
    for req in claim.spec.requirements:
        if req.key == key and req.operator == RequirementOperator.IN:
            return tuple(req.values)
    return None


def launch_request(
    claim: NodeClaim, excluded: frozenset[OfferingKey]
) -> tuple[LaunchRequest | None, list[OfferingKey]]:
    """The launch for `claim` and its candidate offerings; no request when the unavailable cache holds
    every candidate (then the candidates are what failed)."""
    meta = claim.metadata
    types = _in_values(claim, LABEL_INSTANCE_TYPE) or ()
    allowed_cts = _in_values(claim, LABEL_CAPACITY_TYPE)
    cts = tuple(ct for ct in CapacityType if allowed_cts is None or str(ct) in allowed_cts)
    zones = _in_values(claim, LABEL_ZONE) or ()
    candidates = [OfferingKey(t, z, ct) for t in types for z in zones for ct in cts]
    skip = frozenset(o for o in excluded if o.instanceType in types and (not zones or o.zone in zones))
    if candidates and all(o in skip for o in candidates):
        return None, candidates
    request = LaunchRequest(
        client_token=meta.uid or "",
        node_claim_name=meta.name or "",
        instance_types=types,
        capacity_types=cts,
        zones=zones,
        tags={
            LABEL_NODEPOOL: meta.labels.get(LABEL_NODEPOOL, ""),
            TAG_NODECLAIM: meta.name or "",
            TAG_MANAGED_BY: MANAGED_BY,
        },
        excluded_offerings=skip,
    )
    return request, candidates


def awaited_by_round(claim_obj: Obj) -> bool:
    """Whether a provisioning round created the claim and reads its launch's failure."""
    return ANNOTATION_PROVISIONING_ROUND in (meta_of(claim_obj).get("annotations") or {})


@dataclass(frozen=True)
class Launch:
    """What one launch attempt left: `claim` as now stored, the `instance` (launched now or before),
    whether the claim is `gone` (deleted), or `failed` for want of capacity (then left to its round)."""

    claim: Obj
    instance: Instance | None = None
    gone: bool = False
    failed: bool = False


def launch(ctx: ClaimContext, current: Obj) -> Launch:
    """Launch the claim (as just read from the store) unless an instance already has its token."""
    claim = NodeClaim.model_validate(current)
    uid = claim.metadata.uid or ""
    now = ctx.clock.now()
    adopted = ctx.find(token=uid)
    if adopted is not None:
        return Launch(_launched(ctx, current, claim, adopted, now, adopted=True), adopted)
    request, candidates = launch_request(claim, ctx.offerings.active(now))
    if request is None:
        return _insufficient(ctx, current, candidates, now, "every candidate offering is unavailable")
    try:
        result = ctx.cloud.launch(request)
    except IdempotentParameterMismatch:
        # Launched before with other exclusions, and that instance has ended since.
        again = ctx.find(token=uid)
        if again is not None:
            return Launch(_launched(ctx, current, claim, again, now, adopted=True), again)
        message = "the instance launched for this NodeClaim earlier is no longer running"
        ctx.delete(current, REASON_LAUNCH_FAILED, message, now)
        return Launch(current, gone=True)
    except CloudError as exc:
        message = f"launch failed: {exc}"
        ctx.event(current, EventType.WARNING, REASON_LAUNCH_FAILED, message, now)
        return Launch(ctx.set_condition(current, C.LAUNCHED, "False", REASON_LAUNCH_FAILED, message))
    failed = tuple(f.offering for f in result.errors)
    if failed:
        ctx.offerings.mark(failed, now)
    if result.instance is None:
        return _insufficient(ctx, current, failed, now, str(result.error))
    if result.instance.state not in (InstanceState.PENDING, InstanceState.RUNNING):
        message = f"instance {result.instance.instance_id} is {result.instance.state}"
        ctx.delete(current, REASON_LAUNCH_FAILED, message, now)
        return Launch(current, gone=True)
    return Launch(_launched(ctx, current, claim, result.instance, now, adopted=False), result.instance)


def _insufficient(
    ctx: ClaimContext, current: Obj, offerings: Sequence[OfferingKey], now: datetime, message: str
) -> Launch:
    ctx.offerings.mark(offerings, now)
    ctx.event(current, EventType.WARNING, "InsufficientCapacityError", message, now)
    if not awaited_by_round(current):
        ctx.delete_quietly(current)
        return Launch(current, gone=True)
    name = meta_of(current).get("name", "")
    try:
        patch = {"metadata": {"annotations": {ANNOTATION_UNAVAILABLE_OFFERINGS: format_offerings(offerings)}}}
        ctx.cluster.patch("NodeClaim", None, name, patch)
        failed = ctx.set_condition(current, C.LAUNCHED, "False", REASON_INSUFFICIENT_CAPACITY, message)
    except NotFound:
        return Launch(current, gone=True)
    return Launch(failed, failed=True)


def _launched(
    ctx: ClaimContext, current: Obj, claim: NodeClaim, instance: Instance, now: datetime, *, adopted: bool
) -> Obj:
    """Write what the launch gave: labels of the offering, price, providerID, capacity, Launched."""
    name = claim.metadata.name or ""
    facts = ctx.facts(claim, instance)
    labels = dict(facts.labels) if facts is not None else {}
    labels.update(
        {
            LABEL_INSTANCE_TYPE: instance.instance_type,
            LABEL_ZONE: instance.zone,
            LABEL_CAPACITY_TYPE: str(instance.capacity_type),
        }
    )
    ctx.cluster.patch(
        "NodeClaim",
        None,
        name,
        {"metadata": {"labels": labels, "annotations": {ANNOTATION_PRICE_PER_HOUR: f"{instance.price:.6f}"}}},
    )
    how = "found the instance launched for it" if adopted else "launched"
    message = (
        f"{how} {instance.instance_id}: {instance.instance_type} ({instance.capacity_type}, "
        f"{instance.zone}) at ${instance.price:.4f}/h"
    )
    status: Obj = {
        "providerID": provider_id_of(instance),
        "conditions": with_condition(conditions_of(current), C.LAUNCHED, "True", "Launched", message, now),
    }
    if instance.image_id:
        status["imageID"] = instance.image_id
    if facts is not None:
        status["capacity"] = facts.capacity.as_quantities()
        status["allocatable"] = facts.allocatable.as_quantities()
    updated = ctx.cluster.patch("NodeClaim", None, name, {"status": status}, subresource="status")
    ctx.event(updated, EventType.NORMAL, "Launched", message, now)
    return updated
