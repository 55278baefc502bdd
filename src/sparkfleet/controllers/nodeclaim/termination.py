"""Termination and garbage collection: claims and instances never outlive each other.

A claim deleted (by a user, disruption or a time-out) has its instance terminated and its Node removed;
an instance that stopped on its own takes its claim with it; live instances of ours whose claim is gone
are terminated whenever the cloud is polled. A terminate the cloud refuses is recorded as a Warning
`TerminationFailed` on the NodeClaim (and logged) and tried again on the next poll, as the instance is
still ours and still has no claim.

Interruption notices from the cloud's events, as Karpenter's interruption controller handles them:
- a spot interruption warning is written on the claim and its Node (`ANNOTATION_SPOT_INTERRUPTED_AT`,
  Warning `SpotInterrupted`) for the disruption controller to drain it, and the offering is held
  unavailable;
- a scheduled change (AWS Health maintenance or retirement) is written likewise
  (`ANNOTATION_SCHEDULED_CHANGE_AT`, Warning `InstanceUnhealthy`): the node is drained ahead of it, and
  the offering stays available;
- a rebalance recommendation is only recorded (Normal `SpotRebalanceRecommendation`): no action.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime

from sparkfleet.api.karpenter import API_VERSION
from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.api.wire import ANNOTATION_SCHEDULED_CHANGE_AT, ANNOTATION_SPOT_INTERRUPTED_AT, EventType
from sparkfleet.cloud import CloudError, CloudEvent, CloudEventKind, Instance
from sparkfleet.cluster import NotFound, Obj
from sparkfleet.controllers.nodeclaim.context import (
    ClaimContext,
    instance_id_of,
    node_name_of,
    ours,
)
from sparkfleet.controllers.support.conditions import (
    claim_owner,
    meta_of,
)

__all__ = ["finalize", "interrupted", "rebalance_recommended", "terminate"]

log = logging.getLogger("sparkfleet.controllers.nodeclaim")

REASON_TERMINATION_FAILED = "TerminationFailed"
# Karpenter's interruption controller's Event reasons.
REASON_SPOT_INTERRUPTED = "SpotInterrupted"
REASON_INSTANCE_UNHEALTHY = "InstanceUnhealthy"
REASON_REBALANCE_RECOMMENDATION = "SpotRebalanceRecommendation"


def _terminate_instance(ctx: ClaimContext, claim_obj: Obj, instance_id: str, now: datetime) -> bool:
    """Terminate one instance; a refusal is a Warning on the claim, not an error of the reconcile."""
    try:
        ctx.cloud.terminate([instance_id])
    except CloudError as exc:
        name = meta_of(claim_obj).get("name", "")
        message = f"terminating {instance_id} failed: {exc}; tried again while it runs without a claim"
        log.warning("NodeClaim %s: %s", name, message)
        ctx.event(claim_obj, EventType.WARNING, REASON_TERMINATION_FAILED, message, now)
        return False
    return True


def terminate(ctx: ClaimContext, claim_obj: Obj, reason: str, message: str, now: datetime) -> None:
    """Delete a claim with an event, terminating its instance (its Node goes by ownerReference)."""
    instance_id = instance_id_of((claim_obj.get("status") or {}).get("providerID"))
    if instance_id is None:
        found = ctx.find(token=str(meta_of(claim_obj).get("uid") or ""))
        instance_id = found.instance_id if found is not None else None
    if instance_id is not None:
        _terminate_instance(ctx, claim_obj, instance_id, now)
    ctx.delete(claim_obj, reason, message, now)


def finalize(ctx: ClaimContext, name: str, instances: list[Instance] | None = None) -> None:
    """The claim is gone: terminate its instance and delete a Node left behind."""
    now = ctx.clock.now()
    involved: Obj = {"apiVersion": API_VERSION, "kind": "NodeClaim", "metadata": {"name": name}}
    for instance in ctx.cloud.list_instances() if instances is None else instances:
        if instance.node_claim_name == name and ours(instance):
            if not _terminate_instance(ctx, involved, instance.instance_id, now):
                continue
            message = (
                f"terminated {instance.instance_id} ({instance.instance_type}): the NodeClaim was deleted"
            )
            ctx.event(involved, EventType.NORMAL, "InstanceTerminated", message, now)
    for node in ctx.cluster.list("Node").items:
        if claim_owner(node) == name:  # whatever its name: on EKS the kubelet's
            with contextlib.suppress(NotFound):
                ctx.cluster.delete("Node", None, meta_of(node).get("name", ""))


def interrupted(ctx: ClaimContext, event: CloudEvent) -> None:
    """Write a spot interruption or scheduled change notice on the claim and its Node (a spot offering is
    held unavailable): the disruption controller drains the node."""
    now = ctx.clock.now()
    when = format_rfc3339(event.time)
    deadline = format_rfc3339(event.deadline) if event.deadline else "soon"
    where = f"{event.instance_id} ({event.instance_type}, {event.zone})"
    if event.kind is CloudEventKind.SCHEDULED_CHANGE:
        annotation, reason = ANNOTATION_SCHEDULED_CHANGE_AT, REASON_INSTANCE_UNHEALTHY
        message = f"scheduled change (AWS Health) of {where} starts at {deadline}: draining the node ahead"
    else:
        ctx.offerings.mark([event.offering], event.time)
        annotation, reason = ANNOTATION_SPOT_INTERRUPTED_AT, REASON_SPOT_INTERRUPTED
        message = f"spot interruption notice for {where}: reclaimed at {deadline}"
    patch = {"metadata": {"annotations": {annotation: when}}}
    for kind, name in _claim_and_node(ctx, event.node_claim_name):
        try:
            obj = ctx.cluster.patch(kind, None, name, patch)
        except NotFound:
            continue
        ctx.event(obj, EventType.WARNING, reason, message, now)


def rebalance_recommended(ctx: ClaimContext, event: CloudEvent) -> None:
    """A rebalance recommendation: recorded on the claim and its Node, nothing done (as Karpenter)."""
    now = ctx.clock.now()
    message = f"spot rebalance recommendation for {event.instance_id} ({event.instance_type}, {event.zone})"
    for kind, name in _claim_and_node(ctx, event.node_claim_name):
        try:
            obj = ctx.cluster.get(kind, None, name)
        except NotFound:
            continue
        ctx.event(obj, EventType.NORMAL, REASON_REBALANCE_RECOMMENDATION, message, now)


def _claim_and_node(ctx: ClaimContext, claim_name: str) -> list[tuple[str, str]]:
    """The (kind, name) of the claim an instance's event names and of its Node (see `node_name_of`)."""
    try:
        node_name = node_name_of(ctx.cluster.get("NodeClaim", None, claim_name))
    except NotFound:
        node_name = claim_name
    return [("NodeClaim", claim_name), ("Node", node_name)]
