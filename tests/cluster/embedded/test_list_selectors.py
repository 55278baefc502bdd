"""list with label and field selectors returns exactly the objects the selectors match."""

from __future__ import annotations

import pytest

from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.selectors import parse_field_selector, parse_label_selector
from support.objects import pod


@pytest.fixture
def pods(cluster: EmbeddedCluster) -> EmbeddedCluster:
    cluster.create(pod("driver", labels={"spark-role": "driver", "sparkoperator.k8s.io/app-name": "pi"}))
    cluster.create(pod("exec-1", labels={"spark-role": "executor", "sparkoperator.k8s.io/app-name": "pi"}))
    cluster.create(pod("exec-2", labels={"spark-role": "executor", "sparkoperator.k8s.io/app-name": "wc"}))
    cluster.create(pod("plain", namespace="other"))
    cluster.bind("default", "driver", "node-a")
    cluster.bind("default", "exec-1", "node-b")
    cluster.patch("Pod", "default", "driver", {"status": {"phase": "Running"}}, subresource="status")
    cluster.patch("Pod", "default", "exec-2", {"spec": {"nodeName": ""}})
    return cluster


def names(cluster: EmbeddedCluster, **selectors: str) -> list[str]:
    return [p["metadata"]["name"] for p in cluster.list("Pod", **selectors).items]  # type: ignore[arg-type]


def test_label_equality_and_sets(pods: EmbeddedCluster) -> None:
    assert names(pods, label_selector="spark-role=executor") == ["exec-1", "exec-2"]
    assert names(pods, label_selector="sparkoperator.k8s.io/app-name=pi,spark-role!=driver") == ["exec-1"]
    assert names(pods, label_selector="sparkoperator.k8s.io/app-name in (wc, other)") == ["exec-2"]
    assert names(pods, label_selector="spark-role notin (driver)") == ["exec-1", "exec-2", "plain"]


def test_label_existence(pods: EmbeddedCluster) -> None:
    assert names(pods, label_selector="spark-role") == ["driver", "exec-1", "exec-2"]
    assert names(pods, label_selector="!spark-role") == ["plain"]


def test_a_label_dict_selects_like_match_labels(pods: EmbeddedCluster) -> None:
    result = pods.list("Pod", label_selector={"spark-role": "driver"}).items
    assert [p["metadata"]["name"] for p in result] == ["driver"]


def test_field_selector_on_node_name_including_unbound_pods(pods: EmbeddedCluster) -> None:
    assert names(pods, field_selector="spec.nodeName=node-a") == ["driver"]
    assert names(pods, field_selector="spec.nodeName=") == ["exec-2", "plain"]
    assert names(pods, field_selector="spec.nodeName!=") == ["driver", "exec-1"]
    assert names(pods, field_selector="spec.nodeName!=node-a") == ["exec-1", "exec-2", "plain"]


def test_field_selector_on_name_namespace_and_phase(pods: EmbeddedCluster) -> None:
    assert names(pods, field_selector="metadata.name=exec-1") == ["exec-1"]
    assert names(pods, field_selector="metadata.namespace=other") == ["plain"]
    assert names(pods, field_selector="metadata.namespace!=other,metadata.name!=driver") == [
        "exec-1",
        "exec-2",
    ]
    assert names(pods, field_selector="status.phase=Running") == ["driver"]
    assert names(pods, field_selector="status.phase!=Running") == ["exec-1", "exec-2", "plain"]


def test_label_and_field_selectors_combine(pods: EmbeddedCluster) -> None:
    assert names(pods, label_selector="spark-role=executor", field_selector="spec.nodeName=") == ["exec-2"]


def test_field_selector_on_cluster_scoped_namespace_reads_empty(cluster: EmbeddedCluster) -> None:
    cluster.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}})
    assert [
        n["metadata"]["name"] for n in cluster.list("Node", field_selector="metadata.namespace=").items
    ] == ["n1"]


@pytest.mark.parametrize(
    ("labels", "fields"),
    [
        ("spark-role in (driver,executor)", ""),
        ("sparkoperator.k8s.io/app-name!=pi", "spec.nodeName!=node-b"),
        ("!sparkoperator.k8s.io/app-name", "metadata.name!=plain"),
        ("", "spec.nodeName=node-b,status.phase="),
        ("spark-role", "metadata.namespace=default,spec.nodeName!="),
    ],
)
def test_selected_lists_equal_filtering_the_full_list(
    pods: EmbeddedCluster, labels: str, fields: str
) -> None:
    everything = pods.list("Pod").items
    label_sel, field_sel = parse_label_selector(labels), parse_field_selector(fields)
    expected = [
        o for o in everything if label_sel.matches(o["metadata"].get("labels")) and field_sel.matches(o)
    ]
    assert pods.list("Pod", label_selector=labels, field_selector=fields).items == expected
