"""The queue tree of YuniKorn's `queues.yaml`: queues, their resources, limits, properties and ACLs.

Keys are YuniKorn's lower-case YAML keys (`maxapplications`, `submitacl`), used directly as attribute names,
and unknown keys are errors, as YuniKorn parses strictly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from sparkfleet.api.base import Model
from sparkfleet.api.resources import ResourceError, Resources, yunikorn_resources

ROOT = "root"

# Queue properties YuniKorn knows, and their defaults.
APPLICATION_SORT_POLICY = "application.sort.policy"
APPLICATION_SORT_PRIORITY = "application.sort.priority"
PRIORITY_POLICY = "priority.policy"
PRIORITY_OFFSET = "priority.offset"
PREEMPTION_POLICY = "preemption.policy"
PREEMPTION_DELAY = "preemption.delay"
QUOTA_PREEMPTION_DELAY = "quota.preemption.delay"
"""YuniKorn 1.8: how long a queue may stay over a lowered quota before quota preemption starts."""
UNSCHEDULABLE_ASKS_BACKOFF = "application.unschedasks.backoff"
"""YuniKorn 1.8: back off from asks that could not be scheduled, so a large pending app stops hurting
throughput (a duration)."""
DEFAULT_PREEMPTION_DELAY_SECONDS = 30
PROPERTY_DEFAULTS = {
    APPLICATION_SORT_POLICY: "fifo",
    APPLICATION_SORT_PRIORITY: "enabled",
    PRIORITY_POLICY: "default",
    PRIORITY_OFFSET: "0",
    PREEMPTION_POLICY: "default",
    PREEMPTION_DELAY: "30s",
}

# YuniKorn's user and group name syntax, for ACLs, limits and placement filters.
USER_NAME = re.compile(r"^[_a-zA-Z][a-zA-Z0-9_.@-]*[$]?$")
GROUP_NAME = re.compile(r"^[_a-zA-Z][a-zA-Z0-9_-]*$")


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


ResourceMap = Annotated[dict[str, str | int], AfterValidator(_resource_map)]
"""A YuniKorn resource map, kept as written: `{memory: 100G, vcore: 10}`; see `resources.py` for units."""

Properties = Annotated[dict[str, str], BeforeValidator(_stringify)]

Name = Annotated[str, BeforeValidator(_name)]
"""A queue or partition name as YuniKorn decodes it."""


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
    name: Name
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
        frozenset(u for u in users if USER_NAME.match(u)),
        frozenset(g for g in groups if GROUP_NAME.match(g)),
        all_users="*" in users,
        all_groups="*" in groups,
    )
