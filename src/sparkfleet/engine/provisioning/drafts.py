"""The claims of a plan in the making, and adding pods to them before new claims are opened.

Karpenter's scheduler first adds a pod to a NodeClaim already planned in the round whose requirements are
compatible, narrowing them (an on-demand-only driver makes the claim on-demand), and only opens a new claim
when none takes it. Here the same, a group of identical pods at a time: before a class of groups is packed
into new claims, its pods fill the room of the claims planned so far.
- Compatible: the group can go to the claim's pool, and the claim's candidate types, capacity types, zones
  and requirements meet the group's without conflict, with minValues still honoured.
- How many: as many as the cheapest candidate that holds any of them holds; the claim keeps the candidates
  that hold its pods (cheapest offering first under the narrowed capacity types and zones).
- Cost order: the claim's price may rise (on-demand instead of spot, a larger type) only by less than the
  pods would cost on whole nodes of their own; otherwise they go to new capacity as before.
A claim is turned into its `PlannedClaim` (offering, price, node facts, event) only when the plan is done.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from sparkfleet.api.wire import EventType
from sparkfleet.engine.provisioning.compat import Placement, PriceView
from sparkfleet.engine.provisioning.model import PlanEvent, PlannedClaim
from sparkfleet.engine.provisioning.nodefacts import NodeFacts, node_facts
from sparkfleet.engine.provisioning.requirements import Requirements, min_values_problems
from sparkfleet.engine.provisioning.resources import Resources
from sparkfleet.engine.provisioning.tables import (
    CAPACITY_TYPES,
    CompiledFleet,
    FloatArray,
    IntArray,
    PoolModel,
)

_EPSILON = 1e-9
_Signature = tuple[int, tuple[int, ...], tuple[int, ...], tuple[int, ...], Requirements]


@dataclass
class DraftClaim:
    """One claim of the plan: its pool, candidate types (indices, cheapest offering first), allowed
    capacity types and zones (indices), requirements, and the pods and their summed requests."""

    name: str
    pool: PoolModel
    candidates: tuple[int, ...]
    capacity_types: tuple[int, ...]
    zones: tuple[int, ...]
    requirements: Requirements
    total: IntArray
    pods: list[str]
    signature: int = -1
    """Equal for claims with equal pool, candidates, offerings and requirements (memo key)."""


@dataclass(frozen=True)
class _Narrowed:
    """A claim signature met by a group's placement: what the claim becomes when the group joins."""

    candidates: IntArray
    """The claim's candidates the group may use, cheapest offering first under the narrowed axes."""
    price: FloatArray
    """Per type of the fleet: its cheapest offering under the narrowed capacity types and zones."""
    capacity_types: tuple[int, ...]
    zones: tuple[int, ...]
    requirements: Requirements


