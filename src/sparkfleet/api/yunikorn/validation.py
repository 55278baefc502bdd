"""The checks YuniKorn applies when it loads a `queues.yaml`, each issue naming its path in the document.

Names, ACLs, resources up the tree, maxapplications, limits and placement rules, plus the values of the
queue properties YuniKorn knows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sparkfleet.api.base import FieldIssue
from sparkfleet.api.durations import DurationError, parse_go_duration
from sparkfleet.api.resources import (
    Resources,
    add,
    exceeding,
    fits_in,
    fits_in_max,
    format_resources,
    min_of_maxes,
    yunikorn_resources,
)
from sparkfleet.api.yunikorn.partitions import (
    DEFAULT_PARTITION,
    Partition,
    PlacementFilter,
    PlacementRule,
    PlacementRuleName,
    SchedulerConfig,
    root_queue,
)
from sparkfleet.api.yunikorn.queues import (
    APPLICATION_SORT_POLICY,
    APPLICATION_SORT_PRIORITY,
    GROUP_NAME,
    PREEMPTION_DELAY,
    PREEMPTION_POLICY,
    PRIORITY_OFFSET,
    PRIORITY_POLICY,
    QUOTA_PREEMPTION_DELAY,
    ROOT,
    UNSCHEDULABLE_ASKS_BACKOFF,
    USER_NAME,
    Limit,
    QueueConfig,
)

_QUEUE_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_REGEXP_CHARS = re.compile(r"[\^$*+?()\[{}|]")
_PROPERTY_VALUES = {
    APPLICATION_SORT_POLICY: ("fifo", "fair"),
    APPLICATION_SORT_PRIORITY: ("enabled", "disabled"),
    PRIORITY_POLICY: ("default", "fence"),
    PREEMPTION_POLICY: ("default", "fence", "disabled"),
}
_INT32 = (-(2**31), 2**31 - 1)


def _acl_issues(acl: str | None, path: str) -> list[FieldIssue]:
    if acl is None or acl.strip() in ("", "*"):
        return []
    if len(acl.split()) > 2:
        return [FieldIssue(path, f"multiple spaces found in ACL '{acl}': use \"user1,user2 group1,group2\"")]
    issues: list[FieldIssue] = []
    users_part, _, groups_part = acl.partition(" ")
    for user in filter(None, users_part.split(",")):
        if user != "*" and not USER_NAME.match(user):
            issues.append(FieldIssue(path, f'"{user}" is not a valid user name; YuniKorn would ignore it'))
    for group in filter(None, groups_part.strip().split(",")):
        if group != "*" and not GROUP_NAME.match(group):
            issues.append(FieldIssue(path, f'"{group}" is not a valid group name; YuniKorn would ignore it'))
    return issues


def _limit_issues(limits: list[Limit], path: str) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    wildcard = {"users": -1, "groups": -1}
    for i, limit in enumerate(limits):
        here = f"{path}[{i}]"
        if not limit.users and not limit.groups:
            issues.append(FieldIssue(here, 'a limit needs users or groups ("*" for everyone)'))
        for field, pattern in (("users", USER_NAME), ("groups", GROUP_NAME)):
            for name in getattr(limit, field):
                if name == "*":
                    if wildcard[field] != -1:
                        issues.append(
                            FieldIssue(f"{here}.{field}", f"only one wildcard {field[:-1]} limit is allowed")
                        )
                    wildcard[field] = i
                    continue
                if not pattern.match(name):
                    issues.append(FieldIssue(f"{here}.{field}", f'invalid {field[:-1]} name "{name}"'))
                if wildcard[field] != -1:
                    issues.append(
                        FieldIssue(
                            f"{here}.{field}",
                            f'"{name}" comes after the wildcard {field[:-1]} limit: put the wildcard last',
                        )
                    )
        if limit.maxapplications == 0 and not any(yunikorn_resources(limit.maxresources or {}).values()):
            issues.append(FieldIssue(here, "set maxapplications or maxresources: all limits are empty"))
    return issues


def _property_issues(properties: Mapping[str, str], path: str) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    for key, value in properties.items():
        here = f"{path}.{key}"
        allowed = _PROPERTY_VALUES.get(key)
        if allowed is not None and value.lower() not in allowed:
            issues.append(FieldIssue(here, f'"{value}" is not one of {", ".join(allowed)}'))
        elif key == PRIORITY_OFFSET:
            try:
                offset = int(value)
            except ValueError:
                issues.append(FieldIssue(here, f'"{value}" is not an integer'))
            else:
                if not _INT32[0] <= offset <= _INT32[1]:
                    issues.append(FieldIssue(here, f"{offset} does not fit a 32-bit priority"))
        elif key == PREEMPTION_DELAY:
            try:
                delay = parse_go_duration(value)
            except DurationError as exc:
                issues.append(FieldIssue(here, str(exc)))
            else:
                if delay <= 0:
                    issues.append(FieldIssue(here, f'"{value}" must be a positive duration, e.g. "30s"'))
        elif key in (QUOTA_PREEMPTION_DELAY, UNSCHEDULABLE_ASKS_BACKOFF):
            try:
                wait = parse_go_duration(value)
            except DurationError as exc:
                issues.append(FieldIssue(here, str(exc)))
            else:
                if wait < 0:
                    issues.append(FieldIssue(here, f'"{value}" must not be negative, e.g. "5m"'))
    return issues


def _name_issue(name: str, path: str) -> FieldIssue | None:
    if "." in name:
        return FieldIssue(
            path, f'"{name}" contains a dot: dots separate levels of a queue path; use "_" or "-"'
        )
    if len(name) > 64:
        return FieldIssue(path, f'"{name[:20]}..." is longer than 64 characters')
    if not _QUEUE_NAME.match(name):
        return FieldIssue(path, f'"{name}" may only contain letters, digits, "-" and "_"')
    return None


def _resource_pair_issues(guaranteed: Resources, maximum: Resources, path: str) -> list[FieldIssue]:
    over = exceeding(maximum, guaranteed, missing_is_unlimited=True)
    if over:
        return [
            FieldIssue(
                f"{path}.guaranteed",
                f"guaranteed {format_resources(guaranteed)} is larger than max {format_resources(maximum)} "
                f"({', '.join(over)})",
            )
        ]
    return []


def _queue_issues(
    queue: QueueConfig, path: str, parent_max: Resources | None
) -> tuple[list[FieldIssue], Resources]:
    """Issues of one queue and its subtree; returns the guaranteed it reserves from its parent."""
    issues = _acl_issues(queue.adminacl, f"{path}.adminacl") + _acl_issues(
        queue.submitacl, f"{path}.submitacl"
    )
    issues += _limit_issues(queue.limits, f"{path}.limits")
    issues += _property_issues(queue.properties, f"{path}.properties")
    if queue.childtemplate is not None:
        tpl = queue.childtemplate
        issues += _property_issues(tpl.properties, f"{path}.childtemplate.properties")
        if tpl.resources is not None:
            issues += _resource_pair_issues(
                yunikorn_resources(tpl.resources.guaranteed or {}),
                yunikorn_resources(tpl.resources.max or {}),
                f"{path}.childtemplate.resources",
            )
    guaranteed, own_max = queue.guaranteed(), queue.max()
    issues += _resource_pair_issues(guaranteed, own_max, f"{path}.resources")
    effective_max = own_max
    if parent_max is not None:
        over = exceeding(parent_max, own_max, missing_is_unlimited=True)
        if over:
            issues.append(
                FieldIssue(
                    f"{path}.resources.max",
                    f"max {format_resources(own_max)} is larger than the parent's max "
                    f"{format_resources(parent_max)} ({', '.join(over)})",
                )
            )
        effective_max = min_of_maxes(own_max, parent_max)
    seen: dict[str, int] = {}
    children_guaranteed: Resources = {}
    for i, child in enumerate(queue.queues):
        here = f"{path}.queues[{i}]"
        problem = _name_issue(child.name, f"{here}.name")
        if problem:
            issues.append(problem)
        lowered = child.name.lower()
        if lowered in seen:
            issues.append(
                FieldIssue(
                    f"{here}.name", f'duplicate queue name "{child.name}" (also queues[{seen[lowered]}])'
                )
            )
        seen.setdefault(lowered, i)
        if queue.maxapplications and not 0 < child.maxapplications <= queue.maxapplications:
            issues.append(
                FieldIssue(
                    f"{here}.maxapplications",
                    f"{child.maxapplications or 'unset (unlimited)'} is above the parent's maxapplications "
                    f"{queue.maxapplications}: set it to at most {queue.maxapplications}",
                )
            )
        child_issues, child_guaranteed = _queue_issues(child, here, effective_max)
        issues += child_issues
        children_guaranteed = add(children_guaranteed, child_guaranteed)
    has_guaranteed = any(guaranteed.values())
    if has_guaranteed and not fits_in(guaranteed, children_guaranteed):
        issues.append(
            FieldIssue(
                f"{path}.resources.guaranteed",
                f"guaranteed {format_resources(guaranteed)} is smaller than the children's guaranteed sum "
                f"{format_resources(children_guaranteed)}",
            )
        )
    if not fits_in_max(effective_max, children_guaranteed):
        issues.append(
            FieldIssue(
                f"{path}.resources.max",
                f"max {format_resources(effective_max)} is smaller than the children's guaranteed sum "
                f"{format_resources(children_guaranteed)}",
            )
        )
    return issues, (guaranteed if has_guaranteed else children_guaranteed)


def _filter_issues(rule_filter: PlacementFilter | None, path: str) -> list[FieldIssue]:
    if rule_filter is None:
        return []
    issues: list[FieldIssue] = []
    if rule_filter.type not in ("", "allow", "deny"):
        issues.append(FieldIssue(f"{path}.type", f'"{rule_filter.type}" is not allow or deny'))
    for field, pattern in (("users", USER_NAME), ("groups", GROUP_NAME)):
        names: list[str] = getattr(rule_filter, field)
        # a single entry that is not a plain name is a regular expression
        if len(names) == 1 and not pattern.match(names[0]):
            try:
                re.compile(names[0])
                is_regexp = bool(_REGEXP_CHARS.search(names[0]))
            except re.error:
                is_regexp = False
            if not is_regexp:
                issues.append(
                    FieldIssue(f"{path}.{field}", f'"{names[0]}" is neither a {field[:-1]} name nor a regexp')
                )
    return issues


def _rule_issues(rule: PlacementRule, path: str) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    if rule.name in (PlacementRuleName.FIXED, PlacementRuleName.TAG) and not rule.value:
        what = (
            "the queue name (or path)" if rule.name == PlacementRuleName.FIXED else "the tag, e.g. namespace"
        )
        issues.append(FieldIssue(f"{path}.value", f'a "{rule.name}" rule needs a value: {what}'))
    issues += _filter_issues(rule.filter, f"{path}.filter")
    if rule.parent is not None:
        issues += _rule_issues(rule.parent, f"{path}.parent")
    return issues


def _static_path(rule: PlacementRule) -> tuple[str, bool]:
    """The longest fixed queue path a rule chain yields, and whether a dynamic part precedes it."""
    if rule.parent is not None:
        parent_path, dynamic = _static_path(rule.parent)
    else:
        parent_path, dynamic = ROOT, False
    if rule.name == PlacementRuleName.FIXED:
        value = (rule.value or "").lower()
        if value.startswith(ROOT):
            return value, False
        return (ROOT, True) if dynamic else (f"{parent_path}.{value}", False)
    return parent_path, True


def _placement_path_issue(rule: PlacementRule, root: QueueConfig, path: str) -> FieldIssue | None:
    """YuniKorn's check of the queues a rule chain names: they must exist unless the rule creates them,
    and every queue the chain places below must be a parent. A fixed rule's own queue may be a leaf."""
    static, dynamic = _static_path(rule)
    parts = static.split(".")[1:]  # below root
    target_is_leaf_ok = rule.name == PlacementRuleName.FIXED and not dynamic
    level = root.queues
    walked = ROOT
    for depth, part in enumerate(parts, start=1):
        found = next((q for q in level if q.name.lower() == part), None)
        walked = f"{walked}.{part}"
        if found is None:
            if rule.create:
                return None
            return FieldIssue(path, f'references queue "{walked}", which does not exist, and create is false')
        if not found.is_parent and not (target_is_leaf_ok and depth == len(parts)):
            return FieldIssue(path, f'places applications below queue "{walked}", but it is a leaf queue')
        level = found.queues
    return None


