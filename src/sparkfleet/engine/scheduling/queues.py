"""The queue tree of one partition with its usage: max checked up the tree, guarantees, ACLs, limits.

Built from `queues.yaml` every cycle (a few queues, cheap), plus the queues placement rules created
dynamically (they exist while applications live in them; their paths come back in the app statuses).
Properties are inherited from parent to child; a dynamic queue also takes its parent's `childtemplate`.
Queue names are case-insensitive in YuniKorn, so paths are kept in lower case.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

from sparkfleet.api import yunikorn as yk
from sparkfleet.api.durations import DurationError, parse_go_duration
from sparkfleet.api.resources import yunikorn_resources
from sparkfleet.engine.scheduling.resources import (
    CPU,
    MEMORY,
    UNLIMITED,
    LimitSet,
    ResourceIndex,
    Resources,
    Vector,
    format_amount,
    kubernetes_name,
    yunikorn_name,
)

FIFO = "fifo"
FAIR = "fair"


def _engine_names(amounts: Mapping[str, int]) -> dict[str, int]:
    return {kubernetes_name(k): v for k, v in amounts.items()}


@dataclass(eq=False)
class UsageTracker:
    """A per-user or per-group limit at one queue: its usage and running applications this cycle."""

    queue: str
    kind: str
    """"user" or "group"."""
    name: str
    max_apps: int
    max: LimitSet
    usage: Vector
    max_vec: Vector
    apps: set[str] = field(default_factory=set)

    def describe(self) -> str:
        return f"{self.kind} {self.name} in queue {self.queue}"


@dataclass(eq=False)
class Queue:
    path: str
    parent: Queue | None
    leaf: bool
    dynamic: bool
    guaranteed: dict[str, int]
    max: LimitSet
    max_apps: int
    properties: dict[str, str]
    submit_acl: yk.Acl
    admin_acl: yk.Acl
    limits: list[yk.Limit]
    template: yk.ChildTemplate | None
    children: dict[str, Queue] = field(default_factory=dict)
    # filled by QueueTree.bind
    allocated: Vector = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    pending: Vector = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    max_vec: Vector = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    guaranteed_vec: Vector = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    guaranteed_mask: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    inv_share: np.ndarray = field(default_factory=lambda: np.zeros(0))
    running_apps: set[str] = field(default_factory=set)
    apps: list[str] = field(default_factory=list)
    lineage: list[Queue] = field(default_factory=list)
    """This queue and its ancestors up to root."""

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    @property
    def sort_policy(self) -> str:
        value = self.properties.get(yk.APPLICATION_SORT_POLICY, FIFO).lower()
        return FAIR if value == FAIR else FIFO

    @property
    def sort_by_priority(self) -> bool:
        return self.properties.get(yk.APPLICATION_SORT_PRIORITY, "enabled").lower() != "disabled"

    @property
    def priority_offset(self) -> int:
        try:
            return int(self.properties.get(yk.PRIORITY_OFFSET, "0"))
        except ValueError:
            return 0

    @property
    def priority_fenced(self) -> bool:
        return self.properties.get(yk.PRIORITY_POLICY, "default").lower() == "fence"

    @property
    def preemption_policy(self) -> str:
        return self.properties.get(yk.PREEMPTION_POLICY, "default").lower()

    @property
    def preemption_delay(self) -> float:
        raw = self.properties.get(yk.PREEMPTION_DELAY)
        if raw:
            try:
                delay = float(parse_go_duration(raw))
            except DurationError:
                delay = 0.0
            if delay > 0:
                return delay
        return float(yk.DEFAULT_PREEMPTION_DELAY_SECONDS)

    def share(self, allocated: Vector) -> float:
        """Dominant share of `allocated` against this queue's guaranteed (else max, else the cluster)."""
        return float((allocated * self.inv_share).max()) if self.inv_share.size else 0.0

    def share_step(self, request: Vector) -> float:
        return float((request * self.inv_share).max()) if self.inv_share.size else 0.0


