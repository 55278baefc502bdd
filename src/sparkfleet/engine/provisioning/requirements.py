"""Node requirements as sets of allowed label values: every Karpenter operator, intersection, matching.

Each label key maps to a `ValueSet`: the values allowed (a finite set, or everything except a finite set),
optional integer bounds (Gt/Lt/Gte/Lte, exclusive after conversion) and whether the label must exist.
  In [a b]      {a, b}, must exist          NotIn [a b]   all but {a, b}, may be absent
  Exists        everything, must exist      DoesNotExist  nothing, may be absent (so: absent)
  Gt n / Gte n  integers > n / >= n         Lt n / Lte n  integers < n / <= n
Intersecting two requirement sets intersects the value sets key by key; a key whose set allows no value
but must exist makes the whole set unsatisfiable. `minValues` asks the instance types a NodeClaim keeps
to carry at least that many distinct values of the key.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from sparkfleet.api.karpenter import NodeSelectorRequirementWithMinValues, RequirementOperator
from sparkfleet.api.placement import NodeSelectorRequirement

Op = RequirementOperator


def _int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class ValueSet:
    """The values one label key may take."""

    complement: bool = True
    values: frozenset[str] = frozenset()
    greater_than: int | None = None
    less_than: int | None = None
    must_exist: bool = False
    min_values: int | None = None

    @staticmethod
    def of(operator: Op | str, values: Iterable[str] = (), min_values: int | None = None) -> ValueSet:
        op = Op(operator)
        vals = frozenset(values)
        if op is Op.IN:
            return ValueSet(False, vals, must_exist=True, min_values=min_values)
        if op is Op.NOT_IN:
            return ValueSet(True, vals, min_values=min_values)
        if op is Op.EXISTS:
            return ValueSet(True, frozenset(), must_exist=True, min_values=min_values)
        if op is Op.DOES_NOT_EXIST:
            return ValueSet(False, frozenset(), min_values=min_values)
        bound = _int(next(iter(vals), ""))
        if bound is None:
            raise ValueError(f'operator "{op}" needs one integer value, got {sorted(vals)}')
        if op is Op.GT:
            return ValueSet(greater_than=bound, must_exist=True, min_values=min_values)
        if op is Op.GTE:
            return ValueSet(greater_than=bound - 1, must_exist=True, min_values=min_values)
        if op is Op.LT:
            return ValueSet(less_than=bound, must_exist=True, min_values=min_values)
        return ValueSet(less_than=bound + 1, must_exist=True, min_values=min_values)

    def _in_bounds(self, value: str) -> bool:
        if self.greater_than is None and self.less_than is None:
            return True
        n = _int(value)
        if n is None:
            return False
        return (self.greater_than is None or n > self.greater_than) and (
            self.less_than is None or n < self.less_than
        )

    def allows(self, value: str | None) -> bool:
        """Whether a node whose label is `value` (None: no such label) satisfies this set."""
        if value is None:
            return not self.must_exist
        if (value in self.values) == self.complement:
            return False
        return self._in_bounds(value)

    def intersect(self, other: ValueSet) -> ValueSet:
        if not self.complement and not other.complement:
            complement, values = False, self.values & other.values
        elif not self.complement:
            complement, values = False, self.values - other.values
        elif not other.complement:
            complement, values = False, other.values - self.values
        else:
            complement, values = True, self.values | other.values
        gt = max((b for b in (self.greater_than, other.greater_than) if b is not None), default=None)
        lt = min((b for b in (self.less_than, other.less_than) if b is not None), default=None)
        mins = [m for m in (self.min_values, other.min_values) if m is not None]
        merged = ValueSet(
            complement, values, gt, lt, self.must_exist or other.must_exist, max(mins, default=None)
        )
        if not complement and (gt is not None or lt is not None):
            merged = ValueSet(False, frozenset(v for v in values if merged._in_bounds(v)), gt, lt,
                              merged.must_exist, merged.min_values)  # fmt: skip
        return merged

    def allows_some_value(self) -> bool:
        """Whether any present label value satisfies the set (absence aside)."""
        if not self.complement:
            return bool(self.values)
        if self.greater_than is not None and self.less_than is not None:
            span = self.less_than - self.greater_than - 1
            excluded = sum(1 for v in self.values if (n := _int(v)) is not None and self._in_bounds(str(n)))
            return span > excluded
        return True

    @property
    def satisfiable(self) -> bool:
        return self.allows_some_value() or not self.must_exist

    def single_value(self) -> str | None:
        """The one value the label must have, if the set pins it (`In [x]`)."""
        if not self.complement and len(self.values) == 1 and self.must_exist:
            return next(iter(self.values))
        return None

    def describe(self) -> str:
        """The set as requirement text: `In [a, b]`, `NotIn [x]`, `Exists`, `DoesNotExist`, `Gt 2`."""
        bounds = []
        if self.greater_than is not None:
            bounds.append(f"Gt {self.greater_than}")
        if self.less_than is not None:
            bounds.append(f"Lt {self.less_than}")
        if not self.complement:
            text = f"In [{', '.join(sorted(self.values))}]" if self.values else "DoesNotExist"
        elif self.values:
            text = f"NotIn [{', '.join(sorted(self.values))}]"
        else:
            text = "Exists" if self.must_exist and not bounds else ""
        return " ".join(p for p in (text, *bounds) if p) or "Exists"

    def to_requirements(self, key: str) -> list[tuple[str, Op, tuple[str, ...], int | None]]:
        """The set as (key, operator, values, minValues) requirements for a NodeClaim spec."""
        out: list[tuple[str, Op, tuple[str, ...], int | None]] = []
        if not self.complement:
            if self.values:
                out.append((key, Op.IN, tuple(sorted(self.values)), self.min_values))
            elif self.must_exist:
                out.append((key, Op.IN, (), None))
            else:
                out.append((key, Op.DOES_NOT_EXIST, (), None))
            return out
        if self.values:
            out.append((key, Op.NOT_IN, tuple(sorted(self.values)), self.min_values))
        if self.greater_than is not None:
            out.append((key, Op.GT, (str(self.greater_than),), None))
        if self.less_than is not None:
            out.append((key, Op.LT, (str(self.less_than),), None))
        if self.must_exist and not out:
            out.append((key, Op.EXISTS, (), self.min_values))
        return out


EVERYTHING = ValueSet()


@dataclass(frozen=True, slots=True)
class Requirements:
    """A conjunction of per-key value sets. Keys not present are unconstrained."""

    items: tuple[tuple[str, ValueSet], ...] = ()

    @staticmethod
    def build(entries: Iterable[tuple[str, ValueSet]]) -> Requirements:
        merged: dict[str, ValueSet] = {}
        for key, value_set in entries:
            merged[key] = merged[key].intersect(value_set) if key in merged else value_set
        return Requirements(tuple(sorted(merged.items(), key=lambda kv: kv[0])))

    @staticmethod
    def from_requirements(
        requirements: Iterable[NodeSelectorRequirementWithMinValues | NodeSelectorRequirement],
    ) -> Requirements:
        """From api requirements (NodePool/NodeClaim with minValues, or pod node-affinity expressions)."""
        entries = []
        for req in requirements:
            min_values = req.minValues if isinstance(req, NodeSelectorRequirementWithMinValues) else None
            entries.append((req.key, ValueSet.of(str(req.operator), req.values, min_values)))
        return Requirements.build(entries)

    @staticmethod
    def from_labels(labels: Mapping[str, str]) -> Requirements:
        """`key In [value]` for every label: what a node selector or a template label means."""
        return Requirements.build((k, ValueSet.of(Op.IN, (v,))) for k, v in labels.items())

    def __iter__(self) -> Iterator[tuple[str, ValueSet]]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def label_keys(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.items)

    def get(self, key: str) -> ValueSet | None:
        for k, v in self.items:
            if k == key:
                return v
        return None

    def intersect(self, other: Requirements) -> Requirements:
        return Requirements.build((*self.items, *other.items))

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether a node with these labels satisfies every requirement."""
        return all(v.allows(labels.get(k)) for k, v in self.items)

    def unsatisfiable_keys(self) -> list[str]:
        """Keys whose value set admits nothing though the label must exist."""
        return [k for k, v in self.items if not v.satisfiable]

    def conflicts(self, other: Requirements) -> list[str]:
        """Keys on which the two sets cannot both hold, each described, e.g.
        `kubernetes.io/arch: In [arm64] vs In [amd64]`."""
        out = []
        for key, mine in self.items:
            theirs = other.get(key)
            if theirs is not None and not mine.intersect(theirs).satisfiable:
                out.append(f"{key}: {mine.describe()} vs {theirs.describe()}")
        return out

    def describe(self) -> str:
        return ", ".join(f"{k} {v.describe()}" for k, v in self.items) or "none"


def min_values_problems(requirements: Requirements, candidates: Sequence[Mapping[str, str]]) -> list[str]:
    """For each key with minValues: a message when the candidates (label sets, e.g. the instance types a
    NodeClaim keeps) carry fewer distinct allowed values than asked."""
    problems = []
    for key, value_set in requirements:
        if value_set.min_values is None:
            continue
        distinct = {labels[key] for labels in candidates if key in labels and value_set.allows(labels[key])}
        if len(distinct) < value_set.min_values:
            problems.append(
                f"{key} needs minValues {value_set.min_values} but the instance types that fit offer "
                f"{len(distinct)} ({', '.join(sorted(distinct)) or 'none'})"
            )
    return problems
