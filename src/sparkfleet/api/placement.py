"""Where a pod may run: taints and tolerations, node selectors and affinity (core/v1 shapes).

The pod-side types are `CoreModel`s, checked against the Kubernetes schema; a Taint is also what a
NodePool writes, so it stays a strict model of its own.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from sparkfleet.api.base import Model
from sparkfleet.api.kubeschema import CoreModel


class TaintEffect(StrEnum):
    NO_SCHEDULE = "NoSchedule"
    PREFER_NO_SCHEDULE = "PreferNoSchedule"
    NO_EXECUTE = "NoExecute"


class Taint(Model):
    key: str
    value: str | None = None
    effect: TaintEffect
    timeAdded: str | None = None


class TolerationOperator(StrEnum):
    EXISTS = "Exists"
    EQUAL = "Equal"


class Toleration(CoreModel):
    key: str | None = None
    operator: TolerationOperator | None = None
    value: str | None = None
    effect: TaintEffect | None = None
    tolerationSeconds: int | None = None

    @model_validator(mode="after")
    def _exists_has_no_value(self) -> Toleration:
        if self.operator == TolerationOperator.EXISTS and self.value:
            raise ValueError('a toleration with operator "Exists" must not set a value; remove "value"')
        if not self.key and self.operator not in (None, TolerationOperator.EXISTS):
            raise ValueError('a toleration without a key must use operator "Exists"')
        return self

    def tolerates(self, taint: Taint) -> bool:
        """Kubernetes' rule: empty effect matches all effects, empty key with Exists matches all keys."""
        if self.effect is not None and self.effect != taint.effect:
            return False
        if not self.key:
            return self.operator == TolerationOperator.EXISTS
        if self.key != taint.key:
            return False
        if self.operator == TolerationOperator.EXISTS:
            return True
        return (self.value or "") == (taint.value or "")


class SelectorOperator(StrEnum):
    IN = "In"
    NOT_IN = "NotIn"
    EXISTS = "Exists"
    DOES_NOT_EXIST = "DoesNotExist"
    GT = "Gt"
    LT = "Lt"


class NodeSelectorRequirement(CoreModel):
    key: str
    operator: SelectorOperator
    values: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _values_fit_operator(self) -> NodeSelectorRequirement:
        check_values_for_operator(self.operator.value, self.values)
        return self


def check_values_for_operator(operator: str, values: list[str]) -> None:
    """The value rules Kubernetes enforces for selector operators (shared with NodePool requirements)."""
    if operator in ("In", "NotIn") and not values:
        raise ValueError(f'operator "{operator}" needs at least one value in "values"')
    if operator in ("Exists", "DoesNotExist") and values:
        raise ValueError(f'operator "{operator}" takes no values; remove "values"')
    if operator in ("Gt", "Lt", "Gte", "Lte"):
        if len(values) != 1:
            raise ValueError(f'operator "{operator}" needs exactly one integer value')
        try:
            int(values[0])
        except ValueError:
            raise ValueError(f'operator "{operator}" needs an integer value, got "{values[0]}"') from None


class NodeSelectorTerm(CoreModel):
    matchExpressions: list[NodeSelectorRequirement] = Field(default_factory=list)
    matchFields: list[NodeSelectorRequirement] = Field(default_factory=list)


class NodeSelector(CoreModel):
    nodeSelectorTerms: list[NodeSelectorTerm]


class PreferredSchedulingTerm(CoreModel):
    weight: int = Field(ge=1, le=100)
    preference: NodeSelectorTerm


class NodeAffinity(CoreModel):
    requiredDuringSchedulingIgnoredDuringExecution: NodeSelector | None = None
    preferredDuringSchedulingIgnoredDuringExecution: list[PreferredSchedulingTerm] = Field(
        default_factory=list
    )


class LabelSelectorRequirement(CoreModel):
    k8s_definition = "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement"

    key: str
    operator: str
    values: list[str] = Field(default_factory=list)


class LabelSelector(CoreModel):
    k8s_definition = "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"

    matchLabels: dict[str, str] = Field(default_factory=dict)
    matchExpressions: list[LabelSelectorRequirement] = Field(default_factory=list)


class PodAffinityTerm(CoreModel):
    labelSelector: LabelSelector | None = None
    namespaces: list[str] = Field(default_factory=list)
    topologyKey: str
    namespaceSelector: LabelSelector | None = None
    matchLabelKeys: list[str] = Field(default_factory=list)
    mismatchLabelKeys: list[str] = Field(default_factory=list)


class WeightedPodAffinityTerm(CoreModel):
    weight: int = Field(ge=1, le=100)
    podAffinityTerm: PodAffinityTerm


class PodAffinity(CoreModel):
    """PodAffinity and PodAntiAffinity: the same fields."""

    requiredDuringSchedulingIgnoredDuringExecution: list[PodAffinityTerm] = Field(default_factory=list)
    preferredDuringSchedulingIgnoredDuringExecution: list[WeightedPodAffinityTerm] = Field(
        default_factory=list
    )


class Affinity(CoreModel):
    nodeAffinity: NodeAffinity | None = None
    podAffinity: PodAffinity | None = None
    podAntiAffinity: PodAffinity | None = None


class TopologySpreadConstraint(CoreModel):
    maxSkew: int = Field(ge=1)
    topologyKey: str
    whenUnsatisfiable: str
    labelSelector: LabelSelector | None = None
    minDomains: int | None = None
    nodeAffinityPolicy: str | None = None
    nodeTaintsPolicy: str | None = None
    matchLabelKeys: list[str] = Field(default_factory=list)