class QueueTree:
    def __init__(self, partition: yk.Partition) -> None:
        self.partition = partition
        self.by_path: dict[str, Queue] = {}
        self.root = self._build(yk.root_queue(partition), None, yk.ROOT, {})
        self.partition_limits = list(partition.limits)
        self.index: ResourceIndex | None = None
        self._trackers: dict[tuple[str, str, str], UsageTracker] = {}

    def _build(
        self, conf: yk.QueueConfig, parent: Queue | None, path: str, inherited: Mapping[str, str]
    ) -> Queue:
        properties = {**inherited, **conf.properties}
        queue = Queue(
            path=path,
            parent=parent,
            leaf=not conf.is_parent and parent is not None,  # root is always a parent
            dynamic=False,
            guaranteed=_engine_names(conf.guaranteed()),
            max=LimitSet(_engine_names(conf.max())),
            max_apps=conf.maxapplications,
            properties=properties,
            submit_acl=yk.parse_acl(conf.submitacl),
            admin_acl=yk.parse_acl(conf.adminacl),
            limits=list(conf.limits),
            template=conf.childtemplate,
        )
        self.by_path[path] = queue
        for child in conf.queues:
            child_path = f"{path}.{child.name.lower()}"
            queue.children[child_path] = self._build(child, queue, child_path, properties)
        return queue

    def get(self, path: str) -> Queue | None:
        return self.by_path.get(path.lower())

    def __iter__(self) -> Iterator[Queue]:
        return iter(self.by_path.values())

    def template_for(self, parent: Queue) -> yk.ChildTemplate | None:
        """The nearest childtemplate from `parent` up: dynamic queues below dynamic queues inherit it."""
        node: Queue | None = parent
        while node is not None:
            if node.template is not None:
                return node.template
            node = node.parent
        return None

    def create(self, path: str, *, leaf: bool) -> Queue | None:
        """A dynamic queue below an existing parent queue; None when the parent is missing or a leaf."""
        path = path.lower()
        existing = self.by_path.get(path)
        if existing is not None:
            return existing if existing.leaf == leaf else None
        parent_path, _, _name = path.rpartition(".")
        parent = self.by_path.get(parent_path)
        if parent is None or parent.leaf:
            return None
        template = self.template_for(parent)
        properties = dict(parent.properties)
        guaranteed: dict[str, int] = {}
        maximum: dict[str, int] = {}
        max_apps = 0
        if template is not None and leaf:
            properties.update(template.properties)
            max_apps = template.maxapplications
            if template.resources is not None:
                guaranteed = _engine_names(yunikorn_resources(template.resources.guaranteed or {}))
                maximum = _engine_names(yunikorn_resources(template.resources.max or {}))
        queue = Queue(
            path=path,
            parent=parent,
            leaf=leaf,
            dynamic=True,
            guaranteed=guaranteed,
            max=LimitSet(maximum),
            max_apps=max_apps,
            properties=properties,
            submit_acl=yk.parse_acl(None),
            admin_acl=yk.parse_acl(None),
            limits=[],
            template=None,
        )
        parent.children[path] = queue
        self.by_path[path] = queue
        if self.index is not None:
            self._bind_queue(queue, self._cluster_total)
        return queue

    def resource_names(self) -> set[str]:
        names: set[str] = set()
        for q in self.by_path.values():
            names.update(q.guaranteed)
            names.update(q.max.amounts)
            for limit in q.limits:
                names.update(_engine_names(yunikorn_resources(limit.maxresources or {})))
        for limit in self.partition_limits:
            names.update(_engine_names(yunikorn_resources(limit.maxresources or {})))
        return names

    # --- vectors and usage ---------------------------------------------------------------------------

    def bind(self, index: ResourceIndex, cluster_total: Vector) -> None:
        """Give every queue its vectors over `index`; shares fall back to the cluster's size."""
        self.index = index
        self._cluster_total = cluster_total
        for queue in self.by_path.values():
            self._bind_queue(queue, cluster_total)

    def _bind_queue(self, queue: Queue, cluster_total: Vector) -> None:
        index = self.index
        assert index is not None
        size = index.size
        queue.allocated = np.zeros(size, dtype=np.int64)
        queue.pending = np.zeros(size, dtype=np.int64)
        queue.max_vec = queue.max.vector(index)
        queue.guaranteed_vec = np.zeros(size, dtype=np.int64)
        queue.guaranteed_mask = np.zeros(size, dtype=bool)
        for name, value in queue.guaranteed.items():
            if name in index.col:
                queue.guaranteed_vec[index.col[name]] = value
                queue.guaranteed_mask[index.col[name]] = True
        denominator = np.zeros(size, dtype=np.float64)
        if queue.guaranteed_mask.any():
            denominator[queue.guaranteed_mask] = queue.guaranteed_vec[queue.guaranteed_mask]
        elif queue.max.amounts:
            limited = queue.max_vec < UNLIMITED
            denominator[limited] = queue.max_vec[limited]
        else:
            for name in (CPU, MEMORY):
                denominator[index.col[name]] = cluster_total[index.col[name]]
        with np.errstate(divide="ignore"):
            queue.inv_share = np.where(denominator > 0, 1.0 / np.maximum(denominator, 1.0), 0.0)
        lineage = []
        node: Queue | None = queue
        while node is not None:
            lineage.append(node)
            node = node.parent
        queue.lineage = lineage

    def headroom(self, leaf: Queue) -> Vector:
        """What may still be allocated in `leaf` before some queue on its path reaches its max."""
        room = leaf.max_vec - leaf.allocated
        for q in leaf.lineage[1:]:
            np.minimum(room, q.max_vec - q.allocated, out=room)
        return room

    def max_blocker(self, leaf: Queue, request: Vector) -> tuple[Queue, int] | None:
        """The first queue on the path (leaf first) whose max the request exceeds, and the resource column."""
        for q in leaf.lineage:
            over = np.flatnonzero((q.allocated + request > q.max_vec) & (request > 0))
            if over.size:
                return q, int(over[0])
        return None

    def allocate(self, leaf: Queue, amount: Vector) -> None:
        for q in leaf.lineage:
            q.allocated += amount

    def add_pending(self, leaf: Queue, amount: Vector) -> None:
        for q in leaf.lineage:
            q.pending += amount

    def start_app(self, leaf: Queue, app_id: str) -> None:
        for q in leaf.lineage:
            q.running_apps.add(app_id)

    def apps_blocker(self, leaf: Queue, app_id: str) -> Queue | None:
        """The first queue on the path already running maxapplications applications (0 = no limit)."""
        for q in leaf.lineage:
            if q.max_apps and app_id not in q.running_apps and len(q.running_apps) >= q.max_apps:
                return q
        return None

    def may_submit(self, path: str, user: str, groups: tuple[str, ...]) -> bool:
        """Submit ACL checked up to root; an admin ACL implies submit; no ACL anywhere denies."""
        node = self.get(path)
        if node is None:
            return False
        group_set = set(groups)
        for q in node.lineage:
            if q.submit_acl.allows(user, group_set) or q.admin_acl.allows(user, group_set):
                return True
        return False

    # --- user and group limits ------------------------------------------------------------------------

    def trackers_for(self, leaf: Queue, user: str, groups: tuple[str, ...]) -> list[UsageTracker]:
        """The per-user and per-group limits that apply to an application of `user` in `leaf`."""
        out: list[UsageTracker] = []
        levels: list[tuple[str, list[yk.Limit]]] = [(q.path, q.limits) for q in leaf.lineage]
        levels.append((f"{yk.ROOT} (partition)", self.partition_limits))
        for queue_path, limits in levels:
            if not limits:
                continue
            user_limit = next((lim for lim in limits if user in lim.users), None)
            if user_limit is None:
                user_limit = next((lim for lim in limits if "*" in lim.users), None)
            if user_limit is not None:
                out.append(self._tracker(queue_path, "user", user, user_limit))
            group_limit = None
            matched = ""
            for lim in limits:
                hit = next((g for g in groups if g in lim.groups), None)
                if hit is not None:
                    group_limit, matched = lim, hit
                    break
            if group_limit is None and groups:
                group_limit = next((lim for lim in limits if "*" in lim.groups), None)
                matched = groups[0]
            if group_limit is not None:
                out.append(self._tracker(queue_path, "group", matched, group_limit))
        return out

    def _tracker(self, queue_path: str, kind: str, name: str, limit: yk.Limit) -> UsageTracker:
        key = (queue_path, kind, name)
        tracker = self._trackers.get(key)
        if tracker is None:
            assert self.index is not None
            maximum = LimitSet(_engine_names(yunikorn_resources(limit.maxresources or {})))
            tracker = UsageTracker(
                queue=queue_path,
                kind=kind,
                name=name,
                max_apps=limit.maxapplications,
                max=maximum,
                usage=np.zeros(self.index.size, dtype=np.int64),
                max_vec=maximum.vector(self.index),
            )
            self._trackers[key] = tracker
        return tracker


def describe_max(queue: Queue, col: int, request: Vector, index: ResourceIndex) -> str:
    """`queue root.dev max memory 100G exceeded: allocated 90G, ask 20G`."""
    name = index.names[col]
    return (
        f"queue {queue.path} max {yunikorn_name(name)} {format_amount(name, int(queue.max_vec[col]))} "
        f"exceeded: allocated {format_amount(name, int(queue.allocated[col]))}, "
        f"ask {format_amount(name, int(request[col]))}"
    )


def resources_of(vec: Vector, index: ResourceIndex) -> Resources:
    return index.resources(vec)
