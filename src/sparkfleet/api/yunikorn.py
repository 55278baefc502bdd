"""YuniKorn's `queues.yaml`: partitions, the queue tree, placement rules, limits, with YuniKorn's own checks.

Keys are YuniKorn's lower-case YAML keys (`maxapplications`, `submitacl`, `placementrules`), used directly
as attribute names, and unknown keys are errors, as YuniKorn parses strictly. `validate_queues` applies
the checks YuniKorn applies when it loads a config (names, ACLs, resources up the tree, maxapplications,
limits, placement rules) plus the values of the properties it knows; each issue names its path in the
document. A config without a top-level `root` is accepted the way YuniKorn accepts it: the top-level
queues become root's children (`root_queue` gives the effective root).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BeforeValidator, Field, ValidationError

from sparkfleet.api.base import FieldIssue, ManifestError, Model, issues_from
from sparkfleet.api.core import ConfigMap
from sparkfleet.api.durations import DurationError, parse_go_duration
from sparkfleet.api.meta import ObjectMeta
from sparkfleet.api.resources import (
    ResourceError,
    Resources,
    add,
    exceeding,
    fits_in,
    fits_in_max,
    format_resources,
    min_of_maxes,
    yunikorn_resources,
)
from sparkfleet.api.yamlio import dump_yaml, load_one

ROOT = "root"
DEFAULT_PARTITION = "default"
QUEUES_KEY = "queues.yaml"
# The ConfigMaps YuniKorn reads: the Helm chart's defaults, overridden key by key by the user's configs.
CONFIGMAP_NAMES = ("yunikorn-defaults", "yunikorn-configs")

# Queue properties YuniKorn knows, and their defaults.
APPLICATION_SORT_POLICY = "application.sort.policy"
APPLICATION_SORT_PRIORITY = "application.sort.priority"
PRIORITY_POLICY = "priority.policy"
PRIORITY_OFFSET = "priority.offset"
PREEMPTION_POLICY = "preemption.policy"
PREEMPTION_DELAY = "preemption.delay"
DEFAULT_PREEMPTION_DELAY_SECONDS = 30
PROPERTY_DEFAULTS = {
    APPLICATION_SORT_POLICY: "fifo",
    APPLICATION_SORT_PRIORITY: "enabled",
    PRIORITY_POLICY: "default",
    PRIORITY_OFFSET: "0",
    PREEMPTION_POLICY: "default",
    PREEMPTION_DELAY: "30s",
}

_QUEUE_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_USER = re.compile(r"^[_a-zA-Z][a-zA-Z0-9_.@-]*[$]?$")
_GROUP = re.compile(r"^[_a-zA-Z][a-zA-Z0-9_-]*$")
_REGEXP_CHARS = re.compile(r"[\^$*+?()\[{}|]")
_PROPERTY_VALUES = {
    APPLICATION_SORT_POLICY: ("fifo", "fair"),
    APPLICATION_SORT_PRIORITY: ("enabled", "disabled"),
    PRIORITY_POLICY: ("default", "fence"),
    PREEMPTION_POLICY: ("default", "fence", "disabled"),
}
_INT32 = (-(2**31), 2**31 - 1)


def _resource_map(value: dict[str, str | int]) -> dict[str, str | int]:
    for name, quantity in value.items():
        try:
            yunikorn_resources({name: quantity})
        except ResourceError as exc:
            raise ValueError(f"{name}: {exc}") from None
    return value


def _stringify(value: Any) -> Any:
    # YuniKorn decodes properties into strings, so `priority.offset: 10` and `x: true` are accepted.
    if not isinstance(value, dict):
        return value
    out: dict[Any, Any] = {}
    for key, item in value.items():
        if isinstance(item, bool):
            item = str(item).lower()
        elif isinstance(item, int | float):
            item = str(item)
        out[key] = item
    return out


def _name(value: Any) -> Any:
    # YuniKorn decodes names into strings: `name: 2024` is the queue "2024".
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


ResourceMap = Annotated[dict[str, str | int], AfterValidator(_resource_map)]
"""A YuniKorn resource map, kept as written: `{memory: 100G, vcore: 10}`; see `resources.py` for units."""

Properties = Annotated[dict[str, str], BeforeValidator(_stringify)]


class NodeSortPolicyType(StrEnum):
    FAIR = "fair"
    BINPACKING = "binpacking"


class PlacementRuleName(StrEnum):
    PROVIDED = "provided"
    USER = "user"
    FIXED = "fixed"
    TAG = "tag"


class QueueResources(Model):
    guaranteed: ResourceMap | None = None
    max: ResourceMap | None = None


class Limit(Model):
    """A per-user/per-group limit (`*` is every user or group), applied at its queue and below."""

    limit: str | None = None
    users: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    maxresources: ResourceMap | None = None
    maxapplications: int = Field(default=0, ge=0)


class ChildTemplate(Model):
    """Settings for the children a parent queue creates dynamically (placement rules with create)."""

    maxapplications: int = Field(default=0, ge=0)
    properties: Properties = Field(default_factory=dict)
    resources: QueueResources | None = None


class QueueConfig(Model):
    name: Annotated[str, BeforeValidator(_name)]
    parent: bool = False
    resources: QueueResources | None = None
    maxapplications: int = Field(default=0, ge=0)
    properties: Properties = Field(default_factory=dict)
    adminacl: str | None = None
    submitacl: str | None = None
    childtemplate: ChildTemplate | None = None
    queues: list[QueueConfig] = Field(default_factory=list)
    limits: list[Limit] = Field(default_factory=list)

    @property
    def is_parent(self) -> bool:
        return self.parent or bool(self.queues)

    def property_value(self, key: str) -> str | None:
        """A property as set on this queue, else YuniKorn's default for it (None for unknown keys)."""
        return self.properties.get(key, PROPERTY_DEFAULTS.get(key))

    def guaranteed(self) -> Resources:
        return yunikorn_resources(self.resources.guaranteed or {}) if self.resources else {}

    def max(self) -> Resources:
        """The queue's own max (not narrowed by its parents); a missing resource is unlimited."""
        return yunikorn_resources(self.resources.max or {}) if self.resources else {}


