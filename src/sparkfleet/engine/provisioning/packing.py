"""Packing groups of identical pods onto instance types at low cost, group by group rather than pod by pod.

Spark asks for capacity in large groups of identical pods, so a plan is a short list of node *patterns*
(an instance type and how many pods of each group it holds) with a repeat count, not one decision per pod.

1. Type choice. The fractional cost of hosting a set of groups on type t is p_t x max_r(demand_r /
   allocatable_t,r), allocatable rounded down to what whole pods can use. Groups sorted by memory per
   cpu are cut into contiguous segments (dynamic programming over cut points; groups may also be cut in
   thirds), each segment on the type that minimises that cost: memory-heavy groups on memory-rich types,
   cpu-heavy ones on cpu-rich types. The whole set on its best single type is realised too, and the
   cheapest result is kept; every segment tries its two best types.
2. Realisation on type t. Every node gets the remaining mix in proportion (the remaining demand needs
   N = max_r(demand_r / allocatable_r) nodes, so each node takes floor(n_g / N) of group g), the room
   left is filled pod by pod (largest first), and the pattern repeats while every group it uses lasts
   (at most N/2 times, so the mix is recomputed as groups run out). Every node thus balances cpu and
   memory. When what is left fits one node of some type at no more than the nodes of t it would take,
   it goes to the cheapest such type (the tail).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sparkfleet.engine.provisioning.tables import FloatArray, IntArray

_DP_MAX_ITEMS = 64
_SPLITS = (1, 3)
"""Chunks per group in the segment search: whole groups, and thirds (a segment may end inside a group)."""
_TYPES_TRIED = 3
_TYPES_TRIED_SEGMENT = 2
_WORTH_TRYING = 1.03
"""Only types within this factor of the best fractional cost are realised."""
_CUT_TYPES = 24
"""The segment search looks at this many types: the cheapest for each group alone, then overall."""
_REPS_FRACTION = 0.5
_SHORT_MIN = 0.7
"""A group gets one pod above its floor share first only when its share's fraction is at least this."""
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


