"""YuniKorn's pod annotations, checked as the k8shim parses them: the gang's task groups and its policy.

`yunikorn.apache.org/task-groups` is a JSON list of task groups (`name`, `minMember`, `minResource`,
`nodeSelector`, `tolerations`, `affinity`, `topologySpreadConstraints`, `labels`, `annotations`); the shim
decodes it with Go's encoding/json, so keys it does not know are ignored, but a value of the wrong shape
fails the whole annotation. `yunikorn.apache.org/schedulingPolicyParameters` is a space-separated
`key=value` list of `placeholderTimeoutInSeconds` (seconds, > 0) and `gangSchedulingStyle` (Soft, Hard).
A malformed task-groups annotation is an error naming the annotation and what is wrong; the shim skips a
malformed or unknown scheduling policy parameter (logging it, the default applies), so those are warnings:
upstream manifests carry such misspellings and run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from sparkfleet.api.base import FieldIssue, did_you_mean, hinted_issues
from sparkfleet.api.placement import Affinity, Toleration, TopologySpreadConstraint
from sparkfleet.api.quantity import is_quantity
from sparkfleet.api.wire import ANNOTATION_SCHEDULING_POLICY_PARAMETERS, ANNOTATION_TASK_GROUPS

__all__ = ["POLICY_PARAMETERS", "yunikorn_annotation_issues", "yunikorn_annotation_warnings"]

POLICY_PARAMETERS = {
    "placeholderTimeoutInSeconds": "a positive number of seconds",
    "gangSchedulingStyle": "Soft or Hard",
}
"""The keys of schedulingPolicyParameters, and what each takes."""
_STYLES = ("Soft", "Hard")
_STRING_MAPS = ("nodeSelector", "labels", "annotations")
_TYPED: dict[str, type[BaseModel]] = {"affinity": Affinity}
_TYPED_LISTS: dict[str, type[BaseModel]] = {
    "tolerations": Toleration,
    "topologySpreadConstraints": TopologySpreadConstraint,
}


def yunikorn_annotation_issues(annotations: Mapping[str, str], path: str) -> list[FieldIssue]:
    """The errors of the YuniKorn annotations among `annotations` (at `path`, e.g. metadata.annotations)."""
    groups = annotations.get(ANNOTATION_TASK_GROUPS)
    if groups is None:
        return []
    return _task_group_issues(groups, f'{path}["{ANNOTATION_TASK_GROUPS}"]')


def yunikorn_annotation_warnings(annotations: Mapping[str, str], path: str) -> list[FieldIssue]:
    """The scheduling policy parameters YuniKorn would skip (the defaults apply instead)."""
    params = annotations.get(ANNOTATION_SCHEDULING_POLICY_PARAMETERS)
    if params is None:
        return []
    where = f'{path}["{ANNOTATION_SCHEDULING_POLICY_PARAMETERS}"]'
    return [FieldIssue(i.path, f"{i.message}; YuniKorn skips it") for i in _policy_issues(params, where)]


def _task_group_issues(text: str, path: str) -> list[FieldIssue]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        return [FieldIssue(path, f"not valid JSON ({exc}): write a JSON list of task groups")]
    if not isinstance(data, list):
        return [
            FieldIssue(path, 'must be a JSON list of task groups: [{"name": ..., "minMember": ..., ...}]')
        ]
    issues: list[FieldIssue] = []
    names: set[str] = set()
    for i, group in enumerate(data):
        here = f"{path}[{i}]"
        if not isinstance(group, dict):
            issues.append(FieldIssue(here, "must be an object with name, minMember and minResource"))
            continue
        name = group.get("name")
        if not isinstance(name, str) or not name:
            issues.append(FieldIssue(f"{here}.name", "required: every task group needs a name"))
        elif name in names:
            issues.append(
                FieldIssue(f"{here}.name", f'"{name}" is used twice: task group names must be unique')
            )
        else:
            names.add(name)
        issues += _group_field_issues(group, here)
    return issues


def _group_field_issues(group: dict[str, Any], here: str) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    members = group.get("minMember", 0)
    if not isinstance(members, int) or isinstance(members, bool) or members < 0:
        issues.append(FieldIssue(f"{here}.minMember", f"must be a non-negative integer, got {members!r}"))
    resources = group.get("minResource", {})
    if not isinstance(resources, dict):
        issues.append(FieldIssue(f"{here}.minResource", 'must be a map of resource quantities: {"cpu": "1"}'))
    else:
        issues += [
            FieldIssue(f"{here}.minResource.{name}", f"{amount!r} is not a Kubernetes quantity")
            for name, amount in resources.items()
            if not is_quantity(amount)
        ]
    for key in _STRING_MAPS:
        value = group.get(key)
        if value is not None and not (
            isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
        ):
            issues.append(FieldIssue(f"{here}.{key}", "must be a map of strings to strings"))
    for key, model in _TYPED.items():
        if group.get(key) is not None:
            issues += _model_issues(model, group[key], f"{here}.{key}")
    for key, model in _TYPED_LISTS.items():
        items = group.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            issues.append(FieldIssue(f"{here}.{key}", "must be a list"))
            continue
        for j, item in enumerate(items):
            issues += _model_issues(model, item, f"{here}.{key}[{j}]")
    return issues


def _model_issues(model: type[BaseModel], value: Any, path: str) -> list[FieldIssue]:
    try:
        model.model_validate(value)
    except ValidationError as exc:
        return [
            FieldIssue(f"{path}.{i.path}" if i.path else path, i.message) for i in hinted_issues(exc, model)
        ]
    return []


def _policy_issues(text: str, path: str) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    for token in text.split():
        key, eq, value = token.partition("=")
        if not eq or not key or "=" in value:
            issues.append(
                FieldIssue(path, f'"{token}" is not key=value, e.g. "placeholderTimeoutInSeconds=60"')
            )
        elif key not in POLICY_PARAMETERS:
            hint = did_you_mean(key, list(POLICY_PARAMETERS))
            known = ", ".join(POLICY_PARAMETERS)
            issues.append(FieldIssue(path, f'unknown parameter "{key}"{hint}: YuniKorn knows {known}'))
        elif key == "gangSchedulingStyle" and value not in _STYLES:
            issues.append(
                FieldIssue(
                    path,
                    f'gangSchedulingStyle "{value}" is not Soft or Hard{did_you_mean(value, list(_STYLES))}',
                )
            )
        elif key == "placeholderTimeoutInSeconds" and not (value.isdigit() and int(value) > 0):
            issues.append(
                FieldIssue(
                    path, f'placeholderTimeoutInSeconds "{value}" must be a positive number of seconds'
                )
            )
    return issues
