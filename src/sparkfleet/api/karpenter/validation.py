"""The NodePool and NodeClaim CRDs' cross-field rules, each issue naming the exact field.

Values per operator, minValues, restricted labels, taint duplicates, budget schedule with duration.
"""

from __future__ import annotations

from sparkfleet.api.base import FieldIssue
from sparkfleet.api.cron import CRON_DESCRIPTORS as _CRON_MACROS
from sparkfleet.api.karpenter.labels import LABEL_VALUE, label_key_problem, restricted_label_problem
from sparkfleet.api.karpenter.nodeclaim import NodeClaim
from sparkfleet.api.karpenter.nodepool import (
    Disruption,
    NodeClassReference,
    NodePool,
    NodeSelectorRequirementWithMinValues,
    RequirementOperator,
)
from sparkfleet.api.placement import Taint, check_values_for_operator
from sparkfleet.api.quantity import parse_quantity


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
            if taint.value and (len(taint.value) > 63 or not LABEL_VALUE.match(taint.value)):
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
    from croniter import croniter  # only budgets with a schedule need it

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
        elif len(value) > 63 or not LABEL_VALUE.match(value):
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
    if spec.replicas is not None:
        # The CRD's rules for a static NodePool.
        issues += [
            FieldIssue(f"spec.limits.{name}", "only 'limits.nodes' is supported on static NodePools")
            for name in spec.limits
            if name != "nodes"
        ]
        if spec.weight is not None:
            issues.append(FieldIssue("spec.weight", "'weight' is not supported on static NodePools"))
    return issues


def validate_nodeclaim(claim: NodeClaim) -> list[FieldIssue]:
    """The NodeClaim's cross-field rules (the NodePool label is allowed here: Karpenter sets it)."""
    issues = validate_requirements(claim.spec.requirements, "spec.requirements", in_nodepool=False)
    issues += validate_taints(claim.spec.taints, claim.spec.startupTaints, "spec")
    issues += _validate_class_ref(claim.spec.nodeClassRef, "spec.nodeClassRef")
    return issues
