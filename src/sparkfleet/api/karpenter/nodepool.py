"""Karpenter's NodePool (`karpenter.sh/v1`): node requirements, the NodeClaim template, disruption and
its budgets, limits and weight, with the defaults and field patterns the CRD enforces."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from fractions import Fraction
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from sparkfleet.api.base import Model
from sparkfleet.api.durations import NEVER, parse_duration
from sparkfleet.api.meta import Condition, ObjectMeta, ResourceList
from sparkfleet.api.placement import Taint

GROUP = "karpenter.sh"
API_VERSION: Final = "karpenter.sh/v1"
DEFAULT_EXPIRE_AFTER = "720h"
DEFAULT_CONSOLIDATE_AFTER = "0s"
DEFAULT_BUDGET_NODES = "10%"

# Karpenter's CRD patterns: whole numbers of h/m/s only (no "1.5h", no "ms"); budgets take only h and m.
_KARPENTER_DURATION = re.compile(r"^([0-9]+(s|m|h))+$")
_BUDGET_DURATION = re.compile(r"^(([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?$")
_BUDGET_NODES = re.compile(r"^((100|[0-9]{1,2})%|[0-9]+)$")


def _duration(value: str) -> str:
    if not _KARPENTER_DURATION.match(value):
        raise ValueError(f'invalid duration "{value}": use whole h, m and s, e.g. "720h", "1m" or "1h30m"')
    return value


def _nillable_duration(value: str) -> str:
    if value == NEVER:
        return value
    if not _KARPENTER_DURATION.match(value):
        raise ValueError(
            f'invalid duration "{value}": use whole h, m and s, e.g. "720h", "1m" or "1h30m", or "Never"'
        )
    return value


def _budget_duration(value: str) -> str:
    if not _BUDGET_DURATION.match(value):
        raise ValueError(
            f'invalid budget duration "{value}": use hours and minutes only, e.g. "8h" or "1h30m"'
        )
    return value


def _budget_nodes(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError(
            f'nodes must be a string, a percentage like "10%" or a count like "5" (got {value!r})'
        )
    if not _BUDGET_NODES.match(value):
        raise ValueError(f'invalid nodes "{value}": use a percentage from "0%" to "100%" or a count like "5"')
    return value


def _weight(value: int) -> int:
    if not 1 <= value <= 100:
        raise ValueError(f"weight {value} is out of range: use 1 to 100 (higher weights are tried first)")
    return value


Duration = Annotated[str, AfterValidator(_duration)]
"""Karpenter's `metav1.Duration` fields (`terminationGracePeriod`): `^([0-9]+(s|m|h))+$`."""

NillableDuration = Annotated[str, AfterValidator(_nillable_duration)]
"""`expireAfter` and `consolidateAfter`: a duration or `Never`."""

BudgetDuration = Annotated[str, AfterValidator(_budget_duration)]
BudgetNodes = Annotated[str, BeforeValidator(_budget_nodes)]


class RequirementOperator(StrEnum):
    IN = "In"
    NOT_IN = "NotIn"
    EXISTS = "Exists"
    DOES_NOT_EXIST = "DoesNotExist"
    GT = "Gt"
    LT = "Lt"
    GTE = "Gte"
    LTE = "Lte"


class ConsolidationPolicy(StrEnum):
    WHEN_EMPTY = "WhenEmpty"
    WHEN_EMPTY_OR_UNDERUTILIZED = "WhenEmptyOrUnderutilized"
    BALANCED = "Balanced"
    """Karpenter v1.14: consolidate only where the saving outweighs the disruption (read here as
    WhenEmptyOrUnderutilized, the policy it refines)."""


class DisruptionReason(StrEnum):
    UNDERUTILIZED = "Underutilized"
    EMPTY = "Empty"
    DRIFTED = "Drifted"


