"""Can a pod (group) go to a NodePool, and onto which instance types? If not, the reason, in words.

The pod's constraints are its nodeSelector and one of its required node-affinity terms (tried in order,
as Karpenter relaxes them), intersected with the pool's requirements and template labels:
- every NoSchedule/NoExecute taint of the pool must be tolerated;
- no key may end up with no allowed value (`kubernetes.io/arch: In [arm64] vs In [amd64]`);
- a label the pool neither sets nor constrains cannot be required (Karpenter: undefined labels are only
  compatible with NotIn / DoesNotExist);
- some instance type must satisfy the type labels, hold the pod after overhead and daemonsets, have an
  available offering in an allowed zone and capacity type, and together they must honour minValues.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sparkfleet.engine.provisioning.pods import PodRequest
from sparkfleet.engine.provisioning.requirements import Requirements, min_values_problems
from sparkfleet.engine.provisioning.resources import Resources
from sparkfleet.engine.provisioning.tables import (
    CAPACITY_TYPES,
    OFFERING_KEYS,
    TYPE_KEYS,
    BoolArray,
    CompiledFleet,
    FloatArray,
    IntArray,
    PoolModel,
    describe_taint,
    tolerates_all,
)

Offers = tuple[FloatArray, IntArray, IntArray]


@dataclass
class PriceView:
    """A price table (types x capacity types x zones) and, per allowed (capacity types, zones), each
    type's cheapest offering: price (inf if none), capacity-type index, zone index. Ties go to spot (it
    comes first on the capacity-type axis), then to the earlier zone."""

    prices: FloatArray
    _cheapest: dict[tuple[tuple[int, ...], tuple[int, ...]], Offers] = field(default_factory=dict)

    def cheapest(self, capacity_types: tuple[int, ...], zones: tuple[int, ...]) -> Offers:
        key = (capacity_types, zones)
        found = self._cheapest.get(key)
        if found is None:
            found = self._cheapest[key] = cheapest_offerings(self.prices, capacity_types, zones)
        return found


def cheapest_offerings(prices: FloatArray, capacity_types: tuple[int, ...], zones: tuple[int, ...]) -> Offers:
    sub = prices[:, list(capacity_types), :][:, :, list(zones)]
    flat = sub.reshape(sub.shape[0], -1)
    best = np.argmin(flat, axis=1)
    price = flat[np.arange(flat.shape[0]), best]
    ct = np.asarray(capacity_types, dtype=np.int64)[best // len(zones)]
    zone = np.asarray(zones, dtype=np.int64)[best % len(zones)]
    return price, ct, zone


@dataclass(frozen=True)
class Constrained:
    """A pod's constraints inside one pool, whatever its size: the combined requirements, the types
    that satisfy them with an available offering, and the allowed capacity types and zones."""

    pool: PoolModel
    requirements: Requirements
    mask: BoolArray
    capacity_types: tuple[int, ...]
    zones: tuple[int, ...]


@dataclass(frozen=True)
class Placement:
    """Where a group may go in one pool."""

    pool: PoolModel
    requirements: Requirements
    mask: BoolArray
    """Types that satisfy the requirements and have an available offering in the allowed zones and
    capacity types: what pods of other groups with the same mask may share."""
    fits: BoolArray
    """Those of `mask` that hold one pod of the group after overhead and daemonsets."""
    capacity_types: tuple[int, ...]
    zones: tuple[int, ...]


def pod_terms(pod: PodRequest) -> list[Requirements]:
    """The alternatives a pod accepts: nodeSelector AND each required term (or the nodeSelector alone)."""
    base = Requirements.from_labels(pod.node_selector)
    if not pod.required_terms:
        return [base]
    return [base.intersect(term) for term in pod.required_terms]


def constrain(
    compiled: CompiledFleet, pool: PoolModel, prices: PriceView, pod: PodRequest
) -> list[Constrained | str]:
    """Per term of the pod, in order: its constraints in `pool`, or why they cannot hold there."""
    if pool.problem:
        return [pool.problem]
    blocking = tolerates_all(pod.tolerations, pool.taints)
    if blocking is not None:
        return [f"it does not tolerate the taint {describe_taint(blocking)}"]
    return [_constrain_term(compiled, pool, prices, term) for term in pod_terms(pod)]


def _constrain_term(
    compiled: CompiledFleet, pool: PoolModel, prices: PriceView, term: Requirements
) -> Constrained | str:
    own = term.unsatisfiable_keys()
    if own:
        return "its own requirements cannot all hold: " + ", ".join(own)
    conflicts = term.conflicts(pool.requirements)
    if conflicts:
        return "its requirements conflict with the pool's: " + "; ".join(conflicts)
    for key, value_set in term:
        if key in TYPE_KEYS or key in OFFERING_KEYS or pool.requirements.get(key) is not None:
            continue
        if not value_set.allows(None):
            return f'it requires label "{key}" {value_set.describe()}, which the pool\'s nodes do not have'
    combined = pool.requirements.intersect(term)
    mask = pool.type_mask & compiled.type_mask(combined)
    if not mask.any():
        type_reqs = ", ".join(f"{k} {v.describe()}" for k, v in term if k in TYPE_KEYS)
        return f"no instance type of the pool satisfies {type_reqs or 'its requirements'}"
    cts, zones = compiled.offering_axes(combined)
    if not cts or not zones:
        return "no capacity type or zone is allowed by both the pod and the pool"
    price, _, _ = prices.cheapest(cts, zones)
    allowed = mask & np.isfinite(price)
    if not allowed.any():
        names = "/".join(str(CAPACITY_TYPES[c]) for c in cts)
        return f"every {names} offering of its instance types is unavailable (insufficient capacity)"
    return Constrained(pool, combined, allowed, cts, zones)


def fit(
    compiled: CompiledFleet, constrained: list[Constrained | str], requests: Resources
) -> Placement | str:
    """The first term whose types hold a pod of `requests` (and honour minValues), or the reason."""
    reasons = []
    need = requests.vector()
    for option in constrained:
        if isinstance(option, str):
            reasons.append(option)
            continue
        pool = option.pool
        fits = option.mask & np.all(pool.allocatable >= need, axis=1)
        if not fits.any():
            largest = int(np.argmax(np.where(option.mask, pool.allocatable[:, 0], -1)))
            alloc = Resources.from_vector(pool.allocatable[largest])
            reasons.append(
                f"no instance type is large enough for {requests.describe()} (largest: "
                f"{compiled.types[largest].name} with {alloc.describe()} allocatable after overhead)"
            )
            continue
        problems = min_values_problems(
            option.requirements, [compiled.labels[t] for t in np.flatnonzero(fits)]
        )
        if problems:
            reasons.append("; ".join(problems))
            continue
        return Placement(pool, option.requirements, option.mask, fits, option.capacity_types, option.zones)
    if len(reasons) == 1:
        return reasons[0]
    return "; ".join(f"term {i}: {r}" for i, r in enumerate(reasons))


def place(
    compiled: CompiledFleet, pool: PoolModel, prices: PriceView, pod: PodRequest, requests: Resources
) -> Placement | str:
    """The placement of `pod` (standing for its group) in `pool`, or why there is none."""
    return fit(compiled, constrain(compiled, pool, prices, pod), requests)
