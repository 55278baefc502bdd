"""Selector terms pushed down to SQL never change what list returns (checked against plain filtering)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.embedded.query import list_sql, matching
from sparkfleet.cluster.selectors import (
    FieldOperator,
    FieldRequirement,
    FieldSelector,
    LabelSelector,
    Operator,
    Requirement,
)
from support.objects import pod

KEYS = ["app", "spark-role", "sparkoperator.k8s.io/app-name"]
VALUES = ["a", "b", ""]
NODES = ["", "n1", "n2"]
PHASES = ["Pending", "Running", None]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedCluster]:
    path = tmp_path_factory.mktemp("query") / "store.db"
    cluster = EmbeddedCluster(path, VirtualClock(datetime(2026, 1, 2, tzinfo=UTC)))
    combos = itertools.product([*VALUES, None], [*VALUES, None], NODES, PHASES)
    for i, (app, role, node, phase) in enumerate(combos):
        labels = {k: v for k, v in (("app", app), ("spark-role", role)) if v is not None}
        if i % 3 == 0:
            labels["sparkoperator.k8s.io/app-name"] = "a"
        obj = pod(f"p{i}", namespace="ns1" if i % 2 else "ns2", labels=labels)
        if node:
            obj["spec"]["nodeName"] = node
        if phase:
            obj["status"] = {"phase": phase}
        cluster.create(obj)
    yield cluster
    cluster.close()


@st.composite
def _label_requirements(draw: st.DrawFn) -> Requirement:
    key, op = draw(st.sampled_from(KEYS)), draw(st.sampled_from(list(Operator)))
    if op in (Operator.EXISTS, Operator.DOES_NOT_EXIST):
        return Requirement(key, op)
    if op in (Operator.EQUALS, Operator.NOT_EQUALS):
        return Requirement(key, op, (draw(st.sampled_from(VALUES)),))
    return Requirement(key, op, tuple(sorted(draw(st.sets(st.sampled_from(VALUES), min_size=1, max_size=2)))))


_field_requirements = st.builds(
    FieldRequirement,
    st.sampled_from(["spec.nodeName", "status.phase", "metadata.namespace", "metadata.name"]),
    st.sampled_from(list(FieldOperator)),
    st.sampled_from(["", "n1", "Running", "ns1", "p4"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_label_requirements(), max_size=3), st.lists(_field_requirements, max_size=3))
def test_list_with_selectors_equals_filtering_every_object(
    store: EmbeddedCluster, labels: list[Requirement], fields: list[FieldRequirement]
) -> None:
    label_selector = LabelSelector(tuple(labels))
    field_selector = FieldSelector(tuple(fields))
    everything = store.list("Pod").items
    expected = [
        o
        for o in everything
        if label_selector.matches(o["metadata"].get("labels")) and field_selector.matches(o)
    ]
    assert store.list("Pod", label_selector=label_selector, field_selector=field_selector).items == expected


def test_node_name_terms_use_the_generated_column() -> None:
    sql, params = list_sql(
        "Pod", None, None, FieldSelector((FieldRequirement("spec.nodeName", FieldOperator.EQUALS, "n1"),))
    )
    assert "node_name = ?" in sql
    assert params == ["Pod", "n1"]


def test_label_keys_that_cannot_be_quoted_in_a_json_path_are_left_to_python() -> None:
    sql, params = list_sql("Pod", None, LabelSelector((Requirement('we"ird', Operator.EXISTS),)), None)
    assert "json" not in sql
    assert params == ["Pod"]


def test_matching_decodes_rows_only_as_far_as_they_are_read() -> None:
    rows = iter([('{"metadata": {"name": "a"}}',), ('{"metadata": {"name": "b"}}',), ("not json",)])
    found = matching(rows, None, None)
    assert next(found)["metadata"]["name"] == "a"
    assert next(found)["metadata"]["name"] == "b"  # the broken third row was never decoded


def test_live_pods_are_selected_in_sql_so_finished_ones_are_never_decoded(store: EmbeddedCluster) -> None:
    from sparkfleet.cluster.selectors import LIVE_PODS, parse_field_selector

    sql, params = list_sql("Pod", None, None, parse_field_selector(LIVE_PODS))
    assert "json_extract(body, '$.status.phase') != ?" in sql
    assert params == ["Pod", "Succeeded", "Failed"]
    live = store.list("Pod", field_selector=LIVE_PODS).items
    assert live and all((p.get("status") or {}).get("phase") not in ("Succeeded", "Failed") for p in live)
