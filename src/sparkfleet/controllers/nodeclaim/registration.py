"""Registration and initialisation: a launched claim's running instance becomes a Node, then Ready.

Where no kubelet registers the instance (the simulated EC2), the controller plays its part when the cloud
reports the instance running: it creates the Node (named as the claim, owned by it, with the labels,
taints, capacity and allocatable of the launched type and the scratch mounts the local runtime maps).
Where the instance's own kubelet registers it (EC2 joining EKS), the Node whose providerID is the
claim's is adopted as Karpenter's registration controller does: its own name and kubelet-set fields
kept, the claim's labels, annotations, owner and taints synced onto it, `karpenter.sh/unregistered`
removed. Either way the claim records the Node's name and becomes Registered; it is Initialized and
Ready once the Node is Ready without startup taints.
"""

from __future__ import annotations

import copy
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
    TAINT_UNREGISTERED,
    EventType,
    format_scratch_mounts,
)
from sparkfleet.cloud import Instance
from sparkfleet.cluster import Conflict, NotFound, Obj
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
    """Create or adopt the Node of a running instance and mark the claim Registered; None while the
    claim's NodePool or instance type is unknown, or while no kubelet has registered its Node yet."""
    name = claim.metadata.name or ""
    facts = ctx.facts(claim, instance)
    if facts is None:
        log.warning("NodeClaim %s: its NodePool or instance type is unknown; cannot register yet", name)
        return None
    manifest = node_manifest(obj, claim, facts, instance, now)
    where = f"({instance.instance_type}, {instance.zone})"
    if ctx.cloud.registers_nodes:
        node = _adopt_registered(ctx, manifest)
        if node is None:
            return None
        node_name = meta_of(node).get("name", "")
        message = f"Node {node_name} registered {where}"
    else:
        node_name = name
        try:
            ctx.cluster.get("Node", None, name)
        except NotFound:
            node = ctx.cluster.create(manifest)
            message = f"Node {name} registered {where}"
        else:
            kept = {k: manifest["metadata"][k] for k in ("labels", "annotations", "ownerReferences")}
            node = ctx.cluster.patch("Node", None, name, {"metadata": kept})
            message = f"Node {name} adopted {where}"
    status = {
        "nodeName": node_name,
        "conditions": with_condition(conditions_of(obj), C.REGISTERED, "True", "Registered", message, now),
    }
    updated = ctx.cluster.patch("NodeClaim", None, name, {"status": status}, subresource="status")
    ctx.event(updated, EventType.NORMAL, "Registered", message, now)
    ctx.event(node, EventType.NORMAL, "Registered", f"registered for NodeClaim {name}", now)
    return updated


def _adopt_registered(ctx: ClaimContext, manifest: Obj) -> Obj | None:
    """The Node a kubelet registered with the manifest's providerID, with the claim's labels (not its
    hostname), annotations, owner and taints synced on; None until it exists, or when the kubelet wrote
    it meanwhile (the next reconcile tries again)."""
    found = ctx.node_with_provider_id(manifest["spec"]["providerID"])
    if found is None:
        return None
    node = copy.deepcopy(found)
    metadata = node.setdefault("metadata", {})
    wanted = manifest["metadata"]
    labels = {k: v for k, v in wanted["labels"].items() if k != LABEL_HOSTNAME}
    metadata["labels"] = {**(metadata.get("labels") or {}), **labels}
    metadata["annotations"] = {**(metadata.get("annotations") or {}), **wanted["annotations"]}
    others = [r for r in metadata.get("ownerReferences") or [] if r.get("kind") != "NodeClaim"]
    metadata["ownerReferences"] = [*others, *wanted["ownerReferences"]]
    spec = node.setdefault("spec", {})
    taints = [t for t in spec.get("taints") or [] if t.get("key") != TAINT_UNREGISTERED]
    held = {(t.get("key"), t.get("effect")) for t in taints}
    new = [t for t in manifest["spec"]["taints"] if (t.get("key"), t.get("effect")) not in held]
    spec["taints"] = [*taints, *new]
    try:
        updated: Obj = ctx.cluster.update(node)
    except Conflict:
        return None
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
