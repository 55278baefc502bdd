"""Consolidation: delete nodes whose pods fit elsewhere, or replace them with one cheaper node.

Multi-node: among up to 100 candidates (fewest pods first, then the most expensive), the largest prefix
(found by binary search, at least two nodes) whose pods all fit on the other nodes plus at most one new
node cheaper than the prefix together. Single-node: the first candidate that can be deleted, or replaced
by a cheaper node. A spot node is replaced by a spot node only when at least 15 candidate types are
cheaper (Karpenter's guard against trading a node for one that will be reclaimed just as fast).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sparkfleet.api.wire import CapacityType
from sparkfleet.engine.disruption.model import DisruptionAction, DisruptionSnapshot, Method, NodeState
from sparkfleet.engine.disruption.simulate import simulate
from sparkfleet.engine.provisioning.compat import PriceView
from sparkfleet.engine.provisioning.model import PlannedClaim
from sparkfleet.engine.provisioning.tables import CAPACITY_TYPES

MAX_MULTI_NODE_CANDIDATES = 100
MAX_SINGLE_NODE_CANDIDATES = 100
"""Single-node consolidation simulates at most this many candidates per pass (Karpenter stops on time)."""
MIN_SPOT_TO_SPOT_TYPES = 15
UNDERUTILIZED = "Underutilized"


def order_candidates(nodes: Sequence[NodeState]) -> list[NodeState]:
    """Cheapest to disrupt first: fewest pods, then the most expensive node (the largest saving)."""
    return sorted(nodes, key=lambda n: (len(n.pods), -n.price, n.name))


def _cheaper_types(snapshot: DisruptionSnapshot, claim: PlannedClaim, below: float) -> int:
    compiled = snapshot.fleet.compiled
    prices = PriceView(compiled.prices(snapshot.unavailable, snapshot.now))
    cts = tuple(CAPACITY_TYPES.index(c) for c in claim.capacity_types)
    zones = tuple(compiled.zones.index(z) for z in claim.zones if z in compiled.zones)
    if not cts or not zones:
        return 0
    price = prices.cheapest(cts, zones)[0]
    idx = [compiled.index[t] for t in claim.instance_types if t in compiled.index]
    return int(np.count_nonzero(price[idx] < below))


def evaluate(
    snapshot: DisruptionSnapshot, nodes: Sequence[NodeState], method: Method
) -> DisruptionAction | None:
    """The action that removes `nodes` (delete, or replace with one cheaper node), or None."""
    names = {n.name for n in nodes}
    pods = [p for n in nodes for p in n.pods]
    result = simulate(snapshot, names, pods, prefix=snapshot.claim_prefix)
    if result.unschedulable or len(result.claims) > 1:
        return None
    current = sum(n.price for n in nodes)
    evict = tuple(p.id for p in pods)
    listed = ", ".join(sorted(names))
    if not result.claims:
        return DisruptionAction(
            method,
            UNDERUTILIZED,
            tuple(sorted(names)),
            evict=evict,
            savings_per_hour=current,
            message=f"delete {listed}: their {len(pods)} pods fit on other nodes, saving ${current:.4f}/h",
        )
    (claim,) = result.claims
    if claim.price >= current:
        return None
    all_spot = all(n.capacity_type is CapacityType.SPOT for n in nodes)
    spot_to_spot = all_spot and claim.capacity_type is CapacityType.SPOT
    if spot_to_spot and _cheaper_types(snapshot, claim, current) < MIN_SPOT_TO_SPOT_TYPES:
        return None
    saving = current - claim.price
    return DisruptionAction(
        method,
        UNDERUTILIZED,
        tuple(sorted(names)),
        evict=evict,
        replacements=(claim,),
        savings_per_hour=saving,
        message=(
            f"replace {listed} with {claim.instance_type} ({claim.capacity_type}, ${claim.price:.4f}/h), "
            f"saving ${saving:.4f}/h"
        ),
    )


def multi_node(snapshot: DisruptionSnapshot, candidates: Sequence[NodeState]) -> DisruptionAction | None:
    ordered = order_candidates(candidates)[:MAX_MULTI_NODE_CANDIDATES]
    if len(ordered) < 2:
        return None
    low, high = 2, len(ordered)
    best: DisruptionAction | None = None
    while low <= high:
        mid = (low + high) // 2
        found = evaluate(snapshot, ordered[:mid], Method.MULTI_NODE_CONSOLIDATION)
        if found is not None:
            best, low = found, mid + 1
        else:
            high = mid - 1
    return best


def single_node(snapshot: DisruptionSnapshot, candidates: Sequence[NodeState]) -> DisruptionAction | None:
    for node in order_candidates(candidates)[:MAX_SINGLE_NODE_CANDIDATES]:
        found = evaluate(snapshot, [node], Method.SINGLE_NODE_CONSOLIDATION)
        if found is not None:
            return found
    return None
