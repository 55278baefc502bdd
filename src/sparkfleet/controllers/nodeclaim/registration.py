"""Registration and initialisation: a launched claim's running instance becomes a Node, then Ready.

When the cloud reports the instance running, the Node is created (named as the claim, owned by it, with
the labels, taints, capacity and allocatable of the launched type and the scratch mounts the local runtime
maps) and the claim becomes Registered; it is Initialized and Ready once the Node is Ready without
startup taints.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sparkfleet.api.karpenter import API_VERSION, NodeClaim, NodeClaimConditionType
from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.api.wire import (
    ANNOTATION_PRICE_PER_HOUR,
    ANNOTATION_SCRATCH_MOUNTS,
    LABEL_ARCH,
    LABEL_HOSTNAME,
    LABEL_OS,
    EventType,
    format_scratch_mounts,
)
from sparkfleet.cloud import Instance
from sparkfleet.cluster import NotFound, Obj
from sparkfleet.controllers.nodeclaim.context import (
    ClaimContext,
    provider_id_of,
)
from sparkfleet.controllers.support.conditions import (
    conditions_of,
    meta_of,
    with_condition,
)
from sparkfleet.engine.provisioning import NodeFacts

__all__ = ["node_manifest", "register", "startup_done"]

log = logging.getLogger("sparkfleet.controllers.nodeclaim")

C = NodeClaimConditionType


def node_manifest(
    claim_obj: Obj, claim: NodeClaim, facts: NodeFacts, instance: Instance, now: datetime
) -> Obj:
    name = claim.metadata.name or ""
    taints = [
        t.model_dump(mode="json", exclude_none=True) for t in (*claim.spec.taints, *claim.spec.startupTaints)
    ]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {**facts.labels, LABEL_HOSTNAME: name},
            "annotations": {
                ANNOTATION_PRICE_PER_HOUR: f"{instance.price:.6f}",
                ANNOTATION_SCRATCH_MOUNTS: format_scratch_mounts(facts.mounts),
            },
            "ownerReferences": [
                {
                    "apiVersion": API_VERSION,
                    "kind": "NodeClaim",
                    "name": name,
                    "uid": meta_of(claim_obj).get("uid"),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {"providerID": provider_id_of(instance), "taints": taints},
        "status": {
            "capacity": facts.capacity.as_quantities(),
            "allocatable": facts.allocatable.as_quantities(),
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                    "lastTransitionTime": format_rfc3339(now),
                }
            ],
            "addresses": [{"type": "Hostname", "address": name}],
            "nodeInfo": {
                "architecture": facts.labels.get(LABEL_ARCH, ""),
                "operatingSystem": facts.labels.get(LABEL_OS, "linux"),
            },
        },
    }


def register(ctx: ClaimContext, obj: Obj, claim: NodeClaim, instance: Instance, now: datetime) -> Obj | None:
    """Create (or adopt) the Node for a running instance and mark the claim Registered; None while the
    claim's NodePool or instance type is unknown."""
    name = claim.metadata.name or ""
    facts = ctx.facts(claim, instance)
    if facts is None:
        log.warning("NodeClaim %s: its NodePool or instance type is unknown; cannot register yet", name)
        return None
    manifest = node_manifest(obj, claim, facts, instance, now)
    try:
        ctx.cluster.get("Node", None, name)
    except NotFound:
        node = ctx.cluster.create(manifest)
        message = f"Node {name} registered ({instance.instance_type}, {instance.zone})"
    else:
        kept = {k: manifest["metadata"][k] for k in ("labels", "annotations", "ownerReferences")}
        node = ctx.cluster.patch("Node", None, name, {"metadata": kept})
        message = f"Node {name} adopted ({instance.instance_type}, {instance.zone})"
    status = {
        "nodeName": name,
        "conditions": with_condition(conditions_of(obj), C.REGISTERED, "True", "Registered", message, now),
    }
    updated = ctx.cluster.patch("NodeClaim", None, name, {"status": status}, subresource="status")
    ctx.event(updated, EventType.NORMAL, "Registered", message, now)
    ctx.event(node, EventType.NORMAL, "Registered", f"registered for NodeClaim {name}", now)
    return updated


def _node_ready(node: Obj) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (node.get("status") or {}).get("conditions") or []
    )


def startup_done(node: Obj, claim: NodeClaim) -> bool:
    """The Node is Ready and none of the claim's startup taints is left on it."""
    startup = {(t.key, str(t.effect)) for t in claim.spec.startupTaints}
    left = [
        t for t in (node.get("spec") or {}).get("taints") or [] if (t.get("key"), t.get("effect")) in startup
    ]
    return _node_ready(node) and not left


def initialize(ctx: ClaimContext, obj: Obj, claim: NodeClaim, node: Obj, now: datetime) -> bool:
    """Mark the claim Initialized and Ready once its Node is; whether it is now."""
    if not startup_done(node, claim):
        return False
    node_name = meta_of(node).get("name", "")
    message = f"Node {node_name} is ready"
    conditions = with_condition(conditions_of(obj), C.INITIALIZED, "True", "Initialized", message, now)
    conditions = with_condition(conditions, C.READY, "True", "Ready", message, now)
    name = claim.metadata.name or ""
    updated = ctx.cluster.patch(
        "NodeClaim", None, name, {"status": {"conditions": conditions}}, subresource="status"
    )
    ctx.event(updated, EventType.NORMAL, "Initialized", message, now)
    return True
