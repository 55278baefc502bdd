"""Karpenter's NodeOverlay (`karpenter.sh/v1alpha1`, Karpenter v1.7+): the prices and extra capacity the
scheduling simulation should assume for a set of instance types, e.g. a Savings Plan discount per family.

An overlay applies to the instance types and offerings its requirements match (all of them; an empty list
matches everything). `price` replaces the price, `priceAdjustment` changes it: a signed amount (`-0.5`,
`+1.2`) or a percentage (`-10%`, `+15%`, at most `-100%`); the two are mutually exclusive. `capacity`
adds extended resources (never cpu, memory, ephemeral-storage or pods). Where several overlays match,
the highest `weight` wins (no weight counts as 0), equal weights in name order: one price per offering,
capacity merged key by key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Final, Literal

from pydantic import Field

from sparkfleet.api.base import FieldIssue, Model
from sparkfleet.api.karpenter.labels import LABEL_VALUE, WELL_KNOWN_LABELS, label_key_problem
from sparkfleet.api.meta import Condition, ObjectMeta, ResourceList
from sparkfleet.api.placement import NodeSelectorRequirement, check_values_for_operator
from sparkfleet.api.wire import LABEL_CAPACITY_TYPE, LABEL_HOSTNAME, LABEL_NODEPOOL

__all__ = [
    "OVERLAY_API_VERSION",
    "NodeOverlay",
    "NodeOverlaySpec",
    "NodeOverlayStatus",
    "adjusted_price",
    "matches",
    "merged_capacity",
    "order_overlays",
    "overlay_warnings",
    "validate_nodeoverlay",
]

OVERLAY_API_VERSION: Final = "karpenter.sh/v1alpha1"
# The CRD's patterns, as written there.
_PRICE = r"^\d+(\.\d+)?$"
_ADJUSTMENT = r"^(([+-]{1}(\d*\.?\d+))|(\+{1}\d*\.?\d+%)|(^(-\d{1,2}(\.\d+)?%)$)|(-100%))$"
_STANDARD_RESOURCES = ("cpu", "memory", "ephemeral-storage", "pods")
_KARPENTER_KEYS = (LABEL_CAPACITY_TYPE, LABEL_NODEPOOL)


class NodeOverlaySpec(Model):
    requirements: list[NodeSelectorRequirement] = Field(max_length=100)
    price: str | None = Field(default=None, pattern=_PRICE)
    priceAdjustment: str | None = Field(default=None, pattern=_ADJUSTMENT)
    capacity: ResourceList = Field(default_factory=dict)
    weight: int | None = Field(default=None, ge=1, le=10000)


class NodeOverlayStatus(Model):
    conditions: list[Condition] = Field(default_factory=list)


class NodeOverlay(Model):
    apiVersion: Literal["karpenter.sh/v1alpha1"] = OVERLAY_API_VERSION
    kind: Literal["NodeOverlay"] = "NodeOverlay"
    metadata: ObjectMeta
    spec: NodeOverlaySpec
    status: NodeOverlayStatus | None = None

    @property
    def name(self) -> str:
        return self.metadata.name or ""

    @property
    def sets_price(self) -> bool:
        return self.spec.price is not None or self.spec.priceAdjustment is not None


def order_overlays(overlays: Iterable[NodeOverlay]) -> list[NodeOverlay]:
    """Precedence: higher weight first (no weight is 0), equal weights by name."""
    return sorted(overlays, key=lambda o: (-(o.spec.weight or 0), o.name))


def adjusted_price(price: float, overlay: NodeOverlay) -> float:
    """The price an overlay makes of `price` (never below zero)."""
    spec = overlay.spec
    if spec.price is not None:
        return float(Fraction(spec.price))
    if spec.priceAdjustment is None:
        return price
    text = spec.priceAdjustment
    if text.endswith("%"):
        return max(price * (1 + float(Fraction(text[:-1])) / 100), 0.0)
    return max(price + float(Fraction(text)), 0.0)


def merged_capacity(overlays: Iterable[NodeOverlay]) -> dict[str, str | int | float]:
    """The extended resources the matching overlays add, a higher-precedence overlay winning per key."""
    merged: dict[str, str | int | float] = {}
    for overlay in reversed(order_overlays(overlays)):
        merged.update(overlay.spec.capacity)
    return merged


def _requirement_issues(reqs: list[NodeSelectorRequirement]) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    for i, req in enumerate(reqs):
        here = f"spec.requirements[{i}]"
        problem = label_key_problem(req.key)
        domain = req.key.partition("/")[0] if "/" in req.key else ""
        if problem is None and domain.endswith("karpenter.sh") and req.key not in _KARPENTER_KEYS:
            problem = 'label domain "karpenter.sh" is restricted'
        if problem is None and req.key == LABEL_HOSTNAME:
            problem = f'label "{LABEL_HOSTNAME}" is restricted'
        if problem:
            issues.append(FieldIssue(f"{here}.key", problem))
        bad = [v for v in req.values if len(v) > 63 or not LABEL_VALUE.match(v)]
        if bad:
            issues.append(FieldIssue(f"{here}.values", f'"{bad[0]}" is not a valid label value'))
        try:
            check_values_for_operator(req.operator.value, req.values)
        except ValueError as exc:
            issues.append(FieldIssue(f"{here}.values", str(exc)))
    return issues


def validate_nodeoverlay(overlay: NodeOverlay) -> list[FieldIssue]:
    """The CRD's rules that span fields: requirements, price or priceAdjustment, extended resources only."""
    spec = overlay.spec
    issues = _requirement_issues(spec.requirements)
    if spec.price is not None and spec.priceAdjustment is not None:
        issues.append(FieldIssue("spec.price", "cannot set both 'price' and 'priceAdjustment'"))
    issues += [
        FieldIssue(
            f"spec.capacity.{name}",
            f"invalid resource restricted: capacity adds extended resources only, not {name}",
        )
        for name in spec.capacity
        if name in _STANDARD_RESOURCES
    ]
    return issues


