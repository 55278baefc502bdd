"""`plan(request) -> ProvisioningPlan`: the NodeClaims that host the pending pods at the lowest price.

1. Pods with the same requests and placement constraints form a group; gangs are tracked across groups.
2. Groups go first onto existing and in-flight nodes with room (largest pods first, fullest nodes
   first): those pods are nominated, no capacity is bought for them.
3. NodePools are tried in Karpenter's order (weight, then name). Each group goes to the first pool that
   can host it (requirements, taints, an instance type that holds a pod after overhead and daemonsets,
   an available offering); the groups of a pool with the same usable types, zones and capacity types
   are packed together (`packing.pack`) into node patterns. A claim keeps every type that holds its pods
   (cheapest offering first, at most `maxCandidates`), without types that would break the pool's limits,
   which are charged with the largest candidate as Karpenter does; pods a limit turns away move on to the
   next pool.
4. Gangs: a gang with any pod left without a place gets no capacity at all. Its pods are taken out and
   the plan is made again without them, so the capacity it would have had is not bought.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from sparkfleet.engine.provisioning.compat import Placement, cheapest_offerings, place, pod_terms
from sparkfleet.engine.provisioning.model import (
    EventType,
    ExistingNode,
    Nomination,
    PlanEvent,
    PlannedClaim,
    PodRequest,
    ProvisioningPlan,
    ProvisioningRequest,
    UnschedulablePod,
)
from sparkfleet.engine.provisioning.nodefacts import node_facts
from sparkfleet.engine.provisioning.packing import Pattern, pack
from sparkfleet.engine.provisioning.requirements import Requirements, min_values_problems
from sparkfleet.engine.provisioning.resources import NAMES, Resources
from sparkfleet.engine.provisioning.tables import (
    CAPACITY_TYPES,
    CompiledFleet,
    FloatArray,
    IntArray,
    PoolModel,
    tolerates_all,
)

_LIMIT_INDEX = {name: i for i, name in enumerate(NAMES)}


@dataclass
class _Group:
    """Pods with equal requests and constraints; `pods` is consumed from the front as they are placed."""

    index: int
    rep: PodRequest
    requests: Resources
    vector: IntArray
    pods: list[PodRequest]
    taken: int = 0
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def left(self) -> int:
        return len(self.pods) - self.taken

    def take(self, n: int) -> list[PodRequest]:
        out = self.pods[self.taken : self.taken + n]
        self.taken += n
        return out


@dataclass
class _Round:
    """The working state of one pass over the pools."""

    request: ProvisioningRequest
    compiled: CompiledFleet
    prices: FloatArray
    groups: list[_Group]
    claims: list[PlannedClaim] = field(default_factory=list)
    nominations: list[Nomination] = field(default_factory=list)
    events: list[PlanEvent] = field(default_factory=list)
    placements: dict[tuple[int, int], Placement | str] = field(default_factory=dict)
    seq: int = 0


def plan(request: ProvisioningRequest) -> ProvisioningPlan:
    compiled = request.fleet.compiled
    prices = compiled.prices(request.unavailable, request.now)
    pods = list(request.pods)
    excluded: dict[str, str] = {}  # gang -> reason
    gang_reasons: dict[str, UnschedulablePod] = {}
    while True:
        live = [p for p in pods if p.gang is None or p.gang not in excluded]
        rnd = _Round(request, compiled, prices, _group(live))
        infeasible = _infeasible_gangs(rnd)
        if infeasible:
            excluded.update(infeasible)
            continue
        _fill_existing(rnd)
        for pool in compiled.pools:
            _provision_pool(rnd, pool)
        partial = _partial_gangs(rnd)
        if not partial:
            break
        excluded.update(partial)
    unschedulable: list[UnschedulablePod] = []
    events = list(rnd.events)
    for group in rnd.groups:
        if group.left:
            reason = _group_reason(rnd, group)
            for pod in group.pods[group.taken :]:
                unschedulable.append(UnschedulablePod(pod.id, reason, pod.gang))
    for pod in pods:
        if pod.gang is not None and pod.gang in excluded:
            gang_reasons[pod.id] = UnschedulablePod(pod.id, excluded[pod.gang], pod.gang)
    unschedulable.extend(gang_reasons.values())
    for item in unschedulable:
        events.append(PlanEvent("Pod", item.pod, EventType.WARNING, "FailedScheduling", item.reason))
    return ProvisioningPlan(
        claims=tuple(rnd.claims),
        nominations=tuple(rnd.nominations),
        unschedulable=tuple(unschedulable),
        events=tuple(events),
        unavailable=request.unavailable,
    )


# --- grouping and gangs -----------------------------------------------------------------------------


def _group(pods: list[PodRequest]) -> list[_Group]:
    index: dict[tuple[object, ...], _Group] = {}
    for pod in pods:
        key = (pod.requests, pod.constraintKey)
        group = index.get(key)
        if group is None:
            req = pod.requests if pod.requests.pods > 0 else pod.requests + Resources(pods=1)
            group = _Group(len(index), pod, req, req.vector(), [])
            index[key] = group
        group.pods.append(pod)
    # largest pods first: they are the hardest to place on existing room
    groups = sorted(index.values(), key=lambda g: (-g.requests.cpu, -g.requests.memory, g.index))
    for i, group in enumerate(groups):
        group.index = i
    return groups


def _placement(rnd: _Round, group: _Group, pool: PoolModel) -> Placement | str:
    key = (group.index, pool.rank)
    found = rnd.placements.get(key)
    if found is None:
        found = place(rnd.compiled, pool, rnd.prices, group.rep, group.requests)
        rnd.placements[key] = found
        if isinstance(found, str):
            group.reasons[pool.name] = found
    return found


def _gang_message(gang: str, failed: int, total: int, reason: str) -> str:
    return (
        f"gang {gang}: {failed} of {total} pods cannot be placed ({reason}); "
        "no capacity is planned for any pod of the gang"
    )


def _infeasible_gangs(rnd: _Round) -> dict[str, str]:
    """Gangs with a pod that no pool could ever host: left out before anything is planned."""
    totals: dict[str, int] = defaultdict(int)
    failed: dict[str, int] = defaultdict(int)
    first: dict[str, str] = {}
    for group in rnd.groups:
        feasible = any(isinstance(_placement(rnd, group, pool), Placement) for pool in rnd.compiled.pools)
        for pod in group.pods:
            if pod.gang is None:
                continue
            totals[pod.gang] += 1
            if not feasible:
                failed[pod.gang] += 1
                first.setdefault(pod.gang, f"{pod.id}: {_group_reason(rnd, group)}")
    return {g: _gang_message(g, failed[g], totals[g], first[g]) for g in failed}


def _partial_gangs(rnd: _Round) -> dict[str, str]:
    totals: dict[str, int] = defaultdict(int)
    failed: dict[str, int] = defaultdict(int)
    first: dict[str, str] = {}
    for group in rnd.groups:
        for i, pod in enumerate(group.pods):
            if pod.gang is None:
                continue
            totals[pod.gang] += 1
            if i >= group.taken:
                failed[pod.gang] += 1
                first.setdefault(pod.gang, f"{pod.id}: {_group_reason(rnd, group)}")
    return {g: _gang_message(g, failed[g], totals[g], first[g]) for g in failed}


def _group_reason(rnd: _Round, group: _Group) -> str:
    if not rnd.compiled.pools:
        return "no NodePool exists"
    parts = [
        f"{pool.name}: {group.reasons[pool.name]}"
        for pool in rnd.compiled.pools
        if pool.name in group.reasons
    ]
    if not parts:
        return "no NodePool could host it"
    return "no NodePool can host it: " + "; ".join(parts)


# --- existing and in-flight nodes --------------------------------------------------------------------


def _node_accepts(pod: PodRequest, node: ExistingNode) -> bool:
    if tolerates_all(pod.tolerations, node.taints) is not None:
        return False
    return any(term.matches(node.labels) for term in pod_terms(pod))


def _fill_existing(rnd: _Round) -> None:
    nodes = list(rnd.request.nodes)
    if not nodes:
        return
    free = np.array([n.free.vector() for n in nodes], dtype=np.int64).reshape(len(nodes), 4)
    memo: dict[tuple[object, ...], bool] = {}
    for group in rnd.groups:
        req = group.vector
        keys = sorted({k for term in pod_terms(group.rep) for k in term.label_keys()})
        accepts = np.zeros(len(nodes), dtype=bool)
        for j, node in enumerate(nodes):
            sig = (
                group.rep.constraintKey,
                tuple(node.labels.get(k) for k in keys),
                tuple(map(id, node.taints)),
            )
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
            for pod in group.take(n):
                rnd.nominations.append(Nomination(pod.id, nodes[j].name))
            free[j] -= n * req


# --- new capacity ------------------------------------------------------------------------------------


@dataclass
class _Class:
    """Groups of one pool that can share nodes: same usable types, capacity types and zones."""

    placement: Placement
    groups: list[_Group]
    requirements: Requirements


def _provision_pool(rnd: _Round, pool: PoolModel) -> None:
    classes: dict[tuple[bytes, tuple[int, ...], tuple[int, ...]], _Class] = {}
    for group in rnd.groups:
        if group.left == 0:
            continue
        placement = _placement(rnd, group, pool)
        if isinstance(placement, str):
            continue
        key = (placement.mask.tobytes(), placement.capacityTypes, placement.zones)
        cls = classes.get(key)
        if cls is None:
            classes[key] = _Class(placement, [group], placement.requirements)
        else:
            cls.groups.append(group)
            cls.requirements = cls.requirements.intersect(placement.requirements)
    remaining = _remaining_limits(rnd, pool)
    for cls in classes.values():
        _provision_class(rnd, pool, cls, remaining)


def _remaining_limits(rnd: _Round, pool: PoolModel) -> dict[int, int]:
    usage = rnd.request.poolUsage.get(pool.name, Resources())
    for claim in rnd.claims:
        if claim.nodePool == pool.name:
            usage = usage + _charge(rnd, pool, claim.instanceTypes)
    used = usage.vector()
    return {_LIMIT_INDEX[name]: limit - int(used[_LIMIT_INDEX[name]]) for name, limit in pool.limits.items()}


def _charge(rnd: _Round, pool: PoolModel, types: tuple[str, ...]) -> Resources:
    """Karpenter charges a claim to its pool's limits with the largest of its candidate types."""
    idx = [rnd.compiled.index[name] for name in types]
    return Resources.from_vector(pool.capacity[idx].max(axis=0))


