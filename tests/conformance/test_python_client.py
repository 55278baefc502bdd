"""The official Kubernetes Python client (`kubernetes` on PyPI) against the embedded API: its kubeconfig
loader on the kubeconfig `up` writes, CRUD on a core and a custom kind, list pagination, watch resume,
and 410 Gone for a resourceVersion older than the store's watch history."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException

from sparkfleet.clock import SystemClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import create_app, start_server

pytestmark = pytest.mark.e2e

NS = "default"


@pytest.fixture(scope="module")
def api(kubeconfig: Path) -> Iterator[client.ApiClient]:
    with config.new_client_from_config(config_file=str(kubeconfig)) as api_client:
        yield api_client


def configmap(name: str, **labels: str) -> client.V1ConfigMap:
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels or None), data={"a": "1"})


def test_crud_on_a_core_kind(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    created = core.create_namespaced_config_map(NS, configmap("py-crud"))
    assert created.metadata.uid and created.metadata.resource_version
    with pytest.raises(ApiException) as exists:
        core.create_namespaced_config_map(NS, configmap("py-crud"))
    assert exists.value.status == 409

    read = core.read_namespaced_config_map("py-crud", NS)
    read.data["b"] = "2"
    replaced = core.replace_namespaced_config_map("py-crud", NS, read)
    assert replaced.data == {"a": "1", "b": "2"}
    assert int(replaced.metadata.resource_version) > int(created.metadata.resource_version)
    with pytest.raises(ApiException) as stale:
        core.replace_namespaced_config_map("py-crud", NS, read)  # the resourceVersion read before
    assert stale.value.status == 409

    patched = core.patch_namespaced_config_map("py-crud", NS, {"data": {"c": "3"}})
    assert patched.data == {"a": "1", "b": "2", "c": "3"}
    core.delete_namespaced_config_map("py-crud", NS)
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_config_map("py-crud", NS)
    assert gone.value.status == 404


def test_crud_on_a_custom_kind(api: client.ApiClient) -> None:
    custom = client.CustomObjectsApi(api)
    group, version, plural = "karpenter.sh", "v1", "nodepools"
    nodepool = {
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodePool",
        "metadata": {"name": "py-pool"},
        "spec": {
            "template": {
                "spec": {
                    "nodeClassRef": {
                        "group": "karpenter.k8s.aws",
                        "kind": "EC2NodeClass",
                        "name": "none-such",
                    },
                    "requirements": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64"]}],
                }
            },
            "limits": {"cpu": "8"},
        },
    }
    created = custom.create_cluster_custom_object(group, version, plural, nodepool)
    assert created["metadata"]["name"] == "py-pool" and created["metadata"]["uid"]
    got = custom.get_cluster_custom_object(group, version, plural, "py-pool")
    assert got["spec"]["limits"] == {"cpu": "8"}
    listed = custom.list_cluster_custom_object(group, version, plural)
    assert "py-pool" in [item["metadata"]["name"] for item in listed["items"]]
    patched = custom.patch_cluster_custom_object(
        group, version, plural, "py-pool", {"spec": {"limits": {"cpu": "16"}}}
    )
    assert patched["spec"]["limits"] == {"cpu": "16"}
    custom.delete_cluster_custom_object(group, version, plural, "py-pool")
    with pytest.raises(ApiException) as gone:
        custom.get_cluster_custom_object(group, version, plural, "py-pool")
    assert gone.value.status == 404


def test_a_list_in_pages_with_limit_and_continue(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    names = [f"py-page-{i}" for i in range(7)]
    for name in names:
        core.create_namespaced_config_map(NS, configmap(name, suite="py-pages"))
    seen: list[str] = []
    pages: list[Any] = []
    token: str | None = None
    while True:
        page = core.list_namespaced_config_map(NS, label_selector="suite=py-pages", limit=3, _continue=token)
        pages.append(page)
        seen += [item.metadata.name for item in page.items]
        token = page.metadata._continue
        if not token:
            break
    assert seen == names
    assert [len(p.items) for p in pages] == [3, 3, 1]
    assert len({p.metadata.resource_version for p in pages}) == 1, "every page reports the first's version"


def test_a_watch_resumes_from_a_resource_version(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    selector = "suite=py-watch"
    start = core.list_namespaced_config_map(NS, label_selector=selector).metadata.resource_version
    core.create_namespaced_config_map(NS, configmap("py-watched", suite="py-watch"))
    events = watch.Watch().stream(
        core.list_namespaced_config_map,
        NS,
        label_selector=selector,
        resource_version=start,
        timeout_seconds=5,
    )
    first = next(events)
    events.close()
    assert (first["type"], first["object"].metadata.name) == ("ADDED", "py-watched")

    core.patch_namespaced_config_map("py-watched", NS, {"data": {"a": "2"}})
    core.delete_namespaced_config_map("py-watched", NS)
    resumed = watch.Watch().stream(
        core.list_namespaced_config_map,
        NS,
        label_selector=selector,
        resource_version=first["object"].metadata.resource_version,
        timeout_seconds=5,
    )
    after = [next(resumed), next(resumed)]
    resumed.close()
    assert [e["type"] for e in after] == ["MODIFIED", "DELETED"], (
        "only what came after the version resumed from"
    )
    assert after[0]["object"].data == {"a": "2"}


@pytest.fixture
def short_history(tmp_path: Path) -> Iterator[Path]:
    """A kubeconfig for an API server whose store keeps the last 5 changes only, so that an old
    resourceVersion is soon out of its watch history (a real server, over HTTP, on loopback)."""
    store = EmbeddedCluster(tmp_path / "store.db", SystemClock(), history_limit=5)
    handle = start_server(create_app(store, "conformance-token"), "conformance-token")
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(handle.kubeconfig()))
    try:
        yield path
    finally:
        handle.stop()
        store.close()


def test_a_watch_from_a_compacted_version_is_410_gone(short_history: Path) -> None:
    with config.new_client_from_config(config_file=str(short_history)) as api_client:
        core = client.CoreV1Api(api_client)
        first = core.create_namespaced_config_map(NS, configmap("py-old")).metadata.resource_version
        for i in range(20):
            core.patch_namespaced_config_map("py-old", NS, {"data": {"a": str(i)}})
        with pytest.raises(ApiException) as expired:
            for _ in watch.Watch().stream(
                core.list_namespaced_config_map, NS, resource_version=first, timeout_seconds=5
            ):
                pass
        assert expired.value.status == 410
        # The client's answer to a 410: a fresh list, whose version a watch may start from.
        fresh = core.list_namespaced_config_map(NS).metadata.resource_version
        events = watch.Watch().stream(
            core.list_namespaced_config_map, NS, resource_version=fresh, timeout_seconds=1
        )
        assert list(events) == []
