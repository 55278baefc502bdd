"""Packing groups of identical pods onto instance types at low cost, group by group rather than pod by pod.

Spark asks for capacity in large groups of identical pods, so a plan is a short list of node *patterns*
(an instance type and how many pods of each group it holds) with a repeat count, not one decision per pod.

1. Type choice. The fractional cost of hosting a set of groups on type t is p_t x max_r(demand_r /
   allocatable_t,r). Groups sorted by memory per cpu are cut into contiguous segments (dynamic
   programming over cut points, a small charge per segment for its last, partly filled node), each
   segment on the type that minimises that cost: memory-heavy groups on memory-rich types, cpu-heavy on
   cpu-rich ones, as the LP relaxation of the problem does. The whole class on its best single type is
   also realised, and the cheaper result kept; each segment tries its few best types the same way.
2. Realisation on type t. Every node gets the segment's remaining mix in proportion (the remaining demand
   needs N = max_r(demand_r / allocatable_r) nodes, so each node takes floor(n_g / N) of group g), the
   room left is filled pod by pod, and the pattern repeats while every group it uses lasts. The mix thus
   balances cpu and memory on every node. When what is left fits one node of some type at no more than
   the nodes of t it would take, it goes to the cheapest such type (the tail).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sparkfleet.engine.provisioning.tables import FloatArray, IntArray

_DP_MAX_ITEMS = 64
_SPLITS = (1, 3)
"""Chunks per group in the segment search: whole groups, and thirds (a segment may end inside a group)."""
_TYPES_TRIED = 3
_TYPES_TRIED_SEGMENT = 2
_REPS_FRACTION = 0.5
_SHORT_MIN = 0.7
_BIG = np.int64(2**62)


@dataclass(frozen=True)
class Pattern:
    """`reps` nodes of type `type` (index into the types given), each holding `counts[g]` pods of group g."""

    type: int
    counts: IntArray
    reps: int


def fit_counts(requests: IntArray, allocatable: IntArray) -> IntArray:
    """(groups, types): how many pods of a group fit one node of a type on their own."""
    req = requests[:, None, :]
    alloc = allocatable[None, :, :]
    per = np.where(req > 0, alloc // np.maximum(req, 1), _BIG)
    result: IntArray = per.min(axis=2)
    return result


def pack(requests: IntArray, counts: IntArray, allocatable: IntArray, price: FloatArray) -> list[Pattern]:
    """Patterns that place every pod. Every group must fit at least one type (the caller checks)."""
    counts = counts.astype(np.int64)
    allocatable = usable_allocatable(requests, allocatable)
    k = fit_counts(requests, allocatable)
    options: list[list[Pattern]] = []
    single = _best_realisation(requests, counts, allocatable, price, k, _TYPES_TRIED)
    if single is not None:
        options.append(single)
    if np.count_nonzero(counts) > 1 or single is None:
        for parts in _SPLITS:
            options.append(_segmented(requests, counts, allocatable, price, k, parts))
    return min(options, key=lambda pats: cost(pats, price))


def usable_allocatable(requests: IntArray, allocatable: IntArray) -> IntArray:
    """Allocatable rounded down to a multiple of the gcd of the requests: no mix of these pods can use
    the rest (whole-core executors leave the 0.85 core a 32-vCPU node keeps after kube-reserved), so
    fractional estimates that count it would favour types whose remainder is large."""
    unit = np.gcd.reduce(requests, axis=0)
    unit = np.where(unit > 0, unit, 1)
    usable: IntArray = (allocatable // unit) * unit
    return usable


def cost(patterns: list[Pattern], price: FloatArray) -> float:
    return float(sum(price[p.type] * p.reps for p in patterns))


def _fractional(demand: FloatArray, allocatable: IntArray, price: FloatArray) -> FloatArray:
    """Per type: the fractional cost of `demand` (resources,) on that type alone."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(
            allocatable > 0, demand[None, :] / allocatable, np.where(demand[None, :] > 0, np.inf, 0)
        )
    nodes: FloatArray = ratio.max(axis=1)
    out: FloatArray = price * nodes
    return out


def _best_realisation(
    requests: IntArray, counts: IntArray, allocatable: IntArray, price: FloatArray, k: IntArray, tries: int
) -> list[Pattern] | None:
    """Realise `counts` on each of its `tries` cheapest types (fractionally); keep the cheapest result."""
    members = np.flatnonzero(counts > 0)
    usable = np.all(k[members] >= 1, axis=0) & np.isfinite(price)
    if not usable.any():
        return None
    demand = (counts[members, None] * requests[members]).sum(axis=0).astype(np.float64)
    frac = np.where(usable, _fractional(demand, allocatable, price), np.inf)
    best: list[Pattern] | None = None
    for t in np.argsort(frac, kind="stable")[:tries]:
        if not np.isfinite(frac[t]):
            break
        pats = realise(requests, counts, allocatable, price, k, int(t))
        if best is None or cost(pats, price) < cost(best, price):
            best = pats
    return best


