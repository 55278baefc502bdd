"""Label and field selectors: the Kubernetes grammar, matching, and errors that name the bad term."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sparkfleet.cluster.errors import BadRequest
from sparkfleet.cluster.selectors import (
    FieldOperator,
    FieldRequirement,
    FieldSelector,
    LabelSelector,
    Operator,
    Requirement,
    SelectorError,
    as_field_selector,
    as_label_selector,
    escape_field_value,
    field_value,
    parse_field_selector,
    parse_label_selector,
    selector_from_labels,
    selector_from_match,
)

LABELS = {"app": "spark", "role": "driver", "sparkoperator.k8s.io/app-name": "pi", "empty": ""}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", True),
        ("app=spark", True),
        ("app==spark", True),
        ("app=flink", False),
        ("app!=flink", True),
        ("app!=spark", False),
        ("missing!=x", True),
        ("role in (driver,executor)", True),
        ("role in (executor)", False),
        ("missing in (x)", False),
        ("role notin (executor)", True),
        ("role notin (driver, executor)", False),
        ("missing notin (x)", True),
        ("app", True),
        ("missing", False),
        ("!missing", True),
        ("!app", False),
        ("empty=", True),
        ("empty", True),
        ("sparkoperator.k8s.io/app-name=pi", True),
        ("app=spark,role=driver", True),
        ("app=spark,role=executor", False),
        ("  app = spark ,  role in ( driver , x ) , !missing ", True),
    ],
)
def test_label_selector_matches_like_kubernetes(text: str, expected: bool) -> None:
    assert parse_label_selector(text).matches(LABELS) is expected


def test_no_labels_match_only_negative_requirements() -> None:
    assert parse_label_selector("!a,b!=c,d notin (e)").matches(None)
    assert not parse_label_selector("a").matches(None)


@pytest.mark.parametrize(
    ("text", "bad_term"),
    [
        ("app=spark,=x", "=x"),
        ("app=spark,,role=driver", ""),
        ("role in ()", "role in ()"),
        ("role in (a", "role in (a"),
        ("Bad Key=x", "Bad Key=x"),
        ("app=spa rk", "app=spa rk"),
        ("app=-x", "app=-x"),
        ("a=b=c", "a=b=c"),
        ("UPPER.example.com/x=y", "UPPER.example.com/x=y"),
        ("role notin", "role notin"),
        ("x" * 64 + "=y", "x" * 64 + "=y"),
    ],
)
def test_a_bad_label_selector_names_the_offending_term(text: str, bad_term: str) -> None:
    with pytest.raises(SelectorError) as caught:
        parse_label_selector(text)
    assert f'"{bad_term}"' in str(caught.value)
    assert isinstance(caught.value, BadRequest)
    assert caught.value.code == 400


def test_requirements_are_sorted_by_key_and_rendered_canonically() -> None:
    selector = parse_label_selector("z in (b, a),a==x,!m,k,q notin (c),r!=s")
    assert str(selector) == "a=x,k,!m,q notin (c),r!=s,z in (a,b)"


def test_selector_from_labels_requires_each_pair() -> None:
    selector = selector_from_labels({"b": "2", "a": "1"})
    assert str(selector) == "a=1,b=2"
    assert selector.matches({"a": "1", "b": "2", "c": "3"})
    assert not selector.matches({"a": "1"})


def test_selector_from_match_converts_match_labels_and_expressions() -> None:
    selector = selector_from_match(
        {"app": "spark"},
        [
            {"key": "role", "operator": "In", "values": ["driver", "executor"]},
            {"key": "spot", "operator": "DoesNotExist"},
            {"key": "zone", "operator": "NotIn", "values": ["us-east-1e"]},
            {"key": "queue", "operator": "Exists"},
        ],
    )
    assert str(selector) == "app=spark,queue,role in (driver,executor),!spot,zone notin (us-east-1e)"
    assert selector.matches({"app": "spark", "role": "driver", "queue": "root.a"})
    assert not selector.matches({"app": "spark", "role": "driver"})


@pytest.mark.parametrize(
    "expression",
    [
        {"key": "a", "operator": "Gt", "values": ["1"]},
        {"key": "a", "operator": "In", "values": []},
        {"key": "a", "operator": "Exists", "values": ["x"]},
    ],
)
def test_selector_from_match_rejects_bad_expressions(expression: dict[str, object]) -> None:
    with pytest.raises(SelectorError, match="unable to parse requirement"):
        selector_from_match(None, [expression])


def test_as_label_selector_accepts_text_selectors_and_dicts_and_drops_empty_ones() -> None:
    assert as_label_selector(None) is None
    assert as_label_selector("") is None
    assert as_label_selector({}) is None
    assert as_label_selector({"a": "b"}) == parse_label_selector("a=b")
    parsed = parse_label_selector("a")
    assert as_label_selector(parsed) is parsed


_keys = st.sampled_from(["a", "b", "app.kubernetes.io/name", "x-y_z.w"])
_values = st.sampled_from(["", "1", "v", "spark-pi", "A.b_c"])
_label_sets = st.dictionaries(_keys, _values, max_size=4)


@st.composite
def _requirements(draw: st.DrawFn) -> Requirement:
    op = draw(st.sampled_from(list(Operator)))
    key = draw(_keys)
    if op in (Operator.EXISTS, Operator.DOES_NOT_EXIST):
        return Requirement(key, op)
    if op in (Operator.EQUALS, Operator.NOT_EQUALS):
        return Requirement(key, op, (draw(_values),))
    values = draw(st.sets(_values.filter(bool), min_size=1, max_size=3))
    return Requirement(key, op, tuple(sorted(values)))


_selectors = st.lists(_requirements(), max_size=4).map(
    lambda reqs: LabelSelector(tuple(sorted(reqs, key=lambda r: r.key)))
)


@given(_selectors)
def test_label_selector_text_round_trips(selector: LabelSelector) -> None:
    assert parse_label_selector(str(selector)) == selector


def _reference_match(req: Requirement, labels: dict[str, str]) -> bool:
    value = labels.get(req.key)
    if req.operator is Operator.EXISTS:
        return value is not None
    if req.operator is Operator.DOES_NOT_EXIST:
        return value is None
    if req.operator in (Operator.EQUALS, Operator.IN):
        return value is not None and value in req.values
    return value is None or value not in req.values


@given(_selectors, _label_sets)
def test_a_selector_matches_when_every_requirement_holds(
    selector: LabelSelector, labels: dict[str, str]
) -> None:
    assert selector.matches(labels) == all(_reference_match(r, labels) for r in selector.requirements)


POD = {
    "metadata": {"name": "driver", "namespace": "spark"},
    "spec": {"nodeName": "ip-10-0-0-1", "hostNetwork": True, "priority": 100},
    "status": {"phase": "Running"},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metadata.name=driver", True),
        ("metadata.name==driver", True),
        ("metadata.name!=driver", False),
        ("metadata.namespace=spark", True),
        ("spec.nodeName=ip-10-0-0-1", True),
        ("spec.nodeName=", False),
        ("spec.nodeName!=", True),
        ("status.phase=Running", True),
        ("status.phase!=Pending", True),
        ("status.phase=Running,metadata.name=other", False),
        ("spec.hostNetwork=true", True),
        ("spec.priority=100", True),
        ("spec.missing=", True),
        ("spec.missing!=", False),
        ("", True),
    ],
)
def test_field_selector_matches_like_kubernetes(text: str, expected: bool) -> None:
    assert parse_field_selector(text).matches(POD) is expected


def test_an_unbound_pod_matches_an_empty_node_name() -> None:
    assert parse_field_selector("spec.nodeName=").matches({"spec": {}})
    assert parse_field_selector("spec.nodeName=").matches({"spec": {"nodeName": ""}})
    assert parse_field_selector("spec.nodeName=").matches({})


@pytest.mark.parametrize(
    ("text", "bad_term"),
    [
        ("metadata.name", "metadata.name"),
        ("status.phase=Running,nonsense", "nonsense"),
        ("=x", "=x"),
        ("a b=c", "a b=c"),
        ("a=b=c", "a=b=c"),
        ("a=b\\qc", "a=b\\qc"),
    ],
)
def test_a_bad_field_selector_names_the_offending_term(text: str, bad_term: str) -> None:
    with pytest.raises(SelectorError) as caught:
        parse_field_selector(text)
    assert f'"{bad_term}"' in str(caught.value)


def test_field_values_can_escape_commas_equals_and_backslashes() -> None:
    value = "a,b=c\\d"
    selector = parse_field_selector(f"message={escape_field_value(value)},reason=X")
    assert selector.requirements[0] == FieldRequirement("message", FieldOperator.EQUALS, value)
    assert selector.matches({"message": value, "reason": "X"})


@given(st.text(max_size=20), st.sampled_from(list(FieldOperator)))
def test_field_selector_text_round_trips_any_value(value: str, op: FieldOperator) -> None:
    selector = FieldSelector((FieldRequirement("spec.nodeName", op, value.strip()),))
    assert parse_field_selector(str(selector)) == selector


def test_field_value_reads_dotted_paths_as_strings() -> None:
    assert field_value(POD, "spec.nodeName") == "ip-10-0-0-1"
    assert field_value(POD, "spec.hostNetwork") == "true"
    assert field_value(POD, "spec.priority") == "100"
    assert field_value(POD, "spec.nodeName.deeper") == ""
    assert field_value(POD, "metadata") == ""


def test_as_field_selector_parses_text_and_drops_empty_selectors() -> None:
    assert as_field_selector(None) is None
    assert as_field_selector(" ") is None
    assert as_field_selector("status.phase=Running") == parse_field_selector("status.phase=Running")
