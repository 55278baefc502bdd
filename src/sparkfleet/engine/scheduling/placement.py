"""Placement rules: which leaf queue an application goes to (provided, user, fixed, tag; create; parent;
filter), the `root.default` fallback, and the rejection message when nothing matches."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sparkfleet.api import yunikorn as yk
from sparkfleet.engine.scheduling.apps import DEFAULT_QUEUE
from sparkfleet.engine.scheduling.queues import QueueTree

NO_RULE_MATCHED = "application rejected: no placement rule matched"
_VALID_NAME = re.compile(r"^[a-z0-9_-]{1,64}$")


@dataclass(frozen=True, slots=True)
class PlacementRequest:
    app_id: str
    queue: str | None
    """The queue the application names (label or annotation), None when it names none."""
    user: str
    groups: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    """Application tags; the shim sets `namespace`."""


@dataclass(frozen=True, slots=True)
class PlacementResult:
    queue: str | None
    message: str = ""
    """Why the application was rejected (empty when placed)."""


def _safe(name: str) -> str:
    # YuniKorn replaces dots in generated queue names, since a dot separates levels of the path.
    return name.replace(".", "_dot_").lower()


def _filter_allows(rule_filter: yk.PlacementFilter | None, user: str, groups: Sequence[str]) -> bool:
    if rule_filter is None:
        return True
    if not rule_filter.users and not rule_filter.groups:
        return True
    matched = _matches(rule_filter.users, [user]) or _matches(rule_filter.groups, list(groups))
    return not matched if rule_filter.type == "deny" else matched


def _matches(patterns: list[str], names: list[str]) -> bool:
    if len(patterns) == 1 and re.search(r"[\^$*+?()\[{}|]", patterns[0]):
        try:
            regex = re.compile(patterns[0])
        except re.error:
            return False
        return any(regex.fullmatch(n) for n in names)
    return any(n in patterns for n in names)


class Placer:
    """Evaluates the partition's rules in order against the queue tree (creating dynamic queues)."""

    def __init__(self, tree: QueueTree, rules: Sequence[yk.PlacementRule]) -> None:
        self.tree = tree
        self.rules = list(rules) or [yk.PlacementRule(name=yk.PlacementRuleName.PROVIDED)]

    def place(self, request: PlacementRequest) -> PlacementResult:
        denied: list[str] = []
        for rule in self.rules:
            path = self._evaluate(rule, request)
            if path is None:
                continue
            acl_path = self._nearest_existing(path)
            if not self.tree.may_submit(acl_path, request.user, request.groups):
                denied.append(path)
                continue
            if self.tree.get(path) is None and not self._create(path):
                continue
            return PlacementResult(path)
        fallback = self.tree.get(DEFAULT_QUEUE)
        if (
            fallback is not None
            and fallback.leaf
            and self.tree.may_submit(DEFAULT_QUEUE, request.user, request.groups)
        ):
            return PlacementResult(DEFAULT_QUEUE)
        if denied:
            return PlacementResult(
                None,
                f"{NO_RULE_MATCHED} (user {request.user} may not submit to {', '.join(denied)}: "
                "add the user or one of its groups to submitacl)",
            )
        asked = f" (asked for queue {request.queue})" if request.queue else ""
        return PlacementResult(None, NO_RULE_MATCHED + asked)

    def _nearest_existing(self, path: str) -> str:
        while self.tree.get(path) is None and "." in path:
            path = path.rpartition(".")[0]
        return path

    def _create(self, path: str) -> bool:
        parts = path.split(".")
        for depth in range(2, len(parts)):
            ancestor = ".".join(parts[:depth])
            if self.tree.get(ancestor) is None and self.tree.create(ancestor, leaf=False) is None:
                return False
        return self.tree.create(path, leaf=True) is not None

    def _evaluate(self, rule: yk.PlacementRule, request: PlacementRequest) -> str | None:
        """The leaf path a rule yields, or None when it does not apply (filter, missing queue, no create)."""
        if not _filter_allows(rule.filter, request.user, request.groups):
            return None
        parent_path = yk.ROOT
        if rule.parent is not None:
            parent = self._evaluate_parent(rule.parent, request)
            if parent is None:
                return None
            parent_path = parent
        name = self._name(rule, request)
        if name is None:
            return None
        path = name if name.startswith(yk.ROOT + ".") else f"{parent_path}.{name}"
        if not self._valid(path):
            return None
        queue = self.tree.get(path)
        if queue is not None:
            return path if queue.leaf else None
        if not rule.create:
            return None
        return path if self._ancestors_are_parents(path) else None

    def _evaluate_parent(self, rule: yk.PlacementRule, request: PlacementRequest) -> str | None:
        if not _filter_allows(rule.filter, request.user, request.groups):
            return None
        parent_path = yk.ROOT
        if rule.parent is not None:
            grand = self._evaluate_parent(rule.parent, request)
            if grand is None:
                return None
            parent_path = grand
        name = self._name(rule, request)
        if name is None:
            return None
        path = name if name == yk.ROOT or name.startswith(yk.ROOT + ".") else f"{parent_path}.{name}"
        if not self._valid(path):
            return None
        queue = self.tree.get(path)
        if queue is not None:
            return None if queue.leaf else path
        return path if rule.create and self._ancestors_are_parents(path) else None

    def _ancestors_are_parents(self, path: str) -> bool:
        parts = path.split(".")
        for depth in range(1, len(parts)):
            queue = self.tree.get(".".join(parts[:depth]))
            if queue is not None and queue.leaf:
                return False
        return True

    @staticmethod
    def _valid(path: str) -> bool:
        parts = path.split(".")
        return parts[0] == yk.ROOT and all(_VALID_NAME.match(p) for p in parts[1:])

    @staticmethod
    def _name(rule: yk.PlacementRule, request: PlacementRequest) -> str | None:
        kind = rule.name
        if kind == yk.PlacementRuleName.PROVIDED:
            return request.queue.lower() if request.queue else None
        if kind == yk.PlacementRuleName.USER:
            return _safe(request.user) if request.user else None
        if kind == yk.PlacementRuleName.FIXED:
            return rule.value.lower() if rule.value else None
        if kind == yk.PlacementRuleName.TAG:
            value = request.tags.get(rule.value or "")
            return _safe(value) if value else None
        return None
