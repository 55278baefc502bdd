"""A planned claim as the `karpenter.sh/v1` NodeClaim object the provisioner creates."""

from __future__ import annotations

from typing import Any

from sparkfleet.api.karpenter import (
    NodeClaim,
    NodeClaimResources,
    NodeClaimSpec,
    NodePool,
    NodeSelectorRequirementWithMinValues,
    RequirementOperator,
)
from sparkfleet.api.meta import ObjectMeta
from sparkfleet.api.wire import (
    ANNOTATION_PLANNED_CAPACITY_TYPE,
    ANNOTATION_PLANNED_INSTANCE_TYPE,
    ANNOTATION_PLANNED_PRICE_PER_HOUR,
    ANNOTATION_PLANNED_ZONE,
    ANNOTATION_PRICE_PER_HOUR,
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_TYPE,
    LABEL_NODECLASS,
    LABEL_NODEPOOL,
    LABEL_ZONE,
)
from sparkfleet.engine.provisioning.model import PlannedClaim

_OFFERING_KEYS = (LABEL_INSTANCE_TYPE, LABEL_CAPACITY_TYPE, LABEL_ZONE)


def claim_requirements(claim: PlannedClaim) -> list[NodeSelectorRequirementWithMinValues]:
    """The pool's and pods' requirements, with the candidate types, capacity types and zones pinned."""
    type_set = claim.requirements.get(LABEL_INSTANCE_TYPE)
    out = [
        NodeSelectorRequirementWithMinValues(key=LABEL_INSTANCE_TYPE, operator=RequirementOperator.IN,
                                             values=list(claim.instance_types),
                                             minValues=type_set.min_values if type_set else None),
        NodeSelectorRequirementWithMinValues(key=LABEL_CAPACITY_TYPE, operator=RequirementOperator.IN,
                                             values=[str(c) for c in claim.capacity_types]),
        NodeSelectorRequirementWithMinValues(key=LABEL_ZONE, operator=RequirementOperator.IN,
                                             values=list(claim.zones)),
    ]  # fmt: skip
    for key, value_set in claim.requirements:
        if key in _OFFERING_KEYS:
            continue
        for req_key, operator, values, min_values in value_set.to_requirements(key):
            out.append(
                NodeSelectorRequirementWithMinValues(
                    key=req_key, operator=operator, values=list(values), minValues=min_values
                )
            )
    return out


def to_nodeclaim(claim: PlannedClaim, pool: NodePool) -> NodeClaim:
    """The NodeClaim object for `claim`, from `pool` (its template's labels, taints and class)."""
    template = pool.spec.template
    labels = {
        **template.metadata.labels,
        LABEL_NODEPOOL: pool.name,
        LABEL_NODECLASS: template.spec.nodeClassRef.name,
    }
    annotations = {
        **template.metadata.annotations,
        ANNOTATION_PLANNED_INSTANCE_TYPE: claim.instance_type,
        ANNOTATION_PLANNED_PRICE_PER_HOUR: f"{claim.price:.6f}",
    }
    return NodeClaim(
        metadata=ObjectMeta(name=claim.name, labels=labels, annotations=annotations),
        spec=NodeClaimSpec(
            taints=list(template.spec.taints),
            startupTaints=list(template.spec.startupTaints),
            requirements=claim_requirements(claim),
            resources=NodeClaimResources(requests=dict(claim.requests.as_quantities())),
            nodeClassRef=template.spec.nodeClassRef,
            terminationGracePeriod=template.spec.terminationGracePeriod,
            expireAfter=template.spec.expireAfter,
        ),
    )


def nodeclaim_manifest(claim: PlannedClaim, pool: NodePool) -> dict[str, Any]:
    """The NodeClaim object the store gets for a planned claim: named `<pool>-<suffix>` by the store,
    owned by its pool, with the planned offering and price as annotations (the launch may pick another
    candidate)."""
    body: dict[str, Any] = to_nodeclaim(claim, pool).model_dump(mode="json", exclude_none=True)
    meta = body["metadata"]
    meta.pop("name", None)
    meta["generateName"] = f"{pool.name}-"
    # as Karpenter labels a claim: every requirement that pins one value (the rest come at launch)
    pinned = {
        r["key"]: r["values"][0]
        for r in body["spec"]["requirements"]
        if r["operator"] == RequirementOperator.IN and len(r["values"]) == 1
    }
    meta["labels"] = {**pinned, **meta.get("labels", {})}
    meta["annotations"] = {
        **meta.get("annotations", {}),
        ANNOTATION_PRICE_PER_HOUR: f"{claim.price:.6f}",
        ANNOTATION_PLANNED_ZONE: claim.zone,
        ANNOTATION_PLANNED_CAPACITY_TYPE: str(claim.capacity_type),
    }
    if pool.metadata.uid:
        meta["ownerReferences"] = [
            {
                "apiVersion": pool.apiVersion,
                "kind": pool.kind,
                "name": pool.name,
                "uid": pool.metadata.uid,
                "blockOwnerDeletion": True,
            }
        ]
    return body
