"""Placing a batch of identical pods on nodes at once, with the result of placing them one by one.

YuniKorn scores a node by its weighted used fraction (vcore and memory weigh 1 by default) and tries nodes
least used first (`fair`) or most used first (`binpacking`), one pod at a time. For n identical pods the
same outcome is computed in one go:

- binpacking: the most used node stays the most used as pods land on it, so the pods fill nodes in
  descending score order, each up to its capacity (a cumulative sum over the sorted capacities);
- fair: placing a pod raises a node's score by a fixed step, so the n greedy picks are the n smallest
  values of `score_i + j * step_i` over nodes i and j < capacity_i (a partition, no loop over pods).

Ties go to the node that comes first by name, as in the one-by-one order.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import numpy.typing as npt

from sparkfleet.engine.scheduling.nodes import IntArray, NodeTable
from sparkfleet.engine.scheduling.resources import Vector

Counts = npt.NDArray[np.int64]


class NodeSortPolicy(StrEnum):
    FAIR = "fair"
    BINPACKING = "binpacking"


def capacity(table: NodeTable, rows: IntArray, request: Vector) -> Counts:
    """How many pods of `request` each node in `rows` still takes (0 when it takes none)."""
    cols = np.flatnonzero(request > 0)
    if cols.size == 0:
        return np.full(rows.size, np.iinfo(np.int64).max // 4, dtype=np.int64)
    free = table.free[np.ix_(rows, cols)]
    fits: Counts = (free // request[cols]).min(axis=1)
    return np.maximum(fits, 0)


def place(
    table: NodeTable, rows: IntArray, request: Vector, n: int, policy: NodeSortPolicy
) -> tuple[IntArray, Counts]:
    """Place up to n pods of `request` on `rows`; returns (node rows, pods per node) and updates the table."""
    if n <= 0 or rows.size == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int64)
    cap = capacity(table, rows, request)
    usable = cap > 0
    if not usable.any():
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int64)
    idx = rows[usable]
    cap = np.minimum(cap[usable], n)
    score = table.score[idx]
    if n == 1:
        pick = int(np.argmax(score)) if policy == NodeSortPolicy.BINPACKING else int(np.argmin(score))
        chosen = idx[pick : pick + 1]
        counts = np.ones(1, dtype=np.int64)
    elif policy == NodeSortPolicy.BINPACKING:
        order = np.lexsort((idx, -score))
        filled = np.cumsum(cap[order])
        last = int(np.searchsorted(filled, n))
        if last >= order.size:
            chosen, counts = idx[order], cap[order].copy()
        else:
            chosen = idx[order[: last + 1]]
            counts = cap[order[: last + 1]].copy()
            counts[-1] -= int(filled[last]) - n
    else:
        chosen, counts = _fair(table, idx, cap, score, request, n)
    table.use(chosen, counts, request)
    return chosen, counts


def _fair(
    table: NodeTable, idx: IntArray, cap: Counts, score: npt.NDArray[np.float64], request: Vector, n: int
) -> tuple[IntArray, Counts]:
    total = int(cap.sum())
    if total <= n:
        return idx, cap.copy()
    step = table.weight_inv[idx] @ request
    owner = np.repeat(np.arange(idx.size), cap)
    starts = np.cumsum(cap) - cap
    j = np.arange(total) - np.repeat(starts, cap)
    values = score[owner] + j * step[owner]
    threshold = np.partition(values, n - 1)[n - 1]
    below = values < threshold
    need = n - int(below.sum())
    ties = np.flatnonzero(values == threshold)[:need]
    picked = np.concatenate([np.flatnonzero(below), ties])
    per_node = np.bincount(owner[picked], minlength=idx.size).astype(np.int64)
    keep = per_node > 0
    return idx[keep], per_node[keep]