class PlacementFilter(Model):
    type: Annotated[str, BeforeValidator(_lower)] = ""
    users: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)


class PlacementRule(Model):
    name: Annotated[PlacementRuleName, BeforeValidator(_lower)]
    create: bool = False
    filter: PlacementFilter | None = None
    parent: PlacementRule | None = None
    value: str | None = None


class NodeSortPolicy(Model):
    type: Annotated[NodeSortPolicyType, BeforeValidator(_lower)] = NodeSortPolicyType.FAIR
    resourceweights: dict[str, float] = Field(default_factory=dict)


class PartitionPreemption(Model):
    enabled: bool = False


class Partition(Model):
    name: Annotated[str, BeforeValidator(_name)] = DEFAULT_PARTITION
    queues: list[QueueConfig]
    placementrules: list[PlacementRule] = Field(default_factory=list)
    limits: list[Limit] = Field(default_factory=list)
    preemption: PartitionPreemption | None = None
    nodesortpolicy: NodeSortPolicy | None = None
    statedumpfilepath: str | None = None


class SchedulerConfig(Model):
    partitions: list[Partition]
    checksum: str | None = None

    def partition(self, name: str = DEFAULT_PARTITION) -> Partition | None:
        for part in self.partitions:
            if (part.name or DEFAULT_PARTITION).lower() == name.lower():
                return part
        return None


# --- the effective tree --------------------------------------------------------------------------------


def root_queue(partition: Partition) -> QueueConfig:
    """The partition's root: its single top-level `root` queue, or a root YuniKorn inserts above the
    top-level queues when there is none."""
    queues = partition.queues
    if len(queues) == 1 and queues[0].name.lower() == ROOT:
        return queues[0]
    return QueueConfig(name=ROOT, parent=True, queues=list(queues))


def iter_queues(partition: Partition) -> Iterator[tuple[str, QueueConfig]]:
    """Every queue of the partition with its full path (`root`, `root.prod`, ...), parents first."""

    def walk(path: str, queue: QueueConfig) -> Iterator[tuple[str, QueueConfig]]:
        yield path, queue
        for child in queue.queues:
            yield from walk(f"{path}.{child.name}", child)

    yield from walk(ROOT, root_queue(partition))


@dataclass(frozen=True)
class Acl:
    """A parsed ACL: `*` (everyone), or `"user1,user2 group1,group2"`; empty denies everyone."""

    users: frozenset[str]
    groups: frozenset[str]
    all_users: bool = False
    all_groups: bool = False

    def allows(self, user: str, groups: frozenset[str] | set[str] = frozenset()) -> bool:
        if self.all_users or user in self.users:
            return True
        return self.all_groups or bool(self.groups & set(groups))


