"""`plan(request) -> ProvisioningPlan`: the NodeClaims that host the pending pods at the lowest price.

1. Pods with the same requests and placement constraints form a group; gangs are tracked across groups.
2. Groups go first onto existing and in-flight nodes with room (largest pods first, fullest nodes
   first): those pods are nominated, no capacity is bought for them.
3. NodePools are tried in Karpenter's order (weight, then name). Each group goes to the first pool that
   can host it (requirements, taints, an instance type that holds a pod after overhead and daemonsets,
   an available offering); the groups of a pool with the same usable types, zones and capacity types
   form a class. Classes go in order of how few capacity types and zones they allow; each first fills
   the room of the claims planned so far where their requirements are compatible (`drafts`: narrowing
   the claim, as Karpenter adds a pod to an in-flight NodeClaim before opening one), and what is left
   is packed together (`packing.pack`) into node patterns. A claim keeps every type that holds its pods
   (cheapest offering first, at most `max_candidates`); pods a pool's limits turn away move on to the
   next pool.
4. Gangs: a gang with any pod left without a place gets no capacity at all. Its pods are taken out and
   the plan is made again without them, so the capacity it would have had is not bought.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from sparkfleet.api.wire import EventType
from sparkfleet.engine.provisioning.compat import (
    Constrained,
    Placement,
    PriceView,
    constrain,
    fit,
    pod_terms,
)
from sparkfleet.engine.provisioning.drafts import DraftClaim, InFlight, materialize
from sparkfleet.engine.provisioning.model import (
    ExistingNode,
    Nomination,
    PlanEvent,
    ProvisioningPlan,
    ProvisioningRequest,
    UnschedulablePod,
)
from sparkfleet.engine.provisioning.nodefacts import NodeFacts
from sparkfleet.engine.provisioning.packing import Pattern, pack
from sparkfleet.engine.provisioning.pods import PodRequest
from sparkfleet.engine.provisioning.requirements import Requirements, min_values_problems
from sparkfleet.engine.provisioning.resources import NAMES, Resources
from sparkfleet.engine.provisioning.tables import (
    BoolArray,
    CompiledFleet,
    IntArray,
    PoolModel,
    tolerates_all,
)

_LIMIT_INDEX = {name: i for i, name in enumerate(NAMES)}
LIMITED_CANDIDATE_SPREAD = 2
"""In a pool with limits, candidates are at most this many times the cheapest candidate's size."""


@dataclass
class _Group:
    """Pods with equal requests and constraints; `pods` is consumed from the front as they are placed."""

    index: int
    constraints: int
    rep: PodRequest
    requests: Resources
    vector: IntArray
    pods: list[PodRequest]
    taken: int = 0

    @property
    def left(self) -> int:
        return len(self.pods) - self.taken

    def take(self, n: int) -> list[PodRequest]:
        out = self.pods[self.taken : self.taken + n]
        self.taken += n
        return out


@dataclass
class _Context:
    """What every pass of one plan shares: the fleet, prices, and memoised placements and reasons."""

    request: ProvisioningRequest
    compiled: CompiledFleet
    prices: PriceView
    constrained: dict[tuple[int, int], list[Constrained | str]] = field(default_factory=dict)
    placements: dict[tuple[int, Resources, int], Placement | str] = field(default_factory=dict)
    facts: dict[tuple[int, int, int, int, Requirements], NodeFacts] = field(default_factory=dict)
    constraint_ids: dict[tuple[object, ...], int] = field(default_factory=dict)
    """Placement constraints -> a small id, the same in every pass (placements are memoised by it)."""

    def placement(self, group: _Group, pool: PoolModel) -> Placement | str:
        key = (group.constraints, group.requests, pool.rank)
        found = self.placements.get(key)
        if found is None:
            terms = self.constrained.get((group.constraints, pool.rank))
            if terms is None:
                terms = self.constrained[(group.constraints, pool.rank)] = constrain(
                    self.compiled, pool, self.prices, group.rep
                )
            found = self.placements[key] = fit(self.compiled, terms, group.requests)
        return found


@dataclass
class _Round:
    """The working state of one pass over the pools."""

    ctx: _Context
    groups: list[_Group]
    inflight: InFlight
    nominations: list[Nomination] = field(default_factory=list)
    limited: dict[tuple[int, str], str] = field(default_factory=dict)
    """(group, pool) -> why the pool's limits turned the group's pods away."""
    seq: int = 0