def _segmented(
    requests: IntArray, counts: IntArray, allocatable: IntArray, price: FloatArray, k: IntArray, parts: int
) -> list[Pattern]:
    """Cut the groups, sorted by memory per cpu and each split into `parts` chunks, into segments by
    dynamic programming; realise each segment on its own best type."""
    live = np.flatnonzero(counts > 0)
    ratio = requests[live, 1] / np.maximum(requests[live, 0], 1)
    order = live[np.argsort(ratio, kind="stable")]
    items: list[tuple[int, int]] = []
    for g in order:
        n = int(counts[g])
        chunks = min(parts, n)
        items.extend((int(g), n // chunks + (1 if i < n % chunks else 0)) for i in range(chunks))
    if len(items) > _DP_MAX_ITEMS:
        # Too many for the quadratic cut search: each group alone.
        segments = [[(int(g), int(counts[g]))] for g in order]
    else:
        segments = _cut(requests, allocatable, price, k, items)
    patterns: list[Pattern] = []
    for segment in segments:
        sub = np.zeros_like(counts)
        for g, n in segment:
            sub[g] += n
        found = _best_realisation(requests, sub, allocatable, price, k, _TYPES_TRIED_SEGMENT)
        if found is None:
            raise ValueError("a group fits no instance type; callers must leave such groups out")
        patterns.extend(found)
    return patterns


def _cut(
    requests: IntArray, allocatable: IntArray, price: FloatArray, k: IntArray, items: list[tuple[int, int]]
) -> list[list[tuple[int, int]]]:
    """The contiguous segments of `items` (group, count) whose summed fractional cost is least."""
    m = len(items)
    groups = np.array([g for g, _ in items], dtype=np.int64)
    amounts = np.array([n for _, n in items], dtype=np.float64)
    demand = amounts[:, None] * requests[groups]
    prefix = np.vstack([np.zeros((1, demand.shape[1])), np.cumsum(demand, axis=0)])
    unfit = np.vstack([np.zeros((1, k.shape[1])), np.cumsum(k[groups] < 1, axis=0)])
    finite = np.isfinite(price)
    penalty = 0.5 * float(price[finite].min()) if finite.any() else 0.0
    seg_cost = np.full((m + 1, m + 1), np.inf)
    for i in range(m):
        d = prefix[i + 1 :] - prefix[i]  # segments i..j for j in i+1..m
        ok = (unfit[i + 1 :] - unfit[i] == 0) & finite[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(
                allocatable[None, :, :] > 0,
                d[:, None, :] / allocatable[None, :, :],
                np.where(d[:, None, :] > 0, np.inf, 0),
            )
        frac = np.where(ok, price[None, :] * ratio.max(axis=2), np.inf)
        seg_cost[i, i + 1 :] = frac.min(axis=1) + penalty
    best = np.full(m + 1, np.inf)
    best[0] = 0.0
    cut_at = np.zeros(m + 1, dtype=np.int64)
    for j in range(1, m + 1):
        totals = best[:j] + seg_cost[:j, j]
        i = int(np.argmin(totals))
        best[j], cut_at[j] = totals[i], i
    segments = []
    j = m
    while j > 0:
        i = int(cut_at[j])
        segments.append(items[i:j])
        j = i
    return segments[::-1]


def realise(
    requests: IntArray, counts: IntArray, allocatable: IntArray, price: FloatArray, k: IntArray, t: int
) -> list[Pattern]:
    """Place `counts` on nodes of type `t` in proportional patterns; the tail may go to a cheaper type."""
    n = [int(x) for x in counts]
    reqs = [tuple(int(v) for v in row) for row in requests]
    alloc = tuple(int(v) for v in allocatable[t])
    dims = range(len(alloc))
    size = requests.astype(np.float64) @ (1.0 / np.maximum(allocatable[t], 1))
    by_size = [int(g) for g in np.argsort(-size, kind="stable")]
    finite = np.isfinite(price)
    fits_alone = k >= 1
    groups = range(len(n))
    patterns: list[Pattern] = []
    while any(n):
        demand = [sum(n[g] * reqs[g][r] for g in groups) for r in dims]
        need = max((demand[r] / alloc[r] if alloc[r] > 0 else (math.inf if demand[r] else 0.0)) for r in dims)
        live = [g for g in groups if n[g]]
        holds_all = (
            finite & np.all(allocatable >= np.asarray(demand), axis=1) & np.all(fits_alone[live], axis=0)
        )
        if holds_all.any():
            tail = int(np.argmin(np.where(holds_all, price, np.inf)))
            if need <= 1.0 or price[tail] <= math.ceil(need) * price[t]:
                patterns.append(Pattern(tail, np.asarray(n, dtype=np.int64), 1))
                break
        share = max(need, 1.0)
        c = [int(n[g] / share) for g in groups]
        residual = [alloc[r] - sum(c[g] * reqs[g][r] for g in groups) for r in dims]
        # first one more pod of the groups furthest below their share, then fill by size
        for g in sorted(live, key=lambda g: c[g] - n[g] / share):
            if n[g] / share - c[g] < _SHORT_MIN:
                continue
            if c[g] < n[g] and all(reqs[g][r] <= residual[r] for r in dims):
                c[g] += 1
                for r in dims:
                    residual[r] -= reqs[g][r]
        for g in by_size:
            left = n[g] - c[g]
            if left <= 0:
                continue
            q = min([left] + [residual[r] // reqs[g][r] for r in dims if reqs[g][r] > 0])
            if q > 0:
                c[g] += q
                for r in dims:
                    residual[r] -= q * reqs[g][r]
        if not any(c):
            raise ValueError(f"type {t} holds none of the remaining pods")
        reps = min(n[g] // c[g] for g in groups if c[g])
        reps = max(1, min(reps, int(need * _REPS_FRACTION)))
        patterns.append(Pattern(t, np.asarray(c, dtype=np.int64), reps))
        for g in groups:
            n[g] -= reps * c[g]
    return patterns
