"""Path parsing: which resource, namespace, name and subresource a Kubernetes REST path names."""

from __future__ import annotations

import pytest

from sparkfleet.cluster.errors import NotFound
from sparkfleet.server.routes import (
    BINDING,
    Discovery,
    DiscoveryDocument,
    ResourcePath,
    Subresource,
    group_versions,
    parse_path,
)


def resource(path: str) -> ResourcePath:
    parsed = parse_path(path)
    assert isinstance(parsed, ResourcePath)
    return parsed


@pytest.mark.parametrize(
    ("path", "document", "group", "version"),
    [
        ("/api", DiscoveryDocument.API_VERSIONS, "", ""),
        ("/api/v1", DiscoveryDocument.RESOURCE_LIST, "", "v1"),
        ("/apis", DiscoveryDocument.GROUP_LIST, "", ""),
        ("/apis/karpenter.sh", DiscoveryDocument.GROUP, "karpenter.sh", ""),
        (
            "/apis/sparkoperator.k8s.io/v1beta2",
            DiscoveryDocument.RESOURCE_LIST,
            "sparkoperator.k8s.io",
            "v1beta2",
        ),
    ],
)
def test_discovery_paths_name_their_document(
    path: str, document: DiscoveryDocument, group: str, version: str
) -> None:
    assert parse_path(path) == Discovery(document, group, version)


def test_a_namespaced_object_path_names_kind_namespace_and_name() -> None:
    target = resource("/api/v1/namespaces/spark-team-a/pods/pi-driver")
    assert (target.info.kind, target.namespace, target.name, target.subresource) == (
        "Pod",
        "spark-team-a",
        "pi-driver",
        None,
    )


def test_a_collection_path_has_no_name() -> None:
    target = resource("/apis/sparkoperator.k8s.io/v1beta2/namespaces/default/sparkapplications")
    assert target.info.kind == "SparkApplication"
    assert target.collection


def test_a_namespaced_kind_without_namespace_is_the_collection_of_every_namespace() -> None:
    target = resource("/api/v1/pods")
    assert (target.info.kind, target.namespace, target.collection) == ("Pod", None, True)


def test_cluster_scoped_kinds_are_addressed_without_namespace() -> None:
    target = resource("/apis/karpenter.sh/v1/nodepools/memory-optimized/status")
    assert (target.info.kind, target.namespace, target.name, target.subresource) == (
        "NodePool",
        None,
        "memory-optimized",
        Subresource.STATUS,
    )


def test_a_namespace_and_its_status_are_cluster_scoped_objects() -> None:
    assert resource("/api/v1/namespaces/spark-team-a").info.kind == "Namespace"
    status = resource("/api/v1/namespaces/spark-team-a/status")
    assert (status.info.kind, status.name, status.subresource) == (
        "Namespace",
        "spark-team-a",
        Subresource.STATUS,
    )


@pytest.mark.parametrize("sub", [Subresource.STATUS, Subresource.BINDING, Subresource.LOG])
def test_pods_have_status_binding_and_log(sub: Subresource) -> None:
    assert resource(f"/api/v1/namespaces/default/pods/p/{sub.value}").subresource is sub


def test_the_legacy_bindings_collection_is_served() -> None:
    assert resource("/api/v1/namespaces/default/bindings").info is BINDING


def test_the_legacy_watch_prefix_marks_a_watch() -> None:
    target = resource("/api/v1/watch/namespaces/default/pods")
    assert target.watch and target.info.kind == "Pod"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/v2",
        "/api/v1/sparkapplications",  # a custom kind under the core group
        "/apis/sparkoperator.k8s.io/v1/namespaces/default/sparkapplications",  # wrong version
        "/apis/example.com/v1",
        "/api/v1/namespaces/default/widgets",
        "/api/v1/pods/p",  # a namespaced object needs its namespace
        "/api/v1/namespaces/default/nodes",  # nodes are cluster-scoped
        "/api/v1/namespaces/default/configmaps/c/status",  # ConfigMaps have no status
        "/api/v1/namespaces/default/configmaps/c/log",
        "/api/v1/namespaces/default/pods/p/exec",
        "/api/v1/namespaces/default/pods/p/status/extra",
        "/api/v1/namespaces//pods",
    ],
)
def test_paths_that_are_not_served_are_not_found(path: str) -> None:
    with pytest.raises(NotFound, match="could not find the requested resource"):
        parse_path(path)


def test_every_group_of_the_stored_kinds_is_served() -> None:
    assert group_versions() == {
        "": ["v1"],
        "scheduling.k8s.io": ["v1"],
        "coordination.k8s.io": ["v1"],
        "networking.k8s.io": ["v1"],
        "sparkoperator.k8s.io": ["v1beta2", "v1alpha1"],
        "karpenter.sh": ["v1", "v1alpha1"],
        "karpenter.k8s.aws": ["v1"],
    }
