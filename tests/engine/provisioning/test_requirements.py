"""Requirement sets: every Karpenter operator, intersection, matching labels, minValues."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sparkfleet.api.karpenter import RequirementOperator as Op
from sparkfleet.engine.provisioning.requirements import Requirements, ValueSet, min_values_problems

from .builders import req


@pytest.mark.parametrize(
    ("operator", "values", "present", "absent"),
    [
        (Op.IN, ("a", "b"), {"a": True, "b": True, "c": False}, False),
        (Op.NOT_IN, ("a",), {"a": False, "b": True}, True),
        (Op.EXISTS, (), {"a": True, "": True}, False),
        (Op.DOES_NOT_EXIST, (), {"a": False}, True),
        (Op.GT, ("2",), {"2": False, "3": True, "10": True, "x": False}, False),
        (Op.LT, ("8",), {"7": True, "8": False, "-1": True}, False),
        (Op.GTE, ("4",), {"3": False, "4": True, "5": True}, False),
        (Op.LTE, ("4",), {"4": True, "5": False}, False),
    ],
)
def test_each_operator_allows_exactly_its_values(
    operator: Op, values: tuple[str, ...], present: dict[str, bool], absent: bool
) -> None:
    value_set = ValueSet.of(operator, values)
    for value, expected in present.items():
        assert value_set.allows(value) is expected, value
    assert value_set.allows(None) is absent


def test_in_intersected_with_not_in_keeps_the_difference() -> None:
    both = ValueSet.of(Op.IN, ("a", "b", "c")).intersect(ValueSet.of(Op.NOT_IN, ("b",)))
    assert [v for v in "abcd" if both.allows(v)] == ["a", "c"]
    assert both.describe() == "In [a, c]"


def test_bounds_intersect_into_a_range_and_filter_listed_values() -> None:
    rng = ValueSet.of(Op.GT, ("2",)).intersect(ValueSet.of(Op.LTE, ("8",)))
    assert [n for n in range(12) if rng.allows(str(n))] == [3, 4, 5, 6, 7, 8]
    listed = ValueSet.of(Op.IN, ("2", "4", "16", "x")).intersect(rng)
    assert listed.describe() == "In [4] Gt 2 Lt 9"


def test_exists_and_does_not_exist_cannot_both_hold() -> None:
    assert not ValueSet.of(Op.EXISTS).intersect(ValueSet.of(Op.DOES_NOT_EXIST)).satisfiable


def test_not_in_and_does_not_exist_mean_absent() -> None:
    both = ValueSet.of(Op.NOT_IN, ("a",)).intersect(ValueSet.of(Op.DOES_NOT_EXIST))
    assert both.satisfiable
    assert both.allows(None) and not both.allows("b")


def test_an_empty_integer_range_is_unsatisfiable() -> None:
    assert not ValueSet.of(Op.GT, ("4",)).intersect(ValueSet.of(Op.LT, ("5",))).satisfiable
    almost = (
        ValueSet.of(Op.GT, ("4",))
        .intersect(ValueSet.of(Op.LT, ("7",)))
        .intersect(ValueSet.of(Op.NOT_IN, ("5",)))
    )
    assert [n for n in range(10) if almost.allows(str(n))] == [6]


def test_requirements_match_node_labels_key_by_key() -> None:
    reqs = Requirements.from_requirements(
        [req("kubernetes.io/arch", "In", "arm64"), req("karpenter.k8s.aws/instance-generation", "Gt", "6")]
    )
    assert reqs.matches({"kubernetes.io/arch": "arm64", "karpenter.k8s.aws/instance-generation": "7"})
    assert not reqs.matches({"kubernetes.io/arch": "arm64", "karpenter.k8s.aws/instance-generation": "6"})
    assert not reqs.matches({"kubernetes.io/arch": "arm64"})


def test_a_node_selector_intersected_with_pool_requirements_reports_the_conflicting_key() -> None:
    pool = Requirements.from_requirements([req("kubernetes.io/arch", "In", "amd64")])
    pod = Requirements.from_labels({"kubernetes.io/arch": "arm64", "team": "a"})
    assert pool.conflicts(pod) == ["kubernetes.io/arch: In [amd64] vs In [arm64]"]
    assert pool.intersect(pod).unsatisfiable_keys() == ["kubernetes.io/arch"]


def test_min_values_counts_distinct_allowed_values_among_candidates() -> None:
    reqs = Requirements.from_requirements(
        [req("karpenter.k8s.aws/instance-family", "In", "m5", "r5", "c5", min_values=2)]
    )
    one_family = [{"karpenter.k8s.aws/instance-family": "m5"}, {"karpenter.k8s.aws/instance-family": "m5"}]
    two = [*one_family, {"karpenter.k8s.aws/instance-family": "r5"}]
    assert min_values_problems(reqs, two) == []
    (problem,) = min_values_problems(reqs, one_family)
    assert "minValues 2" in problem and "offer 1 (m5)" in problem


def test_min_values_on_exists_counts_any_value() -> None:
    reqs = Requirements.from_requirements([req("node.kubernetes.io/instance-type", "Exists", min_values=3)])
    candidates = [{"node.kubernetes.io/instance-type": t} for t in ("a", "b")]
    assert min_values_problems(reqs, candidates)
    assert not min_values_problems(reqs, [*candidates, {"node.kubernetes.io/instance-type": "c"}])


_values = st.sampled_from(["1", "2", "4", "8", "16", "a", "b"])
_sets = st.one_of(
    st.builds(lambda vs: ValueSet.of(Op.IN, vs), st.lists(_values, min_size=1, max_size=3)),
    st.builds(lambda vs: ValueSet.of(Op.NOT_IN, vs), st.lists(_values, min_size=1, max_size=3)),
    st.just(ValueSet.of(Op.EXISTS)),
    st.just(ValueSet.of(Op.DOES_NOT_EXIST)),
    st.builds(lambda n: ValueSet.of(Op.GT, (str(n),)), st.integers(0, 16)),
    st.builds(lambda n: ValueSet.of(Op.LT, (str(n),)), st.integers(0, 16)),
    st.builds(lambda n: ValueSet.of(Op.GTE, (str(n),)), st.integers(0, 16)),
    st.builds(lambda n: ValueSet.of(Op.LTE, (str(n),)), st.integers(0, 16)),
)


@given(_sets, _sets, st.one_of(st.none(), _values))
def test_an_intersection_allows_what_both_sets_allow(a: ValueSet, b: ValueSet, value: str | None) -> None:
    assert a.intersect(b).allows(value) == (a.allows(value) and b.allows(value))
    assert a.intersect(b).allows(value) == b.intersect(a).allows(value)


@given(_sets, _sets)
def test_an_unsatisfiable_intersection_allows_no_label_at_all(a: ValueSet, b: ValueSet) -> None:
    both = a.intersect(b)
    if not both.satisfiable:
        assert not both.allows(None)
        assert not any(both.allows(str(n)) for n in range(-2, 40))
