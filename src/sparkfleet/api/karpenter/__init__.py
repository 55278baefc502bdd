"""Karpenter's NodePool and NodeClaim (`karpenter.sh/v1`) and NodeOverlay (`karpenter.sh/v1alpha1`), with
the defaults and rules their CRDs enforce.

Field-level rules (types, enums, duration and budget patterns, weight 1..100) are checked when a model is
built (`nodepool`, `nodeclaim`); the rules that span fields are `validate_nodepool` / `validate_nodeclaim`
(`validation`), which name the exact field; `labels` holds the label-key rules both use.
"""

from __future__ import annotations

from sparkfleet.api.karpenter.labels import WELL_KNOWN_LABELS, label_key_problem, restricted_label_problem
from sparkfleet.api.karpenter.nodeclaim import (
    NodeClaim,
    NodeClaimConditionType,
    NodeClaimResources,
    NodeClaimSpec,
    NodeClaimStatus,
)
from sparkfleet.api.karpenter.nodeoverlay import (
    OVERLAY_API_VERSION,
    NodeOverlay,
    NodeOverlaySpec,
    NodeOverlayStatus,
    adjusted_price,
    matches,
    merged_capacity,
    order_overlays,
    overlay_warnings,
    validate_nodeoverlay,
)
from sparkfleet.api.karpenter.nodepool import (
    API_VERSION,
    DEFAULT_BUDGET_NODES,
    DEFAULT_CONSOLIDATE_AFTER,
    DEFAULT_EXPIRE_AFTER,
    GROUP,
    Budget,
    BudgetDuration,
    BudgetNodes,
    ConsolidationPolicy,
    Disruption,
    DisruptionReason,
    Duration,
    NillableDuration,
    NodeClaimTemplate,
    NodeClaimTemplateMetadata,
    NodeClaimTemplateSpec,
    NodeClassReference,
    NodePool,
    NodePoolSpec,
    NodePoolStatus,
    NodeSelectorRequirementWithMinValues,
    RequirementOperator,
    order_by_weight,
)
from sparkfleet.api.karpenter.validation import (
    cron_problem,
    validate_nodeclaim,
    validate_nodepool,
    validate_requirements,
    validate_taints,
)

__all__ = [
    "API_VERSION",
    "DEFAULT_BUDGET_NODES",
    "DEFAULT_CONSOLIDATE_AFTER",
    "DEFAULT_EXPIRE_AFTER",
    "GROUP",
    "OVERLAY_API_VERSION",
    "WELL_KNOWN_LABELS",
    "Budget",
    "BudgetDuration",
    "BudgetNodes",
    "ConsolidationPolicy",
    "Disruption",
    "DisruptionReason",
    "Duration",
    "NillableDuration",
    "NodeClaim",
    "NodeClaimConditionType",
    "NodeClaimResources",
    "NodeClaimSpec",
    "NodeClaimStatus",
    "NodeClaimTemplate",
    "NodeClaimTemplateMetadata",
    "NodeClaimTemplateSpec",
    "NodeClassReference",
    "NodeOverlay",
    "NodeOverlaySpec",
    "NodeOverlayStatus",
    "NodePool",
    "NodePoolSpec",
    "NodePoolStatus",
    "NodeSelectorRequirementWithMinValues",
    "RequirementOperator",
    "adjusted_price",
    "cron_problem",
    "label_key_problem",
    "matches",
    "merged_capacity",
    "order_by_weight",
    "order_overlays",
    "overlay_warnings",
    "restricted_label_problem",
    "validate_nodeclaim",
    "validate_nodeoverlay",
    "validate_nodepool",
    "validate_requirements",
    "validate_taints",
]
