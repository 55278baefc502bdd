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

from dataclasses import dataclass

import numpy as np

from sparkfleet.engine.provisioning.model import PodRequest
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


@dataclass(frozen=True)
class Placement:
    """Where a group may go in one pool: the combined requirements and the usable instance types."""

    pool: PoolModel
    requirements: Requirements
    mask: BoolArray
    """Types that satisfy the requirements, hold one pod and have an available offering."""
    capacityTypes: tuple[int, ...]
    zones: tuple[int, ...]


def pod_terms(pod: PodRequest) -> list[Requirements]:
    """The alternatives a pod accepts: nodeSelector AND each required term (or the nodeSelector alone)."""
    base = Requirements.from_labels(pod.nodeSelector)
    if not pod.requiredTerms:
        return [base]
    return [base.intersect(term) for term in pod.requiredTerms]


def cheapest_offerings(
    prices: FloatArray, capacity_types: tuple[int, ...], zones: tuple[int, ...]
) -> tuple[FloatArray, IntArray, IntArray]:
    """Per type: the cheapest allowed offering's price (inf if none), capacity-type index and zone index.
    Ties go to spot (it comes first on the capacity-type axis), then to the earlier zone."""
    sub = prices[:, list(capacity_types), :][:, :, list(zones)]
    flat = sub.reshape(sub.shape[0], -1)
    best = np.argmin(flat, axis=1)
    price = flat[np.arange(flat.shape[0]), best]
    ct = np.asarray(capacity_types, dtype=np.int64)[best // len(zones)]
    zone = np.asarray(zones, dtype=np.int64)[best % len(zones)]
    return price, ct, zone


def place(
    compiled: CompiledFleet, pool: PoolModel, prices: FloatArray, pod: PodRequest, requests: Resources
) -> Placement | str:
    """The placement of `pod` (standing for its group) in `pool`, or why there is none."""
    if pool.problem:
        return pool.problem
    blocking = tolerates_all(pod.tolerations, pool.taints)
    if blocking is not None:
        return f"it does not tolerate the taint {describe_taint(blocking)}"
    reasons = []
    for term in pod_terms(pod):
        result = _place_term(compiled, pool, prices, term, requests)
        if isinstance(result, Placement):
            return result
        reasons.append(result)
    return reasons[0] if len(reasons) == 1 else "; ".join(f"term {i}: {r}" for i, r in enumerate(reasons))


def _place_term(
    compiled: CompiledFleet, pool: PoolModel, prices: FloatArray, term: Requirements, requests: Resources
) -> Placement | str:
    own = term.unsatisfiable_keys()
    if own:
        return "its own requirements cannot all hold: " + ", ".join(own)
    combined = pool.requirements.intersect(term)
    conflicts = term.conflicts(pool.requirements)
    if conflicts:
        return "its requirements conflict with the pool's: " + "; ".join(conflicts)
    for key, value_set in term:
        if key in TYPE_KEYS or key in OFFERING_KEYS or pool.requirements.get(key) is not None:
            continue
        if not value_set.allows(None):
            return f'it requires label "{key}" {value_set.describe()}, which the pool\'s nodes do not have'
    mask = pool.typeMask & compiled.type_mask(combined)
    if not mask.any():
        type_reqs = ", ".join(f"{k} {v.describe()}" for k, v in term if k in TYPE_KEYS)
        return f"no instance type of the pool satisfies {type_reqs or 'its requirements'}"
    cts, zones = compiled.offering_axes(combined)
    if not cts or not zones:
        return "no capacity type or zone is allowed by both the pod and the pool"
    need = requests.vector()
    fits = mask & np.all(pool.allocatable >= need, axis=1)
    if not fits.any():
        largest = int(np.argmax(np.where(mask, pool.allocatable[:, 0], -1)))
        alloc = Resources.from_vector(pool.allocatable[largest])
        return (
            f"no instance type is large enough for {requests.describe()} (largest: "
            f"{compiled.types[largest].name} with {alloc.describe()} allocatable after overhead)"
        )
    price, _, _ = cheapest_offerings(prices, cts, zones)
    usable = fits & np.isfinite(price)
    if not usable.any():
        allowed = "/".join(str(CAPACITY_TYPES[c]) for c in cts)
        return f"every offering ({allowed}) of the types that fit is unavailable (insufficient capacity)"
    problems = min_values_problems(combined, [compiled.labels[t] for t in np.flatnonzero(usable)])
    if problems:
        return "; ".join(problems)
    return Placement(pool, combined, usable, cts, zones)