def _provision_class(rnd: _Round, pool: PoolModel, cls: _Class, remaining: dict[int, int]) -> None:
    placement = cls.placement
    types = np.flatnonzero(placement.mask)
    price_all, ct_all, zone_all = cheapest_offerings(rnd.prices, placement.capacityTypes, placement.zones)
    requests = np.array([g.vector for g in cls.groups], dtype=np.int64)
    counts = np.array([g.left for g in cls.groups], dtype=np.int64)
    patterns = pack(requests, counts, pool.allocatable[types], price_all[types])
    for pattern in patterns:
        _emit(rnd, pool, cls, pattern, types, requests, (price_all, ct_all, zone_all), remaining)


def _candidates(
    rnd: _Round, pool: PoolModel, cls: _Class, total: IntArray, price: FloatArray, remaining: dict[int, int]
) -> list[int]:
    """Types that hold `total`, cheapest offering first, truncated, without types that break limits."""
    fits = cls.placement.mask & np.all(pool.allocatable >= total, axis=1) & np.isfinite(price)
    for r, left in remaining.items():
        fits &= pool.capacity[:, r] <= left
    idx = np.flatnonzero(fits)
    names = [rnd.compiled.types[i].name for i in idx]
    order = sorted(range(len(idx)), key=lambda i: (price[idx[i]], names[i]))
    ranked = [int(idx[i]) for i in order]
    chosen = ranked[: rnd.request.maxCandidates]
    if min_values_problems(cls.requirements, [rnd.compiled.labels[i] for i in chosen]):
        chosen = ranked
    return chosen


