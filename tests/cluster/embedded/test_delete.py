"""delete: immediate, with ownerReference cascade (multi-level), orphaning, and namespace cleanup."""

from __future__ import annotations

import pytest

from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.errors import BadRequest, NotFound
from sparkfleet.cluster.port import PropagationPolicy
from support.objects import configmap, node, owned, pod, spark_app


def exists(cluster: EmbeddedCluster, kind: str, namespace: str | None, name: str) -> bool:
    try:
        cluster.get(kind, namespace, name)
    except NotFound:
        return False
    return True


def test_delete_returns_the_object_and_removes_it(cluster: EmbeddedCluster) -> None:
    created = cluster.create(pod("p"))
    deleted = cluster.delete("Pod", "default", "p")
    assert deleted["metadata"]["uid"] == created["metadata"]["uid"]
    assert deleted["metadata"]["resourceVersion"] == "2"
    assert not exists(cluster, "Pod", "default", "p")


def test_deleting_a_missing_object_is_not_found(cluster: EmbeddedCluster) -> None:
    with pytest.raises(NotFound, match='pods "ghost" not found'):
        cluster.delete("Pod", "default", "ghost")


def test_a_name_can_be_reused_after_delete_with_a_new_uid(cluster: EmbeddedCluster) -> None:
    first = cluster.create(pod("p"))
    cluster.delete("Pod", "default", "p")
    second = cluster.create(pod("p"))
    assert second["metadata"]["uid"] != first["metadata"]["uid"]


def test_delete_cascades_through_owner_references_at_every_level(cluster: EmbeddedCluster) -> None:
    app = cluster.create(spark_app("pi"))
    driver = cluster.create(owned(pod("pi-driver"), app))
    cluster.create(owned(configmap("pi-conf"), app))
    cluster.create(owned(pod("pi-exec-1"), driver))
    executor_2 = cluster.create(owned(pod("pi-exec-2"), driver))
    cluster.create(owned(configmap("exec-2-conf"), executor_2))
    bystander = cluster.create(pod("other"))

    cluster.delete("SparkApplication", "default", "pi")

    for kind, name in [
        ("Pod", "pi-driver"),
        ("ConfigMap", "pi-conf"),
        ("Pod", "pi-exec-1"),
        ("Pod", "pi-exec-2"),
        ("ConfigMap", "exec-2-conf"),
    ]:
        assert not exists(cluster, kind, "default", name), name
    assert cluster.get("Pod", "default", "other") == bystander


def test_cascade_reaches_across_scopes(cluster: EmbeddedCluster) -> None:
    owner = cluster.create(node("n1"))
    cluster.create(owned(pod("daemon", namespace="kube-system"), owner))
    cluster.delete("Node", None, "n1")
    assert not exists(cluster, "Pod", "kube-system", "daemon")


def test_a_dependent_with_another_living_owner_survives_and_loses_the_dangling_reference(
    cluster: EmbeddedCluster,
) -> None:
    first = cluster.create(spark_app("first"))
    second = cluster.create(spark_app("second"))
    cluster.create(owned(configmap("shared"), first, second))
    cluster.delete("SparkApplication", "default", "first")
    shared = cluster.get("ConfigMap", "default", "shared")
    assert [ref["uid"] for ref in shared["metadata"]["ownerReferences"]] == [second["metadata"]["uid"]]
    cluster.delete("SparkApplication", "default", "second")
    assert not exists(cluster, "ConfigMap", "default", "shared")


def test_orphan_removes_the_owner_reference_and_keeps_the_dependents(cluster: EmbeddedCluster) -> None:
    app = cluster.create(spark_app("pi"))
    driver = cluster.create(owned(pod("pi-driver", labels={"a": "b"}), app))
    cluster.create(owned(pod("pi-exec"), driver))

    cluster.delete("SparkApplication", "default", "pi", propagation_policy="Orphan")

    kept = cluster.get("Pod", "default", "pi-driver")
    assert "ownerReferences" not in kept["metadata"]
    assert kept["metadata"]["labels"] == {"a": "b"}
    assert kept["metadata"]["generation"] == 1
    grandchild = cluster.get("Pod", "default", "pi-exec")
    assert grandchild["metadata"]["ownerReferences"][0]["uid"] == driver["metadata"]["uid"]


def test_an_orphaned_dependent_is_no_longer_collected_with_its_old_owner(cluster: EmbeddedCluster) -> None:
    app = cluster.create(spark_app("pi"))
    cluster.create(owned(pod("pi-driver"), app))
    cluster.delete("SparkApplication", "default", "pi", propagation_policy=PropagationPolicy.ORPHAN)
    cluster.create(spark_app("pi"))
    cluster.delete("SparkApplication", "default", "pi")
    assert exists(cluster, "Pod", "default", "pi-driver")


def test_foreground_deletes_dependents_like_background(cluster: EmbeddedCluster) -> None:
    app = cluster.create(spark_app("pi"))
    cluster.create(owned(pod("pi-driver"), app))
    cluster.delete("SparkApplication", "default", "pi", propagation_policy="Foreground")
    assert not exists(cluster, "Pod", "default", "pi-driver")


def test_an_unknown_propagation_policy_is_a_bad_request(cluster: EmbeddedCluster) -> None:
    cluster.create(pod("p"))
    with pytest.raises(BadRequest, match="Orphan"):
        cluster.delete("Pod", "default", "p", propagation_policy="Later")
    assert exists(cluster, "Pod", "default", "p")


def test_deleting_a_namespace_deletes_everything_in_it(cluster: EmbeddedCluster) -> None:
    cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "spark"}})
    cluster.create(pod("a", namespace="spark"))
    cluster.create(configmap("c", namespace="spark"))
    cluster.create(pod("a", namespace="default"))
    cluster.delete("Namespace", None, "spark")
    assert cluster.list("Pod", "spark").items == []
    assert cluster.list("ConfigMap").items == []
    assert exists(cluster, "Pod", "default", "a")


def test_owner_reference_cycles_do_not_loop(cluster: EmbeddedCluster) -> None:
    a = cluster.create(configmap("a"))
    b = cluster.create(owned(configmap("b"), a))
    a["metadata"]["ownerReferences"] = [
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "b", "uid": b["metadata"]["uid"]}
    ]
    cluster.update(a)
    cluster.delete("ConfigMap", "default", "a")
    assert cluster.list("ConfigMap").items == []