def validate_partition(partition: Partition, path: str) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    queues = partition.queues
    if not queues:
        return [FieldIssue(f"{path}.queues", "queue config is not set: define at least the root queue")]
    named_root = [i for i, q in enumerate(queues) if q.name.lower() == ROOT]
    if named_root and len(queues) > 1:
        return [
            FieldIssue(
                f"{path}.queues[{named_root[0]}]",
                '"root" must be the only top-level queue: move the other queues under it',
            )
        ]
    root = root_queue(partition)
    root_path = f"{path}.queues[0]" if named_root else path
    if root.resources is not None and (root.resources.guaranteed or root.resources.max):
        issues.append(
            FieldIssue(f"{root_path}.resources", "the root queue must not have resource limits set")
        )
    if named_root:
        tree_issues, _ = _queue_issues(root, root_path, None)
    else:
        # implicit root: its children are the top-level list, so their paths are the partition's queues[i]
        tree_issues, _ = _queue_issues(root, path, None)
    issues += tree_issues
    for i, rule in enumerate(partition.placementrules):
        here = f"{path}.placementrules[{i}]"
        issues += _rule_issues(rule, here)
        problem = _placement_path_issue(rule, root, here)
        if problem:
            issues.append(problem)
    issues += _limit_issues(partition.limits, f"{path}.limits")
    if partition.nodesortpolicy is not None:
        for name, weight in partition.nodesortpolicy.resourceweights.items():
            if weight < 0:
                issues.append(
                    FieldIssue(
                        f"{path}.nodesortpolicy.resourceweights.{name}",
                        "negative resource weight is not allowed",
                    )
                )
    return issues


def validate_queues(config: SchedulerConfig) -> list[FieldIssue]:
    """Every problem YuniKorn would refuse the config for, plus unknown values of the properties it knows."""
    issues: list[FieldIssue] = []
    if not config.partitions:
        return [
            FieldIssue(
                "partitions", f'at least one partition is needed (YuniKorn uses "{DEFAULT_PARTITION}")'
            )
        ]
    seen: set[str] = set()
    for i, partition in enumerate(config.partitions):
        name = (partition.name or DEFAULT_PARTITION).lower()
        if name in seen:
            issues.append(FieldIssue(f"partitions[{i}].name", f'duplicate partition name "{partition.name}"'))
        seen.add(name)
        issues += validate_partition(partition, f"partitions[{i}]")
    if DEFAULT_PARTITION not in seen:
        issues.append(
            FieldIssue(
                "partitions",
                f'no partition named "{DEFAULT_PARTITION}": on Kubernetes YuniKorn uses only that one',
            )
        )
    return issues