def usable_allocatable(requests: IntArray, allocatable: IntArray) -> IntArray:
    """Allocatable rounded down to a multiple of the gcd of the requests: no mix of these pods can use
    the rest (whole-core executors leave the 0.85 core a 32-vCPU node keeps after kube-reserved), so
    fractional estimates that counted it would favour types whose remainder is large."""
    unit = np.gcd.reduce(requests, axis=0)
    unit = np.where(unit > 0, unit, 1)
    usable: IntArray = (allocatable // unit) * unit
    return usable


def cost(patterns: list[Pattern], price: FloatArray) -> float:
    return float(sum(price[p.type] * p.reps for p in patterns))


def pack(requests: IntArray, counts: IntArray, allocatable: IntArray, price: FloatArray) -> list[Pattern]:
    """Patterns that place every pod. Every group must fit at least one type (the caller checks)."""
    packer = _Packer(requests, usable_allocatable(requests, allocatable), price)
    counts = counts.astype(np.int64)
    options: list[list[Pattern]] = []
    single = packer.best(counts, _TYPES_TRIED)
    if single is not None:
        options.append(single)
    if np.count_nonzero(counts) > 1 or single is None:
        options.extend(packer.realise_segments(packer.segments(counts, parts)) for parts in _SPLITS)
    return min(options, key=lambda pats: cost(pats, price))


def _fractional(demand: FloatArray, allocatable: IntArray, price: FloatArray) -> FloatArray:
    """Per type: the fractional cost of `demand` (resources,) on that type alone."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(
            allocatable > 0, demand[None, :] / allocatable, np.where(demand[None, :] > 0, np.inf, 0)
        )
    out: FloatArray = price * ratio.max(axis=1)
    return out


@dataclass
class _Packer:
    requests: IntArray
    allocatable: IntArray
    price: FloatArray
    k: IntArray = field(init=False)
    _done: dict[tuple[int, bytes], list[Pattern]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.k = fit_counts(self.requests, self.allocatable)

    def best(self, counts: IntArray, tries: int) -> list[Pattern] | None:
        """Realise `counts` on each of its `tries` cheapest types (fractionally); keep the cheapest."""
        members = np.flatnonzero(counts > 0)
        usable = np.all(self.k[members] >= 1, axis=0) & np.isfinite(self.price)
        if not usable.any():
            return None
        demand = (counts[members, None] * self.requests[members]).sum(axis=0).astype(np.float64)
        frac = np.where(usable, _fractional(demand, self.allocatable, self.price), np.inf)
        best: list[Pattern] | None = None
        order = np.argsort(frac, kind="stable")
        for t in order[:tries]:
            # a type far dearer on paper than the best one is not worth realising
            if not np.isfinite(frac[t]) or frac[t] > frac[order[0]] * _WORTH_TRYING:
                break
            pats = self.realise(counts, int(t))
            if best is None or cost(pats, self.price) < cost(best, self.price):
                best = pats
        return best

    def segments(self, counts: IntArray, parts: int) -> list[IntArray]:
        """Cut the groups, sorted by memory per cpu and each split into `parts` chunks, into segments by
        dynamic programming; each segment is a count vector."""
        live = np.flatnonzero(counts > 0)
        ratio = self.requests[live, 1] / np.maximum(self.requests[live, 0], 1)
        order = live[np.argsort(ratio, kind="stable")]
        items: list[tuple[int, int]] = []
        for g in order:
            n = int(counts[g])
            chunks = min(parts, n)
            items.extend((int(g), n // chunks + (1 if i < n % chunks else 0)) for i in range(chunks))
        # with too many items for the quadratic cut search, each group alone
        too_many = len(items) > _DP_MAX_ITEMS
        cut = [[(int(g), int(counts[g]))] for g in order] if too_many else self._cut(items)
        out = []
        for segment in cut:
            sub = np.zeros_like(counts)
            for g, n in segment:
                sub[g] += n
            out.append(sub)
        return out

    def realise_segments(self, segments: list[IntArray]) -> list[Pattern]:
        """Each segment on its own best type."""
        patterns: list[Pattern] = []
        for sub in segments:
            found = self.best(sub, _TYPES_TRIED_SEGMENT)
            if found is None:
                raise ValueError("a group fits no instance type; callers must leave such groups out")
            patterns.extend(found)
        return patterns

    def _cut(self, items: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
        """The contiguous segments of `items` (group, count) whose summed fractional cost is least."""
        m = len(items)
        groups = np.array([g for g, _ in items], dtype=np.int64)
        amounts = np.array([n for _, n in items], dtype=np.float64)
        demand = amounts[:, None] * self.requests[groups]
        prefix = np.vstack([np.zeros((1, demand.shape[1])), np.cumsum(demand, axis=0)])
        unfit = np.vstack([np.zeros((1, self.k.shape[1])), np.cumsum(self.k[groups] < 1, axis=0)])
        finite = np.isfinite(self.price)
        # a small charge per segment for its last, partly filled node
        penalty = 0.5 * float(self.price[finite].min()) if finite.any() else 0.0
        types = self._cut_types(groups)
        unfit, finite = unfit[:, types], finite[types]
        alloc = self.allocatable[None, types, :]
        price = self.price[types]
        seg_cost = np.full((m + 1, m + 1), np.inf)
        for i in range(m):
            d = prefix[i + 1 :] - prefix[i]  # segments i..j for j in i+1..m
            ok = (unfit[i + 1 :] - unfit[i] == 0) & finite[None, :]
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(alloc > 0, d[:, None, :] / alloc, np.where(d[:, None, :] > 0, np.inf, 0))
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

    def _cut_types(self, groups: IntArray) -> IntArray:
        """The types worth considering for segments of these groups: each group's cheapest per pod on
        its own, then the cheapest per unit of the groups' total demand."""
        if len(self.price) <= _CUT_TYPES:
            return np.arange(len(self.price))
        live = np.unique(groups)
        with np.errstate(divide="ignore"):
            per_pod = np.where(self.k[live] >= 1, self.price[None, :] / np.maximum(self.k[live], 1), np.inf)
        chosen = list(dict.fromkeys(int(t) for t in np.argmin(per_pod, axis=1)))
        demand = self.requests[live].sum(axis=0).astype(np.float64)
        for t in np.argsort(_fractional(demand, self.allocatable, self.price), kind="stable"):
            if len(chosen) >= _CUT_TYPES:
                break
            if int(t) not in chosen:
                chosen.append(int(t))
        return np.array(sorted(chosen), dtype=np.int64)

    def realise(self, counts: IntArray, t: int) -> list[Pattern]:
        """Place `counts` on nodes of type `t` in proportional patterns (memoised: the segment searches
        often ask for the same realisation)."""
        key = (t, counts.tobytes())
        found = self._done.get(key)
        if found is None:
            found = self._done[key] = _realise(self.requests, counts, self.allocatable, self.price, self.k, t)
        return found


def _realise(
    requests: IntArray, counts: IntArray, allocatable: IntArray, price: FloatArray, k: IntArray, t: int
) -> list[Pattern]:
    n = counts.astype(np.int64).copy()
    alloc = allocatable[t]
    dims = range(len(alloc))
    reqs = [tuple(int(v) for v in row) for row in requests]
    size = requests.astype(np.float64) @ (1.0 / np.maximum(alloc, 1))
    by_size = [int(g) for g in np.argsort(-size, kind="stable")]
    finite = np.isfinite(price)
    fits_alone = k >= 1
    patterns: list[Pattern] = []
    while n.any():
        demand = n @ requests
        with np.errstate(divide="ignore", invalid="ignore"):
            need = float(np.max(np.where(alloc > 0, demand / alloc, np.where(demand > 0, np.inf, 0.0))))
        live = np.flatnonzero(n)
        holds_all = finite & np.all(allocatable >= demand, axis=1) & np.all(fits_alone[live], axis=0)
        if holds_all.any():
            tail = int(np.argmin(np.where(holds_all, price, np.inf)))
            if need <= 1.0 or price[tail] <= math.ceil(need) * price[t]:
                patterns.append(Pattern(tail, n.copy(), 1))
                break
        share = n / max(need, 1.0)
        c = np.floor(share).astype(np.int64)
        residual = [int(v) for v in alloc - c @ requests]
        counts_left = [int(v) for v in n - c]
        picked = [int(v) for v in c]
        # one pod more of the groups well below their share, then fill the room largest first
        gap = share - c
        for g in (int(g) for g in np.argsort(-gap[live], kind="stable")):
            g = int(live[g])
            if gap[g] < _SHORT_MIN:
                break
            if counts_left[g] > 0 and all(reqs[g][r] <= residual[r] for r in dims):
                picked[g] += 1
                counts_left[g] -= 1
                for r in dims:
                    residual[r] -= reqs[g][r]
        for g in by_size:
            left = counts_left[g]
            if left <= 0:
                continue
            q = min([left] + [residual[r] // reqs[g][r] for r in dims if reqs[g][r] > 0])
            if q > 0:
                picked[g] += q
                counts_left[g] -= q
                for r in dims:
                    residual[r] -= q * reqs[g][r]
        pattern = np.asarray(picked, dtype=np.int64)
        used = pattern > 0
        if not used.any():
            raise ValueError(f"type {t} holds none of the remaining pods")
        reps = int(np.min(n[used] // pattern[used]))
        reps = max(1, min(reps, int(need * _REPS_FRACTION)))
        patterns.append(Pattern(t, pattern, reps))
        n -= reps * pattern
    return patterns
