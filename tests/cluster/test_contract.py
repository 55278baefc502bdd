"""The Cluster contract: what every cluster does with objects, run against each implementation.

The embedded store and the remote client (the embedded store served over HTTP) must behave alike: a
controller written against the port runs on either. An implementation joins by adding to `CLUSTERS`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster import Cluster, NotFound, WatchEventType
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import RemoteCluster, create_app, start_server, streams_of
from support.objects import configmap, pod

TOKEN = "contract-token"


@pytest.fixture
def embedded(db_path: Path, clock: VirtualClock) -> Iterator[Cluster]:
    store = EmbeddedCluster(db_path, clock)
    yield store
    store.close()


@pytest.fixture
def remote(db_path: Path, clock: VirtualClock) -> Iterator[Cluster]:
    store = EmbeddedCluster(db_path, clock)
    app = create_app(store, TOKEN, clock=clock)
    with start_server(app, TOKEN) as handle, RemoteCluster(handle.url, handle.token, timeout=10.0) as client:
        yield client
        streams_of(app).close_all()
    store.close()


@pytest.fixture(params=["embedded", "remote"])
def any_cluster(request: pytest.FixtureRequest) -> Cluster:
    cluster: Cluster = request.getfixturevalue(request.param)
    return cluster


def test_a_created_object_is_got_listed_patched_and_deleted(any_cluster: Cluster) -> None:
    assert isinstance(any_cluster, Cluster)
    created = any_cluster.create(pod("driver", labels={"spark-role": "driver"}))
    assert created["metadata"]["uid"] and created["metadata"]["resourceVersion"]
    assert any_cluster.get("Pod", "default", "driver")["metadata"]["uid"] == created["metadata"]["uid"]

    any_cluster.create(pod("exec-1", labels={"spark-role": "executor"}))
    drivers = any_cluster.list("Pod", "default", label_selector="spark-role=driver")
    assert [p["metadata"]["name"] for p in drivers.items] == ["driver"]

    patched = any_cluster.patch("Pod", "default", "driver", {"metadata": {"labels": {"app": "pi"}}})
    assert patched["metadata"]["labels"] == {"spark-role": "driver", "app": "pi"}
    assert int(patched["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])

    any_cluster.delete("Pod", "default", "driver")
    with pytest.raises(NotFound):
        any_cluster.get("Pod", "default", "driver")


def test_a_watch_from_a_resource_version_sees_every_later_change_in_order(any_cluster: Cluster) -> None:
    since = any_cluster.create(configmap("before"))["metadata"]["resourceVersion"]
    any_cluster.create(configmap("settings", a="1"))
    any_cluster.patch("ConfigMap", "default", "settings", {"data": {"a": "2"}})
    any_cluster.delete("ConfigMap", "default", "settings")
    with any_cluster.watch("ConfigMap", "default", resource_version=since, timeout_seconds=0) as changes:
        seen = [(event.type, event.object["data"]["a"]) for event in changes]
    assert seen == [
        (WatchEventType.ADDED, "1"),
        (WatchEventType.MODIFIED, "2"),
        (WatchEventType.DELETED, "2"),
    ]
