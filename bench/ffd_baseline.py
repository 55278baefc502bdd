"""A faithful Karpenter-style first-fit-decreasing provisioner, the baseline of bench/provisioner.py.

What Karpenter's scheduling simulation does with a batch of pending pods (pkg/controllers/provisioning/
scheduling): pods sorted by cpu, then memory, descending; each pod tries the NodeClaims already planned
in this round in creation order and joins the first that still has an instance type holding all its pods
(plus daemonset overhead); otherwise it opens a NodeClaim from the highest-weight NodePool that can host
it, keeping every instance type that fits. Each NodeClaim finally launches the cheapest remaining type.

It shares the engine's model of the problem (requirements, taints, overhead, daemonsets, offering prices
via `sparkfleet.engine.provisioning.compat.place`), so the comparison is about packing alone. Pods with
different allowed zones or capacity types do not share a NodeClaim (they would narrow its offerings).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sparkfleet.engine.provisioning.compat import Placement, PriceView, place
from sparkfleet.engine.provisioning.model import ProvisioningRequest
from sparkfleet.engine.provisioning.tables import PoolModel


@dataclass
class FfdClaim:
    pool: PoolModel
    offer_key: tuple[tuple[int, ...], tuple[int, ...]]
    mask: np.ndarray
    total: np.ndarray
    pods: int
    price: np.ndarray


@dataclass(frozen=True)
class FfdResult:
    nodes: int
    price_per_hour: float
    unschedulable: int
    instance_types: dict[str, int]


def ffd_plan(request: ProvisioningRequest) -> FfdResult:
    compiled = request.fleet.compiled
    prices = PriceView(compiled.prices(request.unavailable, request.now))
    pods = sorted(request.pods, key=lambda p: (-p.requests.cpu, -p.requests.memory))
    placements: dict[tuple[object, ...], list[Placement]] = {}
    claims: list[FfdClaim] = []
    # Upper bound of each claim's room (per resource, over its remaining types): a cheap pre-filter.
    headroom = np.zeros((0, 4), dtype=np.int64)
    unschedulable = 0
    for pod in pods:
        key = (pod.requests, pod.constraint_key)
        options = placements.get(key)
        if options is None:
            options = [
                found
                for pool in compiled.pools
                if isinstance(found := place(compiled, pool, prices, pod, pod.requests), Placement)
            ]
            placements[key] = options
        if not options:
            unschedulable += 1
            continue
        need = pod.requests.vector()
        joined = False
        for c in np.flatnonzero(np.all(headroom >= need, axis=1)):
            claim = claims[c]
            option = next((o for o in options if o.pool is claim.pool), None)
            if option is None or (option.capacity_types, option.zones) != claim.offer_key:
                continue
            total = claim.total + need
            mask = claim.mask & option.mask & np.all(claim.pool.allocatable >= total, axis=1)
            if not mask.any():
                continue
            claim.mask, claim.total, claim.pods = mask, total, claim.pods + 1
            headroom[c] = (claim.pool.allocatable[mask] - total).max(axis=0)
            joined = True
            break
        if joined:
            continue
        option = options[0]  # the highest-weight pool that can host the pod
        price = prices.cheapest(option.capacity_types, option.zones)[0]
        mask = option.fits.copy()
        claims.append(
            FfdClaim(option.pool, (option.capacity_types, option.zones), mask, need.copy(), 1, price)
        )
        room = (option.pool.allocatable[mask] - need).max(axis=0)
        headroom = np.vstack([headroom, room[None, :]])
    total_price = 0.0
    types: dict[str, int] = {}
    for claim in claims:
        idx = np.flatnonzero(claim.mask)
        best = idx[int(np.argmin(claim.price[idx]))]
        total_price += float(claim.price[best])
        name = compiled.types[best].name
        types[name] = types.get(name, 0) + 1
    return FfdResult(len(claims), total_price, unschedulable, types)