def parse_acl(text: str | None) -> Acl:
    """YuniKorn's ACL notation: users before the single space, groups after it (a leading space means
    groups only); names that are not valid user or group names are ignored, as YuniKorn ignores them."""
    text = (text or "").strip("\n")
    if text.strip() == "*":
        return Acl(frozenset(), frozenset(), all_users=True, all_groups=True)
    users_part, _, groups_part = text.partition(" ")
    users = {u for u in users_part.split(",") if u}
    groups = {g for g in groups_part.strip().split(",") if g}
    return Acl(
        frozenset(u for u in users if _USER.match(u)),
        frozenset(g for g in groups if _GROUP.match(g)),
        all_users="*" in users,
        all_groups="*" in groups,
    )


# --- validation ----------------------------------------------------------------------------------------


def _acl_issues(acl: str | None, path: str) -> list[FieldIssue]:
    if acl is None or acl.strip() in ("", "*"):
        return []
    if len(acl.split()) > 2:
        return [FieldIssue(path, f"multiple spaces found in ACL '{acl}': use \"user1,user2 group1,group2\"")]
    issues: list[FieldIssue] = []
    users_part, _, groups_part = acl.partition(" ")
    for user in filter(None, users_part.split(",")):
        if user != "*" and not _USER.match(user):
            issues.append(FieldIssue(path, f'"{user}" is not a valid user name; YuniKorn would ignore it'))
    for group in filter(None, groups_part.strip().split(",")):
        if group != "*" and not _GROUP.match(group):
            issues.append(FieldIssue(path, f'"{group}" is not a valid group name; YuniKorn would ignore it'))
    return issues


def _limit_issues(limits: list[Limit], path: str) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    wildcard = {"users": -1, "groups": -1}
    for i, limit in enumerate(limits):
        here = f"{path}[{i}]"
        if not limit.users and not limit.groups:
            issues.append(FieldIssue(here, 'a limit needs users or groups ("*" for everyone)'))
        for field, pattern in (("users", _USER), ("groups", _GROUP)):
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
    for field, pattern in (("users", _USER), ("groups", _GROUP)):
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


# --- reading and writing -------------------------------------------------------------------------------


def parse_queues(doc: Any) -> SchedulerConfig:
    """A queues.yaml document (already loaded) as a validated config, or ManifestError with every issue."""
    try:
        config = SchedulerConfig.model_validate(doc)
    except ValidationError as exc:
        raise ManifestError(issues_from(exc, SchedulerConfig)) from None
    issues = validate_queues(config)
    if issues:
        raise ManifestError(issues)
    return config


def parse_queues_yaml(text: str) -> SchedulerConfig:
    """The text of a queues.yaml as a validated config, or ManifestError with every issue."""
    try:
        doc = load_one(text)
    except yaml.YAMLError as exc:
        raise ManifestError([FieldIssue("", f"not valid YAML: {exc}".replace("\n", " "))]) from None
    return parse_queues(doc)


def parse_configmap(configmap: ConfigMap | Mapping[str, Any]) -> SchedulerConfig:
    """The config a `yunikorn-configs` (or `yunikorn-defaults`) ConfigMap holds under `queues.yaml`."""
    try:
        cm = configmap if isinstance(configmap, ConfigMap) else ConfigMap.model_validate(configmap)
    except ValidationError as exc:
        raise ManifestError(issues_from(exc, ConfigMap)) from None
    if cm.metadata.name not in CONFIGMAP_NAMES:
        raise ManifestError(
            [
                FieldIssue(
                    "metadata.name", f"YuniKorn reads only the ConfigMaps {' and '.join(CONFIGMAP_NAMES)}"
                )
            ]
        )
    text = cm.data.get(QUEUES_KEY)
    if text is None:
        raise ManifestError([FieldIssue(f'data["{QUEUES_KEY}"]', "required key is missing")])
    try:
        return parse_queues_yaml(text)
    except ManifestError as exc:
        prefix = f'data["{QUEUES_KEY}"]'
        raise ManifestError(
            [FieldIssue(f"{prefix}.{i.path}" if i.path else prefix, i.message) for i in exc.issues]
        ) from None


def dump_queues_yaml(config: SchedulerConfig) -> str:
    """The config as queues.yaml text holding what was set (a parsed config comes back as it was written)."""
    return dump_yaml(config.model_dump(mode="json", exclude_unset=True, exclude_none=True))


def to_configmap(
    config: SchedulerConfig, name: str = "yunikorn-configs", namespace: str = "yunikorn"
) -> ConfigMap:
    """The ConfigMap form of a config, as YuniKorn's admission controller and scheduler read it."""
    return ConfigMap(
        metadata=ObjectMeta(name=name, namespace=namespace), data={QUEUES_KEY: dump_queues_yaml(config)}
    )