@dataclass
class InFlight:
    """The claims planned so far in a round; the room of those with some is kept in one array, so a
    group finds the claims that may hold it without a loop over all of them."""

    compiled: CompiledFleet
    prices: PriceView
    floor: IntArray
    """The least request of any group in each resource: a claim with less room in one is full."""
    drafts: list[DraftClaim] = field(default_factory=list)
    _open: list[DraftClaim] = field(default_factory=list)
    _room: IntArray | None = None
    _signatures: dict[_Signature, int] = field(default_factory=dict)
    _narrowed: dict[tuple[int, int], _Narrowed | None] = field(default_factory=dict)

    def add(self, drafts: Sequence[DraftClaim]) -> None:
        """Claims made from one node pattern: equal candidates, offerings, requirements and totals."""
        if not drafts:
            return
        signature = self.signature_of(drafts[0])
        for draft in drafts:
            draft.signature = signature
        self.drafts.extend(drafts)
        room = _room(drafts[0])
        if not np.all(room >= self.floor):
            return
        rows = np.repeat(room[None, :], len(drafts), axis=0)
        self._open.extend(drafts)
        self._room = rows if self._room is None else np.concatenate([self._room, rows])

    def signature_of(self, draft: DraftClaim) -> int:
        key = (draft.pool.rank, draft.candidates, draft.capacity_types, draft.zones, draft.requirements)
        return self._signatures.setdefault(key, len(self._signatures))

    def join(
        self,
        vector: IntArray,
        left: int,
        placement_in: Callable[[PoolModel], Placement | str],
        take: Callable[[int], Sequence[str]],
    ) -> int:
        """Add up to `left` pods of one group (requests `vector`) to open claims that take them at no
        more than they would cost alone; `take(n)` hands over the next n pods' ids. How many joined."""
        if self._room is None or left <= 0:
            return 0
        hits = np.flatnonzero(np.all(self._room >= vector, axis=1))
        if len(hits) == 0:
            return 0
        # one placement per pool and one meeting per claim signature, not one per claim
        meetings: dict[int, tuple[Placement, _Narrowed] | None] = {}
        joined = 0
        for j in hits:
            draft = self._open[int(j)]
            if draft.signature not in meetings:
                meetings[draft.signature] = self._meeting(draft, placement_in)
            meeting = meetings[draft.signature]
            if meeting is None:
                continue
            placement, narrowed = meeting
            n = self._join_one(draft, placement, narrowed, vector, left - joined, take)
            if n:
                joined += n
                self._room[j] = _room(draft)
                if joined == left:
                    break
        return joined

    def _meeting(
        self, draft: DraftClaim, placement_in: Callable[[PoolModel], Placement | str]
    ) -> tuple[Placement, _Narrowed] | None:
        placement = placement_in(draft.pool)
        if isinstance(placement, str):
            return None
        key = (id(placement), draft.signature)
        if key not in self._narrowed:
            self._narrowed[key] = self._meet(draft, placement)
        narrowed = self._narrowed[key]
        return None if narrowed is None else (placement, narrowed)

    def _join_one(
        self,
        draft: DraftClaim,
        placement: Placement,
        narrowed: _Narrowed,
        vector: IntArray,
        left: int,
        take: Callable[[int], Sequence[str]],
    ) -> int:
        free = draft.pool.allocatable[narrowed.candidates] - draft.total
        used = vector > 0
        holds = (free[:, used] // vector[used]).min(axis=1)
        holding = np.flatnonzero(holds > 0)
        if len(holding) == 0:
            return 0
        n = int(min(left, holds[holding[0]]))
        keep = narrowed.candidates[holds >= n]
        old_price = float(self.prices.cheapest(draft.capacity_types, draft.zones)[0][draft.candidates[0]])
        rise = float(narrowed.price[keep[0]]) - old_price
        if rise > _EPSILON and rise >= _own_cost(placement, self.prices, vector, left, n):
            return 0
        labels = self.compiled.labels
        if min_values_problems(narrowed.requirements, [labels[int(t)] for t in keep]):
            return 0
        draft.candidates = tuple(int(t) for t in keep)
        draft.capacity_types = narrowed.capacity_types
        draft.zones = narrowed.zones
        draft.requirements = narrowed.requirements
        draft.total = draft.total + n * vector
        draft.pods.extend(take(n))
        draft.signature = self.signature_of(draft)
        return n

    def _meet(self, draft: DraftClaim, placement: Placement) -> _Narrowed | None:
        """What the claim becomes with the group's constraints added, or None when they cannot meet."""
        cts = tuple(c for c in draft.capacity_types if c in placement.capacity_types)
        zones = tuple(z for z in draft.zones if z in placement.zones)
        if not cts or not zones or draft.requirements.conflicts(placement.requirements):
            return None
        price = self.prices.cheapest(cts, zones)[0]
        types = self.compiled.types
        allowed = [t for t in draft.candidates if placement.mask[t] and math.isfinite(price[t])]
        if not allowed:
            return None
        allowed.sort(key=lambda t: (price[t], types[t].name))
        requirements = draft.requirements.intersect(placement.requirements)
        return _Narrowed(np.array(allowed, dtype=np.int64), price, cts, zones, requirements)


def _room(draft: DraftClaim) -> IntArray:
    """The most room any candidate of the claim leaves, per resource (an upper bound for the test)."""
    free: IntArray = draft.pool.allocatable[list(draft.candidates)].max(axis=0) - draft.total
    return free


def _own_cost(placement: Placement, prices: PriceView, vector: IntArray, left: int, n: int) -> float:
    """What `n` of the group's `left` pods add to the cost of hosting the group on whole nodes of its
    cheapest type: the price a join may raise a claim by, at most."""
    price = prices.cheapest(placement.capacity_types, placement.zones)[0]
    types = np.flatnonzero(placement.fits & np.isfinite(price))
    if len(types) == 0:
        return math.inf
    used = vector > 0
    per_node = (placement.pool.allocatable[types][:, used] // vector[used]).min(axis=1)
    ok = per_node > 0
    per_node, cost = per_node[ok], price[types][ok]
    if len(cost) == 0:
        return math.inf
    before = float((cost * np.ceil(left / per_node)).min())
    after = float((cost * np.ceil((left - n) / per_node)).min())
    return before - after


def materialize(
    drafts: Sequence[DraftClaim],
    compiled: CompiledFleet,
    prices: PriceView,
    facts: dict[tuple[int, int, int, int, Requirements], NodeFacts],
) -> list[tuple[PlannedClaim, PlanEvent]]:
    """The finished claims, each at its cheapest candidate's cheapest offering, with Planned events.
    Claims of one pattern differ only in name and pods: the rest is built once for them."""
    made: dict[tuple[int, bytes], tuple[PlannedClaim, str]] = {}
    out = []
    for draft in drafts:
        key = (draft.signature, draft.total.tobytes())
        found = made.get(key)
        if found is None:
            found = made[key] = _claim(draft, compiled, prices, facts)
        claim, message = found
        out.append(
            (
                replace(claim, name=draft.name, pods=tuple(draft.pods)),
                PlanEvent(
                    "NodeClaim",
                    draft.name,
                    EventType.NORMAL,
                    "Planned",
                    f"{len(draft.pods)} pods on {message}",
                ),
            )
        )
    return out


def _claim(
    draft: DraftClaim,
    compiled: CompiledFleet,
    prices: PriceView,
    facts: dict[tuple[int, int, int, int, Requirements], NodeFacts],
) -> tuple[PlannedClaim, str]:
    pool = draft.pool
    price, ct, zone = prices.cheapest(draft.capacity_types, draft.zones)
    first = draft.candidates[0]
    capacity_type = CAPACITY_TYPES[int(ct[first])]
    zone_name = compiled.zones[int(zone[first])]
    key = (pool.rank, first, int(ct[first]), int(zone[first]), draft.requirements)
    node = facts.get(key)
    if node is None:
        node = facts[key] = node_facts(
            pool.pool, pool.node_class, compiled.types[first], zone_name, capacity_type, draft.requirements
        )
    names = tuple(compiled.types[i].name for i in draft.candidates)
    claim = PlannedClaim(
        name=draft.name,
        node_pool=pool.name,
        node_class=pool.pool.spec.template.spec.nodeClassRef.name,
        instance_types=names,
        capacity_type=capacity_type,
        zone=zone_name,
        price=float(price[first]),
        pods=(),
        requests=Resources.from_vector(draft.total) + pool.daemon_overhead,
        capacity_types=tuple(CAPACITY_TYPES[i] for i in draft.capacity_types),
        zones=tuple(compiled.zones[i] for i in draft.zones),
        requirements=draft.requirements,
        node=node,
    )
    message = (
        f"{names[0]} ({capacity_type}, {zone_name}, ${price[first]:.4f}/h) "
        f"from NodePool {pool.name}; {len(names)} candidate types"
    )
    return claim, message