def overlay_warnings(overlay: NodeOverlay) -> list[FieldIssue]:
    """What the planner cannot honour: prices are kept per offering, shared by every NodePool, so a
    requirement on a pool's label matches no offering; extended capacity is not simulated."""
    found = [
        FieldIssue(
            f"spec.requirements[{i}].key",
            f"{req.key} is not a label of an instance type or offering: sparkfleet's planner matches "
            "overlays on those only, so this overlay applies to no offering",
        )
        for i, req in enumerate(overlay.spec.requirements)
        if (req.key == LABEL_NODEPOOL or req.key not in WELL_KNOWN_LABELS)
        and req.operator.value in ("In", "Exists", "Gt", "Lt")
    ]
    if overlay.spec.capacity:
        found.append(
            FieldIssue("spec.capacity", "kept, but sparkfleet's planner does not simulate extended resources")
        )
    return found


def matches(overlay: NodeOverlay, labels: Mapping[str, str]) -> bool:
    """Whether every requirement of the overlay holds for a node with `labels`."""
    for req in overlay.spec.requirements:
        value = labels.get(req.key)
        op = req.operator.value
        if op == "In" and value not in req.values:
            return False
        if op == "NotIn" and value in req.values:
            return False
        if op == "Exists" and value is None:
            return False
        if op == "DoesNotExist" and value is not None:
            return False
        if op in ("Gt", "Lt"):
            number = _integer(value)
            if number is None or (
                number <= int(req.values[0]) if op == "Gt" else number >= int(req.values[0])
            ):
                return False
    return True


_INTEGER = re.compile(r"^-?\d+$")


def _integer(value: str | None) -> int | None:
    return int(value) if value is not None and _INTEGER.match(value) else None
