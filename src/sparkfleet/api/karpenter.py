"""Karpenter's NodePool and NodeClaim (`karpenter.sh/v1`), with the defaults and rules its CRDs enforce.

Field-level rules (types, enums, duration and budget patterns, weight 1..100) are checked when a model is
built; the rules that span fields (values per operator, minValues, restricted labels, taint duplicates,
schedule with duration) are `validate_nodepool` / `validate_nodeclaim`, which name the exact field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from fractions import Fraction
from typing import Annotated, Any, Final, Literal

from croniter import croniter
from pydantic import AfterValidator, BeforeValidator, Field

from sparkfleet.api.base import FieldIssue, Model
from sparkfleet.api.durations import NEVER, parse_duration
from sparkfleet.api.meta import DNS1123_SUBDOMAIN, Condition, ObjectMeta, ResourceList
from sparkfleet.api.placement import Taint, check_values_for_operator
from sparkfleet.api.quantity import parse_quantity
from sparkfleet.api.wire import (
    LABEL_ARCH,
    LABEL_CAPACITY_TYPE,
    LABEL_HOSTNAME,
    LABEL_INSTANCE_TYPE,
    LABEL_NODEPOOL,
    LABEL_OS,
    LABEL_REGION,
    LABEL_WINDOWS_BUILD,
    LABEL_ZONE,
)

GROUP = "karpenter.sh"
API_VERSION: Final = "karpenter.sh/v1"
DEFAULT_EXPIRE_AFTER = "720h"
DEFAULT_CONSOLIDATE_AFTER = "0s"
DEFAULT_BUDGET_NODES = "10%"

# Karpenter's CRD patterns: whole numbers of h/m/s only (no "1.5h", no "ms"); budgets take only h and m.
_KARPENTER_DURATION = re.compile(r"^([0-9]+(s|m|h))+$")
_BUDGET_DURATION = re.compile(r"^(([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?$")
_BUDGET_NODES = re.compile(r"^((100|[0-9]{1,2})%|[0-9]+)$")
_CRON_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


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


class DisruptionReason(StrEnum):
    UNDERUTILIZED = "Underutilized"
    EMPTY = "Empty"
    DRIFTED = "Drifted"


class NodeClaimConditionType(StrEnum):
    """NodeClaim status conditions; Launched -> Registered -> Initialized make it Ready."""

    LAUNCHED = "Launched"
    REGISTERED = "Registered"
    INITIALIZED = "Initialized"
    READY = "Ready"
    CONSOLIDATABLE = "Consolidatable"
    DRIFTED = "Drifted"
    DRAINED = "Drained"
    # Set when disruption has chosen the node; the condition's reason says why (Empty, Drifted, ...).
    DISRUPTED = "Disrupted"
    VOLUMES_DETACHED = "VolumesDetached"
    INSTANCE_TERMINATING = "InstanceTerminating"
    CONSISTENT_STATE_FOUND = "ConsistentStateFound"


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


class NodeClaimResources(Model):
    requests: ResourceList = Field(default_factory=dict)


class NodeClaimSpec(Model):
    taints: list[Taint] = Field(default_factory=list)
    startupTaints: list[Taint] = Field(default_factory=list)
    requirements: list[NodeSelectorRequirementWithMinValues] = Field(max_length=100)
    resources: NodeClaimResources = Field(default_factory=NodeClaimResources)
    nodeClassRef: NodeClassReference
    terminationGracePeriod: Duration | None = None
    expireAfter: NillableDuration = DEFAULT_EXPIRE_AFTER


class NodeClaimStatus(Model):
    nodeName: str | None = None
    providerID: str | None = None
    imageID: str | None = None
    capacity: ResourceList = Field(default_factory=dict)
    allocatable: ResourceList = Field(default_factory=dict)
    conditions: list[Condition] = Field(default_factory=list)
    lastPodEventTime: str | None = None


class NodeClaim(Model):
    apiVersion: Literal["karpenter.sh/v1"] = API_VERSION
    kind: Literal["NodeClaim"] = "NodeClaim"
    metadata: ObjectMeta
    spec: NodeClaimSpec
    status: NodeClaimStatus | None = None

    def condition(self, kind: NodeClaimConditionType | str) -> Condition | None:
        for cond in self.status.conditions if self.status else []:
            if cond.type == str(kind):
                return cond
        return None

    def is_true(self, kind: NodeClaimConditionType | str) -> bool:
        cond = self.condition(kind)
        return cond is not None and cond.status == "True"


# --- label keys ----------------------------------------------------------------------------------------

_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

# Labels in restricted domains that Karpenter and its AWS provider know and allow in requirements.
WELL_KNOWN_LABELS = frozenset(
    {
        LABEL_NODEPOOL,
        LABEL_CAPACITY_TYPE,
        LABEL_ZONE,
        LABEL_REGION,
        LABEL_INSTANCE_TYPE,
        LABEL_ARCH,
        LABEL_OS,
        LABEL_WINDOWS_BUILD,
        # the aliases Karpenter normalises to the labels above
        "beta.kubernetes.io/arch",
        "beta.kubernetes.io/os",
        "beta.kubernetes.io/instance-type",
        "failure-domain.beta.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region",
        "topology.k8s.aws/zone-id",
        *(
            f"karpenter.k8s.aws/{name}"
            for name in (
                "capacity-reservation-id",
                "capacity-reservation-type",
                "instance-hypervisor",
                "instance-encryption-in-transit-supported",
                "instance-category",
                "instance-capacity-flex",
                "instance-family",
                "instance-generation",
                "instance-size",
                "instance-local-nvme",
                "instance-cpu",
                "instance-cpu-manufacturer",
                "instance-cpu-sustained-clock-speed-mhz",
                "instance-memory",
                "instance-ebs-bandwidth",
                "instance-network-bandwidth",
                "instance-gpu-name",
                "instance-gpu-manufacturer",
                "instance-gpu-count",
                "instance-gpu-memory",
                "instance-accelerator-name",
                "instance-accelerator-manufacturer",
                "instance-accelerator-count",
            )
        ),
    }
)
_RESTRICTED_DOMAINS = ("kubernetes.io", "k8s.io", "karpenter.sh", "karpenter.k8s.aws")
_DOMAIN_EXCEPTIONS = ("node.kubernetes.io", "node-restriction.kubernetes.io", "kops.k8s.io")


def label_key_problem(key: str) -> str | None:
    """Why `key` is not a syntactically valid label key (`[prefix/]name`), or None."""
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not DNS1123_SUBDOMAIN.match(prefix)):
        return f'"{key}" has an invalid prefix: use a DNS subdomain like "example.com/name"'
    if not name or len(name) > 63 or not _LABEL_NAME.match(name):
        return (
            f'"{key}" is not a valid label key: up to 63 letters, digits, "-", "_" and ".", '
            "starting and ending with a letter or digit"
        )
    return None


def restricted_label_problem(key: str) -> str | None:
    """Why Karpenter refuses `key` on a NodePool (requirement or template label), or None."""
    if key == LABEL_NODEPOOL:
        return f'label "{LABEL_NODEPOOL}" is restricted: Karpenter sets it to the NodePool\'s name'
    if key == LABEL_HOSTNAME:
        return f'label "{LABEL_HOSTNAME}" is restricted: the kubelet sets it'
    if key in WELL_KNOWN_LABELS:
        return None
    domain = key.partition("/")[0] if "/" in key else ""
    if any(domain.endswith(exception) for exception in _DOMAIN_EXCEPTIONS):
        return None
    for restricted in _RESTRICTED_DOMAINS:
        if domain.endswith(restricted):
            return f'label domain "{restricted}" is restricted: use a well-known label or your own domain'
    return None


# --- semantic validation -------------------------------------------------------------------------------


def validate_requirements(
    requirements: list[NodeSelectorRequirementWithMinValues], path: str, *, in_nodepool: bool
) -> list[FieldIssue]:
    """Per requirement: a valid key, values that fit the operator, and enough values for `minValues`."""
    issues: list[FieldIssue] = []
    for i, req in enumerate(requirements):
        here = f"{path}[{i}]"
        problem = label_key_problem(req.key)
        if problem is None and in_nodepool:
            problem = restricted_label_problem(req.key)
        if problem:
            issues.append(FieldIssue(f"{here}.key", problem))
        try:
            check_values_for_operator(req.operator.value, req.values)
        except ValueError as exc:
            issues.append(FieldIssue(f"{here}.values", str(exc)))
        else:
            if req.operator in (RequirementOperator.GT, RequirementOperator.LT) and int(req.values[0]) < 0:
                issues.append(
                    FieldIssue(
                        f"{here}.values", f'operator "{req.operator}" needs a non-negative integer value'
                    )
                )
        distinct = len(set(req.values))
        if req.minValues is not None and req.operator == RequirementOperator.IN and distinct < req.minValues:
            issues.append(
                FieldIssue(
                    f"{here}.minValues",
                    f"minValues {req.minValues} needs at least {req.minValues} distinct values in "
                    f'"values" (has {distinct})',
                )
            )
    return issues


def validate_taints(taints: list[Taint], startup: list[Taint], path: str) -> list[FieldIssue]:
    """Valid taint keys, and no key/effect pair twice across `taints` and `startupTaints`."""
    issues: list[FieldIssue] = []
    seen: set[tuple[str, str]] = set()
    for field, items in (("taints", taints), ("startupTaints", startup)):
        for i, taint in enumerate(items):
            here = f"{path}.{field}[{i}]"
            problem = label_key_problem(taint.key)
            if problem:
                issues.append(FieldIssue(f"{here}.key", problem.replace("label key", "taint key")))
            if taint.value and (len(taint.value) > 63 or not _LABEL_VALUE.match(taint.value)):
                issues.append(FieldIssue(f"{here}.value", f'"{taint.value}" is not a valid taint value'))
            pair = (taint.key, taint.effect.value)
            if pair in seen:
                issues.append(
                    FieldIssue(
                        here, f'duplicate taint "{taint.key}" with effect {taint.effect}; keep only one'
                    )
                )
            seen.add(pair)
    return issues


def cron_problem(schedule: str) -> str | None:
    """Why `schedule` is not a five-field cron expression (or @daily-style macro), or None."""
    expr = _CRON_MACROS.get(schedule.strip(), schedule.strip())
    if len(expr.split()) != 5 or not croniter.is_valid(expr):
        return (
            f'invalid schedule "{schedule}": use five cron fields (minute hour day-of-month month '
            'day-of-week), e.g. "0 9 * * 1-5", or a macro like "@daily"'
        )
    return None


def _validate_disruption(disruption: Disruption, path: str) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    for i, budget in enumerate(disruption.budgets):
        here = f"{path}.budgets[{i}]"
        if (budget.schedule is None) != (budget.duration is None):
            missing = "duration" if budget.duration is None else "schedule"
            issues.append(
                FieldIssue(f"{here}.{missing}", "'schedule' must be set with 'duration' (both or neither)")
            )
        if budget.schedule is not None:
            problem = cron_problem(budget.schedule)
            if problem:
                issues.append(FieldIssue(f"{here}.schedule", problem))
    return issues


def _validate_class_ref(ref: NodeClassReference, path: str) -> list[FieldIssue]:
    issues = [
        FieldIssue(f"{path}.{f}", "must not be empty")
        for f in ("group", "kind", "name")
        if not getattr(ref, f)
    ]
    if "/" in ref.group:
        issues.append(
            FieldIssue(
                f"{path}.group", f'"{ref.group}" is an API group without a version, e.g. "karpenter.k8s.aws"'
            )
        )
    return issues


def _validate_limits(limits: dict[str, str | int | float], path: str) -> list[FieldIssue]:
    return [
        FieldIssue(f"{path}.{name}", f"limit {value} must not be negative")
        for name, value in limits.items()
        if parse_quantity(value) < 0
    ]


def validate_nodepool(pool: NodePool) -> list[FieldIssue]:
    """Every rule of the NodePool CRD that spans fields, each with the path of the field to fix."""
    spec = pool.spec
    tpl = "spec.template"
    issues: list[FieldIssue] = []
    for key, value in spec.template.metadata.labels.items():
        problem = label_key_problem(key) or restricted_label_problem(key)
        if problem:
            issues.append(FieldIssue(f"{tpl}.metadata.labels.{key}", problem))
        elif len(value) > 63 or not _LABEL_VALUE.match(value):
            issues.append(
                FieldIssue(
                    f"{tpl}.metadata.labels.{key}",
                    f'"{value}" is not a valid label value: up to 63 letters, digits, "-", "_" and "."',
                )
            )
    issues += validate_requirements(
        spec.template.spec.requirements, f"{tpl}.spec.requirements", in_nodepool=True
    )
    issues += validate_taints(spec.template.spec.taints, spec.template.spec.startupTaints, f"{tpl}.spec")
    issues += _validate_class_ref(spec.template.spec.nodeClassRef, f"{tpl}.spec.nodeClassRef")
    issues += _validate_disruption(spec.disruption, "spec.disruption")
    issues += _validate_limits(spec.limits, "spec.limits")
    return issues


def validate_nodeclaim(claim: NodeClaim) -> list[FieldIssue]:
    """The NodeClaim's cross-field rules (the NodePool label is allowed here: Karpenter sets it)."""
    issues = validate_requirements(claim.spec.requirements, "spec.requirements", in_nodepool=False)
    issues += validate_taints(claim.spec.taints, claim.spec.startupTaints, "spec")
    issues += _validate_class_ref(claim.spec.nodeClassRef, "spec.nodeClassRef")
    return issues