def plan(request: ProvisioningRequest) -> ProvisioningPlan:
    compiled = request.fleet.compiled
    ctx = _Context(request, compiled, PriceView(compiled.prices(request.unavailable, request.now)))
    pods = list(request.pods)
    excluded: dict[str, str] = {}  # gang -> reason
    while True:
        live = pods if not excluded else [p for p in pods if p.gang is None or p.gang not in excluded]
        groups = _group(live, ctx.constraint_ids)
        rnd = _Round(ctx, groups, InFlight(compiled, ctx.prices, _least_request(groups)))
        gangs = _gang_sizes(rnd)
        infeasible = _failed_gangs(rnd, gangs, before=True)
        if infeasible:
            excluded.update(infeasible)
            continue
        _fill_existing(rnd)
        for pool in compiled.pools:
            _provision_pool(rnd, pool)
        partial = _failed_gangs(rnd, gangs, before=False)
        if not partial:
            break
        excluded.update(partial)
    unschedulable: list[UnschedulablePod] = []
    for group in rnd.groups:
        if group.left:
            reason = _group_reason(rnd, group)
            unschedulable.extend(UnschedulablePod(p.id, reason, p.gang) for p in group.pods[group.taken :])
    if excluded:
        unschedulable.extend(
            UnschedulablePod(p.id, excluded[p.gang], p.gang)
            for p in pods
            if p.gang is not None and p.gang in excluded
        )
    made = materialize(rnd.inflight.drafts, compiled, ctx.prices, ctx.facts)
    events = [event for _, event in made] + [
        PlanEvent("Pod", u.pod, EventType.WARNING, "FailedScheduling", u.reason) for u in unschedulable
    ]
    return ProvisioningPlan(
        claims=tuple(claim for claim, _ in made),
        nominations=tuple(rnd.nominations),
        unschedulable=tuple(unschedulable),
        events=tuple(events),
        unavailable=request.unavailable,
    )


# --- grouping and gangs -----------------------------------------------------------------------------


def _group(pods: list[PodRequest], constraint_ids: dict[tuple[object, ...], int]) -> list[_Group]:
    groups: dict[tuple[Resources, int], _Group] = {}
    # Pods of one application share their request and selector objects: look them up by identity
    # first (the objects outlive this call), by value only once per distinct object.
    by_identity: dict[tuple[int, int, int, int], _Group] = {}
    for pod in pods:
        ident = (id(pod.requests), id(pod.node_selector), id(pod.required_terms), id(pod.tolerations))
        group = by_identity.get(ident)
        if group is None:
            cid = constraint_ids.setdefault(pod.constraint_key, len(constraint_ids))
            key = (pod.requests, cid)
            group = groups.get(key)
            if group is None:
                req = pod.requests if pod.requests.pods > 0 else pod.requests + Resources(pods=1)
                group = groups[key] = _Group(len(groups), cid, pod, req, req.vector(), [])
            by_identity[ident] = group
        group.pods.append(pod)
    # largest pods first: they are the hardest to place on existing room
    ordered = sorted(groups.values(), key=lambda g: (-g.requests.cpu, -g.requests.memory, g.index))
    for i, group in enumerate(ordered):
        group.index = i
    return ordered


def _least_request(groups: list[_Group]) -> IntArray:
    """Per resource, the least any group asks: a claim with less room in one resource is full."""
    if not groups:
        return np.zeros(len(NAMES), dtype=np.int64)
    least: IntArray = np.min([g.vector for g in groups], axis=0)
    return least


def _gang_sizes(rnd: _Round) -> Counter[str]:
    sizes: Counter[str] = Counter()
    for group in rnd.groups:
        sizes.update(p.gang for p in group.pods if p.gang is not None)
    return sizes


def _feasible(rnd: _Round, group: _Group) -> bool:
    return any(isinstance(rnd.ctx.placement(group, pool), Placement) for pool in rnd.ctx.compiled.pools)


def _failed_gangs(rnd: _Round, sizes: Counter[str], *, before: bool) -> dict[str, str]:
    """Gangs with a pod that no pool can host (`before` planning) or that was left without a place."""
    if not sizes:
        return {}
    failed: Counter[str] = Counter()
    first: dict[str, str] = {}
    for group in rnd.groups:
        if (before and _feasible(rnd, group)) or (not before and group.left == 0):
            continue
        for pod in group.pods[group.taken :]:
            if pod.gang is not None:
                failed[pod.gang] += 1
                first.setdefault(pod.gang, f"{pod.id}: {_group_reason(rnd, group)}")
    return {
        gang: (
            f"gang {gang}: {failed[gang]} of {sizes[gang]} pods cannot be placed ({first[gang]}); "
            "no capacity is planned for any pod of the gang"
        )
        for gang in failed
    }


