"""The node table: allocatable and free resources as numpy arrays, and node masks per pod constraints.

Nodes are kept in name order (ties in scoring go to the first name, so decisions are reproducible).
The static filters (cordon, taints, nodeSelector, required node affinity) are evaluated once per distinct
`Constraints` per cycle, vectorised over nodes: label values become integer codes per label key, taints
are grouped into the few distinct taint sets the fleet has. Free resources change as pods are placed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sparkfleet.api.placement import NodeSelectorRequirement, SelectorOperator, Taint, TaintEffect
from sparkfleet.api.wire import TAINT_NOT_READY, TAINT_UNSCHEDULABLE
from sparkfleet.engine.scheduling.resources import PODS, ResourceIndex, Resources, Vector
from sparkfleet.engine.scheduling.snapshot import Constraints, NodeRecord

NOT_READY_TAINT = Taint(key=TAINT_NOT_READY, effect=TaintEffect.NO_SCHEDULE)
UNSCHEDULABLE_TAINT = Taint(key=TAINT_UNSCHEDULABLE, effect=TaintEffect.NO_SCHEDULE)
_BLOCKING = (TaintEffect.NO_SCHEDULE, TaintEffect.NO_EXECUTE)
NAME_FIELD = "metadata.name"
DEFAULT_MAX_PODS = 110

UNSCHEDULABLE_MSG = "node(s) were unschedulable"
AFFINITY_MSG = "node(s) didn't match Pod's node affinity/selector"

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]


def taint_message(taint: Taint) -> str:
    return f"node(s) had untolerated taint {{{taint.key}: {taint.value or ''}}}"


@dataclass(frozen=True, slots=True)
class StaticFit:
    """The nodes a constraint signature may use, and why the others are excluded (kube-scheduler words)."""

    eligible: IntArray
    mask: BoolArray
    excluded: dict[str, int]


class NodeTable:
    def __init__(self, nodes: Sequence[NodeRecord], index: ResourceIndex, weights: dict[str, float]) -> None:
        self.records = sorted(nodes, key=lambda n: n.name)
        self.index = index
        self.names = [n.name for n in self.records]
        self.pos = {name: i for i, name in enumerate(self.names)}
        count = len(self.records)
        self.size = count
        self.alloc = np.zeros((count, index.size), dtype=np.int64)
        rows_by_alloc: dict[Resources, list[int]] = {}
        for i, node in enumerate(self.records):
            rows_by_alloc.setdefault(node.allocatable, []).append(i)
        for alloc, rows in rows_by_alloc.items():
            self.alloc[rows] = index.vector(alloc)
        # a node that does not report a pod capacity has the kubelet's default (maxPods 110)
        unreported = [i for i, n in enumerate(self.records) if PODS not in n.allocatable]
        self.alloc[unreported, index.col[PODS]] = DEFAULT_MAX_PODS
        self.free = self.alloc.copy()
        self.cordoned = np.fromiter((n.unschedulable for n in self.records), dtype=bool, count=count)
        set_ids: dict[tuple[tuple[str, str, str], ...], int] = {}
        self.taint_sets: list[tuple[Taint, ...]] = []
        taint_of = np.zeros(count, dtype=np.int32)
        for i, node in enumerate(self.records):
            taints = [t for t in node.taints if t.effect in _BLOCKING]
            if not node.ready and not any(t.key == NOT_READY_TAINT.key for t in taints):
                taints.append(NOT_READY_TAINT)
            key = tuple((t.key, t.value or "", t.effect.value) for t in taints)
            sid = set_ids.get(key)
            if sid is None:
                sid = set_ids[key] = len(self.taint_sets)
                self.taint_sets.append(tuple(taints))
            taint_of[i] = sid
        self.taint_of = taint_of
        # weighted used fraction per node (YuniKorn's node score); `weight_inv` turns amounts into score
        w = np.zeros(index.size, dtype=np.float64)
        for name, weight in weights.items():
            if name in index.col:
                w[index.col[name]] = weight
        total = w.sum() or 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            self.weight_inv = np.where(self.alloc > 0, w / total / np.maximum(self.alloc, 1), 0.0)
        self.score = np.zeros(count, dtype=np.float64)
        self._labels: dict[str, tuple[npt.NDArray[np.int32], dict[str, int]]] = {}
        self._numeric: dict[str, npt.NDArray[np.float64]] = {}
        self._fits: dict[Constraints, StaticFit] = {}

    # --- resources -----------------------------------------------------------------------------------

    def use(self, rows: IntArray, counts: npt.NDArray[np.int64], request: Vector) -> None:
        """Take `counts[i]` pods of `request` from node `rows[i]` (rows unique)."""
        self.free[rows] -= counts[:, None] * request
        self.score[rows] += counts * (self.weight_inv[rows] @ request)

    def use_one(self, row: int, request: Vector) -> None:
        self.free[row] -= request
        self.score[row] += float(self.weight_inv[row] @ request)

    def release_one(self, row: int, request: Vector) -> None:
        self.free[row] += request
        self.score[row] -= float(self.weight_inv[row] @ request)

    def account(self, rows: IntArray, request: Vector, sign: int = 1) -> None:
        """Subtract pods bound at `rows` (rows may repeat) from free capacity; sign -1 gives them back."""
        counts = np.bincount(rows, minlength=self.size).astype(np.int64)
        touched = np.flatnonzero(counts)
        self.use(touched, sign * counts[touched], request)

    def total(self) -> Vector:
        usable = ~self.cordoned
        return self.alloc[usable].sum(axis=0) if usable.any() else np.zeros(self.index.size, dtype=np.int64)

    # --- static filters ------------------------------------------------------------------------------

    def static_fit(self, constraints: Constraints) -> StaticFit:
        cached = self._fits.get(constraints)
        if cached is None:
            cached = self._fits[constraints] = self._compute_fit(constraints)
        return cached

    def _compute_fit(self, c: Constraints) -> StaticFit:
        excluded: dict[str, int] = {}
        alive = np.ones(self.size, dtype=bool)
        if self.cordoned.any() and not any(t.tolerates(UNSCHEDULABLE_TAINT) for t in c.tolerations):
            bad = self.cordoned & alive
            if bad.any():
                excluded[UNSCHEDULABLE_MSG] = int(bad.sum())
                alive &= ~bad
        set_ok = np.ones(len(self.taint_sets), dtype=bool)
        for sid, taints in enumerate(self.taint_sets):
            for taint in taints:
                if not any(t.tolerates(taint) for t in c.tolerations):
                    set_ok[sid] = False
                    break
        if not set_ok.all():
            per_set = np.bincount(self.taint_of[alive], minlength=len(self.taint_sets))
            for sid in np.flatnonzero(~set_ok & (per_set > 0)).tolist():
                first = next(
                    t for t in self.taint_sets[sid] if not any(tol.tolerates(t) for tol in c.tolerations)
                )
                msg = taint_message(first)
                excluded[msg] = excluded.get(msg, 0) + int(per_set[sid])
            alive &= set_ok[self.taint_of]
        selected = self._selector_mask(c)
        if selected is not None:
            bad = alive & ~selected
            if bad.any():
                excluded[AFFINITY_MSG] = int(bad.sum())
            alive &= selected
        return StaticFit(np.flatnonzero(alive), alive, excluded)

    def _selector_mask(self, c: Constraints) -> BoolArray | None:
        if not c.node_selector and c.required_terms is None:
            return None
        mask = np.ones(self.size, dtype=bool)
        for key, value in c.node_selector:
            codes, vocab = self._label_column(key)
            mask &= codes == vocab.get(value, -2)
        if c.required_terms is not None:
            any_term = np.zeros(self.size, dtype=bool)
            for term in c.required_terms:
                if not term.matchExpressions and not term.matchFields:
                    continue  # an empty term matches no node
                term_mask = np.ones(self.size, dtype=bool)
                for req in term.matchExpressions:
                    term_mask &= self._requirement(req.key, req)
                for req in term.matchFields:
                    if req.key == NAME_FIELD:
                        term_mask &= self._requirement(NAME_FIELD, req)
                    else:
                        term_mask[:] = False
                any_term |= term_mask
            mask &= any_term
        return mask

    def _label_column(self, key: str) -> tuple[npt.NDArray[np.int32], dict[str, int]]:
        column = self._labels.get(key)
        if column is None:
            vocab: dict[str, int] = {}
            if key == NAME_FIELD:
                values: list[str | None] = list(self.names)
            else:
                values = [n.labels.get(key) for n in self.records]
            codes = np.fromiter(
                (-1 if v is None else vocab.setdefault(v, len(vocab)) for v in values),
                dtype=np.int32,
                count=self.size,
            )
            column = self._labels[key] = (codes, vocab)
        return column

    def _numeric_column(self, key: str) -> npt.NDArray[np.float64]:
        column = self._numeric.get(key)
        if column is None:
            codes, vocab = self._label_column(key)
            lookup = np.full(len(vocab) + 1, np.nan)
            for text, code in vocab.items():
                if text.lstrip("+-").isdigit():
                    lookup[code] = int(text)
            column = self._numeric[key] = np.where(codes >= 0, lookup[codes], np.nan)
        return column

    def _requirement(self, key: str, req: NodeSelectorRequirement) -> BoolArray:
        codes, vocab = self._label_column(key)
        op = req.operator
        if op in (SelectorOperator.IN, SelectorOperator.NOT_IN):
            wanted = [vocab[v] for v in req.values if v in vocab]
            hit = np.isin(codes, wanted) if wanted else np.zeros(self.size, dtype=bool)
            return hit if op == SelectorOperator.IN else ~hit
        if op == SelectorOperator.EXISTS:
            return codes >= 0
        if op == SelectorOperator.DOES_NOT_EXIST:
            return codes < 0
        numbers = self._numeric_column(key)
        bound = float(int(req.values[0]))
        with np.errstate(invalid="ignore"):
            return numbers > bound if op == SelectorOperator.GT else numbers < bound

    # --- explanations --------------------------------------------------------------------------------

    def explain(self, fit: StaticFit, request: Vector) -> str:
        """kube-scheduler's message: `0/12 nodes are available: 8 Insufficient memory, 4 node(s) had ...`."""
        reasons = dict(fit.excluded)
        if fit.eligible.size:
            cols = np.flatnonzero(request > 0)
            short = self.free[np.ix_(fit.eligible, cols)] < request[cols]
            for j, col in enumerate(cols.tolist()):
                n = int(short[:, j].sum())
                if n:
                    name = self.index.names[col]
                    msg = "Too many pods" if name == PODS else f"Insufficient {name}"
                    reasons[msg] = reasons.get(msg, 0) + n
        if self.size == 0:
            return "0/0 nodes are available: the cluster has no nodes yet."
        ordered = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
        detail = ", ".join(f"{n} {msg}" for msg, n in ordered)
        return (
            f"0/{self.size} nodes are available: {detail}."
            if detail
            else f"0/{self.size} nodes are available."
        )
