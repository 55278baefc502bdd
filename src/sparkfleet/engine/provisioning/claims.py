"""A planned claim as the `karpenter.sh/v1` NodeClaim object the provisioner creates."""

from __future__ import annotations

from sparkfleet.api.instancetypes import LABEL_CAPACITY_TYPE, LABEL_INSTANCE_TYPE, LABEL_ZONE
from sparkfleet.api.karpenter import (
    LABEL_NODEPOOL,
    NodeClaim,
    NodeClaimResources,
    NodeClaimSpec,
    NodePool,
    NodeSelectorRequirementWithMinValues,
    RequirementOperator,
)
from sparkfleet.api.meta import ObjectMeta
from sparkfleet.engine.provisioning.model import PlannedClaim
from sparkfleet.engine.provisioning.nodefacts import LABEL_NODECLASS

ANNOTATION_PLANNED_TYPE = "sparkfleet.io/planned-instance-type"
ANNOTATION_PLANNED_PRICE = "sparkfleet.io/planned-price-per-hour"
_OFFERING_KEYS = (LABEL_INSTANCE_TYPE, LABEL_CAPACITY_TYPE, LABEL_ZONE)


def claim_requirements(claim: PlannedClaim) -> list[NodeSelectorRequirementWithMinValues]:
    """The pool's and pods' requirements, with the candidate types, capacity types and zones pinned."""
    type_set = claim.requirements.get(LABEL_INSTANCE_TYPE)
    out = [
        NodeSelectorRequirementWithMinValues(key=LABEL_INSTANCE_TYPE, operator=RequirementOperator.IN,
                                             values=list(claim.instanceTypes),
                                             minValues=type_set.minValues if type_set else None),
        NodeSelectorRequirementWithMinValues(key=LABEL_CAPACITY_TYPE, operator=RequirementOperator.IN,
                                             values=[str(c) for c in claim.capacityTypes]),
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
        ANNOTATION_PLANNED_TYPE: claim.instanceType,
        ANNOTATION_PLANNED_PRICE: f"{claim.price:.6f}",
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