def _emit(
    rnd: _Round,
    pool: PoolModel,
    cls: _Class,
    pattern: Pattern,
    types: IntArray,
    requests: IntArray,
    offers: tuple[FloatArray, IntArray, IntArray],
    remaining: dict[int, int],
) -> None:
    price, ct, zone = offers
    total = pattern.counts @ requests
    candidates = _candidates(rnd, pool, cls, total, price, remaining)
    if not candidates:
        limited = ", ".join(f"{NAMES[r]}" for r in remaining)
        for g, n in zip(cls.groups, pattern.counts, strict=True):
            if n:
                g.reasons[pool.name] = f"the pool's limits ({limited}) leave no room for another node"
        return
    if min_values_problems(cls.requirements, [rnd.compiled.labels[i] for i in candidates]):
        return
    first = candidates[0]
    names = tuple(rnd.compiled.types[i].name for i in candidates)
    charge = pool.capacity[candidates].max(axis=0)
    capacity_type = CAPACITY_TYPES[int(ct[first])]
    zone_name = rnd.compiled.zones[int(zone[first])]
    facts = node_facts(
        pool.pool, pool.nodeClass, rnd.compiled.types[first], zone_name, capacity_type, cls.requirements
    )
    allowed_cts = tuple(CAPACITY_TYPES[i] for i in cls.placement.capacityTypes)
    allowed_zones = tuple(rnd.compiled.zones[i] for i in cls.placement.zones)
    reqs = Resources.from_vector(total) + pool.daemonOverhead
    reps = pattern.reps
    for _ in range(reps):
        if any(charge[r] > left for r, left in remaining.items()):
            limited = ", ".join(f"{NAMES[r]} {pool.limits[NAMES[r]]}" for r in remaining)
            for g, n in zip(cls.groups, pattern.counts, strict=True):
                if n:
                    g.reasons[pool.name] = f"the pool reached its limits ({limited})"
            return
        for r in remaining:
            remaining[r] -= int(charge[r])
        pods: list[str] = []
        for g, n in zip(cls.groups, pattern.counts, strict=True):
            if n:
                pods.extend(p.id for p in g.take(int(n)))
        rnd.seq += 1
        prefix = rnd.request.claimPrefix
        name = f"{pool.name}-{prefix}{rnd.seq}" if prefix else f"{pool.name}-{rnd.seq}"
        rnd.claims.append(
            PlannedClaim(
                name=name,
                nodePool=pool.name,
                nodeClass=pool.pool.spec.template.spec.nodeClassRef.name,
                instanceTypes=names,
                capacityType=capacity_type,
                zone=zone_name,
                price=float(price[first]),
                pods=tuple(pods),
                requests=reqs,
                capacityTypes=allowed_cts,
                zones=allowed_zones,
                requirements=cls.requirements,
                node=facts,
            )
        )
        rnd.events.append(
            PlanEvent(
                "NodeClaim",
                name,
                EventType.NORMAL,
                "Planned",
                f"{len(pods)} pods on {names[0]} ({capacity_type}, {zone_name}, ${price[first]:.4f}/h) "
                f"from NodePool {pool.name}; {len(names)} candidate types",
            )
        )