def _group_reason(rnd: _Round, group: _Group) -> str:
    pools = rnd.ctx.compiled.pools
    if not pools:
        return "no NodePool exists"
    parts = []
    for pool in pools:
        found = rnd.ctx.placement(group, pool)
        if isinstance(found, str):
            parts.append(f"{pool.name}: {found}")
        elif (group.index, pool.name) in rnd.limited:
            parts.append(f"{pool.name}: {rnd.limited[(group.index, pool.name)]}")
    return "no NodePool can host it: " + "; ".join(parts) if parts else "no NodePool could host it"


# --- existing and in-flight nodes --------------------------------------------------------------------


def _node_accepts(pod: PodRequest, node: ExistingNode) -> bool:
    if tolerates_all(pod.tolerations, node.taints) is not None:
        return False
    return any(term.matches(node.labels) for term in pod_terms(pod))


def _fill_existing(rnd: _Round) -> None:
    nodes = list(rnd.ctx.request.nodes)
    if not nodes:
        return
    free = np.array([n.free.vector() for n in nodes], dtype=np.int64).reshape(len(nodes), 4)
    memo: dict[tuple[object, ...], bool] = {}
    for group in rnd.groups:
        req = group.vector
        keys = sorted({k for term in pod_terms(group.rep) for k in term.label_keys()})
        accepts = np.zeros(len(nodes), dtype=bool)
        for j, node in enumerate(nodes):
            sig = (group.constraints, tuple(node.labels.get(k) for k in keys), tuple(map(id, node.taints)))
            ok = memo.get(sig)
            if ok is None:
                ok = memo[sig] = _node_accepts(group.rep, node)
            accepts[j] = ok
        if not accepts.any():
            continue
        with np.errstate(divide="ignore"):
            room = np.where(req > 0, free // np.maximum(req, 1), 2**62).min(axis=1)
        room = np.where(accepts, np.maximum(room, 0), 0)
        # fullest nodes first (least free cpu), so room stays together on emptier nodes
        for j in np.argsort(free[:, 0], kind="stable"):
            if group.left == 0:
                break
            n = int(min(room[j], group.left))
            if n <= 0:
                continue
            rnd.nominations.extend(Nomination(pod.id, nodes[j].name) for pod in group.take(n))
            free[j] -= n * req


# --- new capacity ------------------------------------------------------------------------------------


@dataclass
class _Class:
    """Groups of one pool that can share nodes: same usable types, capacity types and zones."""

    placement: Placement
    groups: list[_Group]
    requirements: Requirements


def _provision_pool(rnd: _Round, pool: PoolModel) -> None:
    """Plan claims in `pool` for every group it can host. With limits, only types that fit in what is
    left are packed, and what a pass leaves over is packed again while the limits still allow a node."""
    remaining = _remaining_limits(rnd, pool)
    while True:
        progress = False
        for cls in _classes(rnd, pool):
            for group in cls.groups:
                _join_inflight(rnd, group)
            cls.groups = [g for g in cls.groups if g.left]
            types = np.flatnonzero(cls.placement.mask & _within(pool, remaining))
            members = [g for g in cls.groups if np.any(np.all(pool.allocatable[types] >= g.vector, axis=1))]
            for group in cls.groups:
                if group not in members:
                    rnd.limited[(group.index, pool.name)] = (
                        f"the pool's limits ({_describe_limits(pool)}) leave no room for a node that holds it"
                    )
            if not members:
                continue
            cls.groups = members
            price = rnd.ctx.prices.cheapest(cls.placement.capacity_types, cls.placement.zones)[0]
            requests = np.array([g.vector for g in members], dtype=np.int64)
            counts = np.array([g.left for g in members], dtype=np.int64)
            for pattern in pack(requests, counts, pool.allocatable[types], price[types]):
                progress |= _emit(rnd, pool, cls, pattern, requests, remaining) > 0
        if not remaining or not progress:
            return


def _classes(rnd: _Round, pool: PoolModel) -> list[_Class]:
    """The pool's groups with pods left, by what they may share: usable types, capacity types, zones."""
    classes: dict[tuple[bytes, tuple[int, ...], tuple[int, ...]], _Class] = {}
    for group in rnd.groups:
        if group.left == 0:
            continue
        placement = rnd.ctx.placement(group, pool)
        if isinstance(placement, str):
            continue
        key = (placement.mask.tobytes(), placement.capacity_types, placement.zones)
        cls = classes.get(key)
        if cls is None:
            classes[key] = _Class(placement, [group], placement.requirements)
        else:
            cls.groups.append(group)
            cls.requirements = cls.requirements.intersect(placement.requirements)
    # the most constrained first: their claims are what the others' pods can still join
    return sorted(
        classes.values(),
        key=lambda c: (len(c.placement.capacity_types) * len(c.placement.zones), c.groups[0].index),
    )


def _join_inflight(rnd: _Round, group: _Group) -> None:
    """Put what claims planned so far have room for of the group's pods on them."""

    def placement_in(pool: PoolModel) -> Placement | str:
        return rnd.ctx.placement(group, pool)

    def take(n: int) -> list[str]:
        return [p.id for p in group.take(n)]

    rnd.inflight.join(group.vector, group.left, placement_in, take)


def _within(pool: PoolModel, remaining: dict[int, int]) -> BoolArray:
    """Types whose node fits in what the pool's limits leave."""
    ok = np.ones(len(pool.capacity), dtype=bool)
    for r, left in remaining.items():
        ok &= pool.capacity[:, r] <= left
    return ok


def _remaining_limits(rnd: _Round, pool: PoolModel) -> dict[int, int]:
    """What the pool's limits leave, per limited resource (index into the resource vector)."""
    used = rnd.ctx.request.pool_usage.get(pool.name, Resources()).vector()
    return {_LIMIT_INDEX[name]: limit - int(used[_LIMIT_INDEX[name]]) for name, limit in pool.limits.items()}


def _candidates(
    rnd: _Round, pool: PoolModel, cls: _Class, total: IntArray, remaining: dict[int, int]
) -> list[int]:
    """Types that hold `total`, cheapest offering first, truncated to `max_candidates`.

    In a pool with limits the claim is charged, as in Karpenter, with the largest of its candidates, so
    the limit holds whichever one EC2 launches; but where Karpenter keeps every type that fits (a claim
    for a 2-vCPU node charged 96 vCPUs lets the blueprint's 1000-cpu pools plan only a few nodes a
    round), candidates here are kept within `LIMITED_CANDIDATE_SPREAD` times the cheapest one's size in
    each limited resource: room to fall back to other types, at most that much of the limit held back.
    """
    price = rnd.ctx.prices.cheapest(cls.placement.capacity_types, cls.placement.zones)[0]
    fits = cls.placement.mask & np.all(pool.allocatable >= total, axis=1) & _within(pool, remaining)
    idx = np.flatnonzero(fits)
    if len(idx) == 0:
        return []
    types = rnd.ctx.compiled.types
    ranked = sorted((int(i) for i in idx), key=lambda i: (price[i], types[i].name))
    if remaining:
        cap = pool.capacity[ranked[0]] * LIMITED_CANDIDATE_SPREAD
        ranked = [i for i in ranked if all(pool.capacity[i, r] <= cap[r] for r in remaining)]
    chosen = ranked[: rnd.ctx.request.max_candidates]
    labels = rnd.ctx.compiled.labels
    if min_values_problems(cls.requirements, [labels[i] for i in chosen]):
        chosen = ranked
    return chosen


def _emit(
    rnd: _Round, pool: PoolModel, cls: _Class, pattern: Pattern, requests: IntArray, remaining: dict[int, int]
) -> int:
    """Turn a pattern into claims, as many as it repeats and the pool's limits allow; how many."""
    compiled = rnd.ctx.compiled
    total = pattern.counts @ requests
    members = [(g, int(n)) for g, n in zip(cls.groups, pattern.counts, strict=True) if n]
    candidates = _candidates(rnd, pool, cls, total, remaining)
    if not candidates or min_values_problems(cls.requirements, [compiled.labels[i] for i in candidates]):
        why = f"the pool's limits ({_describe_limits(pool)}) leave no room for another node"
        if not remaining:
            why = "its instance types cannot hold the pods together with minValues honoured"
        for g, _ in members:
            rnd.limited[(g.index, pool.name)] = why
        return 0
    charge = pool.capacity[candidates].max(axis=0)
    prefix = f"{pool.name}-{rnd.ctx.request.claim_prefix}"
    made: list[DraftClaim] = []
    for _ in range(pattern.reps):
        if any(charge[r] > left for r, left in remaining.items()):
            for g, _ in members:
                rnd.limited[(g.index, pool.name)] = f"the pool reached its limits ({_describe_limits(pool)})"
            break
        for r in remaining:
            remaining[r] -= int(charge[r])
        rnd.seq += 1
        pods = [p.id for g, n in members for p in g.take(n)]
        made.append(
            DraftClaim(
                f"{prefix}{rnd.seq}",
                pool,
                tuple(candidates),
                cls.placement.capacity_types,
                cls.placement.zones,
                cls.requirements,
                total,
                pods,
            )
        )
    rnd.inflight.add(made)
    return len(made)


def _describe_limits(pool: PoolModel) -> str:
    return ", ".join(f"{name} {value}" for name, value in pool.pool.spec.limits.items())