class NodeSelectorRequirementWithMinValues(Model):
    """A node requirement; `minValues` asks for at least that many distinct values among the candidates."""

    key: str
    operator: RequirementOperator
    values: list[str] = Field(default_factory=list)
    minValues: int | None = Field(default=None, ge=1, le=50)


class NodeClassReference(Model):
    group: str
    kind: str
    name: str


class Budget(Model):
    """At most `nodes` of the pool's NodeClaims disrupted at once, while the schedule's window is open."""

    nodes: BudgetNodes = DEFAULT_BUDGET_NODES
    schedule: str | None = None
    duration: BudgetDuration | None = None
    reasons: list[DisruptionReason] | None = None

    def allowed(self, total_nodes: int) -> int:
        """The number of nodes this budget lets be disrupted; percentages round up, as Karpenter does."""
        if self.nodes.endswith("%"):
            return -(-total_nodes * int(self.nodes[:-1]) // 100)
        return int(self.nodes)


class Disruption(Model):
    consolidationPolicy: ConsolidationPolicy = ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED
    consolidateAfter: NillableDuration = DEFAULT_CONSOLIDATE_AFTER
    budgets: list[Budget] = Field(default_factory=lambda: [Budget()], max_length=50)


class NodeClaimTemplateMetadata(Model):
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


class NodeClaimTemplateSpec(Model):
    taints: list[Taint] = Field(default_factory=list)
    startupTaints: list[Taint] = Field(default_factory=list)
    requirements: list[NodeSelectorRequirementWithMinValues] = Field(max_length=100)
    nodeClassRef: NodeClassReference
    terminationGracePeriod: Duration | None = None
    expireAfter: NillableDuration = DEFAULT_EXPIRE_AFTER


class NodeClaimTemplate(Model):
    metadata: NodeClaimTemplateMetadata = Field(default_factory=NodeClaimTemplateMetadata)
    spec: NodeClaimTemplateSpec


class NodePoolSpec(Model):
    template: NodeClaimTemplate
    disruption: Disruption = Field(default_factory=Disruption)
    limits: ResourceList = Field(default_factory=dict)
    weight: Annotated[int, AfterValidator(_weight)] | None = None
    replicas: int | None = Field(default=None, ge=0)
    """Static capacity (Karpenter v1.8, alpha): keep this many nodes whatever the pods ask; consolidation
    is then ignored, only `limits.nodes` applies and `weight` is not allowed."""


class NodePoolStatus(Model):
    resources: ResourceList = Field(default_factory=dict)
    nodes: int | None = None
    conditions: list[Condition] = Field(default_factory=list)
    nodeClassObservedGeneration: int | None = None


class NodePool(Model):
    apiVersion: Literal["karpenter.sh/v1"] = API_VERSION
    kind: Literal["NodePool"] = "NodePool"
    metadata: ObjectMeta
    spec: NodePoolSpec
    status: NodePoolStatus | None = None

    @property
    def name(self) -> str:
        return self.metadata.name or ""

    @property
    def is_static(self) -> bool:
        """A pool with `replicas`: a fixed number of nodes, not provisioned for pending pods."""
        return self.spec.replicas is not None

    @property
    def effective_weight(self) -> int:
        """A pool without a weight sorts as weight 0."""
        return self.spec.weight or 0

    def expire_after_seconds(self) -> Fraction | None:
        """Seconds a node lives before it is replaced, or None for `Never`."""
        return parse_duration(self.spec.template.spec.expireAfter)

    def consolidate_after_seconds(self) -> Fraction | None:
        """Seconds a node must stay consolidatable before it is disrupted, or None for `Never`."""
        return parse_duration(self.spec.disruption.consolidateAfter)


def order_by_weight(pools: Iterable[NodePool]) -> list[NodePool]:
    """Karpenter's order: higher weight first; equal weights by name, later in the alphabet first."""
    by_name = sorted(pools, key=lambda p: p.name, reverse=True)
    return sorted(by_name, key=lambda p: p.effective_weight, reverse=True)
