"""`RemoteCluster` over a real uvicorn server: the `Cluster` port's semantics, error for error, as the
embedded store gives them (a handful of the cluster contract checks, run over HTTP)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster import WatchEventType
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    Gone,
    Invalid,
    NotFound,
    UnknownKind,
)
from sparkfleet.cluster.kinds import lookup
from sparkfleet.server import RemoteCluster, ServerHandle, create_app, start_server
from sparkfleet.server.client import resource_path
from sparkfleet.server.errors import FieldInvalid, Unauthorized
from support.objects import configmap, node, owner_ref, pod, spark_app

from .builders import TOKEN

ADDED, MODIFIED, DELETED = WatchEventType.ADDED, WatchEventType.MODIFIED, WatchEventType.DELETED


def test_paths_follow_the_kubernetes_layout() -> None:
    assert (
        resource_path(lookup("Pod"), "spark-team-a", "pi-driver", "log")
        == "/api/v1/namespaces/spark-team-a/pods/pi-driver/log"
    )
    assert resource_path(lookup("NodePool"), None, "spot") == "/apis/karpenter.sh/v1/nodepools/spot"
    assert resource_path(lookup("sparkapp"), None) == "/apis/sparkoperator.k8s.io/v1beta2/sparkapplications"


def test_create_get_and_list(remote: RemoteCluster) -> None:
    created = remote.create(pod("p", labels={"spark-role": "driver"}))
    assert created["metadata"]["resourceVersion"] == "1"
    assert remote.get("pods", "default", "p") == created
    remote.create(pod("q"))
    listed = remote.list("Pod", "default", label_selector={"spark-role": "driver"})
    assert [p["metadata"]["name"] for p in listed.items] == ["p"]
    assert listed.resourceVersion == "2"
    assert [p["metadata"]["name"] for p in remote.list("Pod", field_selector="metadata.name=q").items] == [
        "q"
    ]


def test_a_namespaced_object_without_namespace_goes_to_default(remote: RemoteCluster) -> None:
    obj = pod("p")
    del obj["metadata"]["namespace"]
    assert remote.create(obj)["metadata"]["namespace"] == "default"


def test_errors_come_back_as_the_port_errors(remote: RemoteCluster) -> None:
    with pytest.raises(NotFound) as missing:
        remote.get("Pod", "default", "nope")
    assert (missing.value.kind, missing.value.name) == ("pods", "nope")
    remote.create(pod("p"))
    with pytest.raises(AlreadyExists):
        remote.create(pod("p"))
    with pytest.raises(BadRequest):
        remote.list("Pod", label_selector="a in (b")
    with pytest.raises(UnknownKind):
        remote.get("Widget", "default", "w")


def test_an_invalid_object_names_its_fields(remote: RemoteCluster, cluster: EmbeddedCluster) -> None:
    with pytest.raises(Invalid) as caught:
        remote.create(spark_app("pi", mode="sideways"))
    assert isinstance(caught.value, FieldInvalid)
    assert [c.field for c in caught.value.causes] == ["spec.mode"]
    app = spark_app("pi")
    app["spec"]["colour"] = "blue"
    with pytest.raises(BadRequest, match=r'unknown field "spec\.colour"'):
        remote.create(app)  # the client asks for strict field validation
    assert cluster.list("SparkApplication").items == []


def test_update_is_optimistic(remote: RemoteCluster) -> None:
    stored = remote.create(configmap("c", a="1"))
    updated = remote.update({**stored, "data": {"a": "2"}})
    assert updated["data"] == {"a": "2"}
    with pytest.raises(Conflict):
        remote.update({**stored, "data": {"a": "3"}})


def test_status_is_written_only_through_update_status(remote: RemoteCluster) -> None:
    stored = remote.create(spark_app("pi"))
    kept = remote.update({**stored, "status": {"applicationState": {"state": "RUNNING"}}})
    assert "status" not in kept
    written = remote.update_status({**kept, "status": {"applicationState": {"state": "RUNNING"}}})
    assert written["status"] == {"applicationState": {"state": "RUNNING"}}
    assert written["metadata"]["generation"] == 1


def test_patch_is_a_merge_patch_with_an_optional_status_subresource(remote: RemoteCluster) -> None:
    remote.create(pod("p", labels={"a": "1"}))
    patched = remote.patch("Pod", "default", "p", {"metadata": {"labels": {"a": None, "b": "2"}}})
    assert patched["metadata"]["labels"] == {"b": "2"}
    status = remote.patch("Pod", "default", "p", {"status": {"phase": "Running"}}, subresource="status")
    assert status["status"] == {"phase": "Running", "qosClass": "BestEffort"}
    with pytest.raises(Conflict):
        remote.patch("Pod", "default", "p", {"metadata": {"resourceVersion": "1", "labels": {"c": "3"}}})


def test_delete_cascades_and_returns_the_object(remote: RemoteCluster) -> None:
    owner = remote.create(spark_app("pi"))
    driver = pod("pi-driver")
    driver["metadata"]["ownerReferences"] = [owner_ref(owner)]
    remote.create(driver)
    deleted = remote.delete("SparkApplication", "default", "pi")
    assert deleted["metadata"]["uid"] == owner["metadata"]["uid"]
    assert remote.list("Pod").items == []


def test_bind_returns_the_bound_pod(remote: RemoteCluster) -> None:
    remote.create(pod("p"))
    bound = remote.bind("default", "p", "n1")
    assert bound["spec"]["nodeName"] == "n1"
    assert [c["type"] for c in bound["status"]["conditions"]] == ["PodScheduled"]
    with pytest.raises(Conflict):
        remote.bind("default", "p", "n2")


def test_create_many_takes_back_what_it_created_when_one_fails(remote: RemoteCluster) -> None:
    remote.create(configmap("taken"))
    with pytest.raises(AlreadyExists):
        remote.create_many([configmap("new-1"), configmap("new-2"), configmap("taken")])
    assert [c["metadata"]["name"] for c in remote.list("ConfigMap").items] == ["taken"]
    assert len(remote.create_many([node("n1"), node("n2")])) == 2


def test_watch_streams_changes_from_a_resource_version(
    remote: RemoteCluster, cluster: EmbeddedCluster
) -> None:
    start = remote.create(pod("p"))["metadata"]["resourceVersion"]
    with remote.watch("Pod", "default", resource_version=start) as watch:
        cluster.create(pod("q"))
        cluster.patch("Pod", "default", "p", {"metadata": {"labels": {"x": "y"}}})
        cluster.delete("Pod", "default", "q")
        got = [next(watch), next(watch), next(watch)]
        assert [(e.type, e.object["metadata"]["name"]) for e in got] == [
            (ADDED, "q"),
            (MODIFIED, "p"),
            (DELETED, "q"),
        ]
        assert watch.resource_version == "4"


def test_watch_ends_at_its_timeout_with_the_resource_version_to_resume_from(
    remote: RemoteCluster, cluster: EmbeddedCluster
) -> None:
    cluster.create(pod("p"))
    cluster.create(configmap("unrelated"))
    with remote.watch("Pod", timeout_seconds=0) as watch:
        assert [e.object["metadata"]["name"] for e in watch] == ["p"]
        assert watch.resource_version == "2"  # from the closing bookmark


def test_closing_a_watch_ends_a_read_blocked_in_another_thread(remote: RemoteCluster) -> None:
    watch = remote.watch("Pod", "default")
    finished = threading.Event()

    def consume() -> None:
        for _ in watch:
            pass
        finished.set()

    reader = threading.Thread(target=consume, daemon=True)
    reader.start()
    watch.close()
    reader.join(10)
    assert finished.is_set()


def test_a_wrong_token_is_unauthorized(server: ServerHandle) -> None:
    with RemoteCluster(server.url, "wrong") as remote, pytest.raises(Unauthorized):
        remote.list("Pod")


def test_an_expired_resource_version_raises_gone(tmp_path: Path, clock: VirtualClock) -> None:
    with EmbeddedCluster(tmp_path / "small.db", clock, history_limit=1) as small:
        for name in "abcdef":
            small.create(pod(name))
        with start_server(create_app(small, "t"), "t") as handle, RemoteCluster(handle.url, "t") as remote:
            watch = remote.watch("Pod", resource_version="1")
            with pytest.raises(Gone, match="too old resource version"):
                next(watch)
            assert watch.closed


# --- bookmarks, Gone and Conflict as a Kubernetes API server sends them ----------------------------


def scripted(status: int, lines: list[dict[str, Any]] | None = None, body: Any = None) -> RemoteCluster:
    """A RemoteCluster whose every request gets one scripted answer: a watch stream of `lines`, or
    `body` (JSON, or text for a non-JSON answer)."""

    def answer(request: httpx.Request) -> httpx.Response:
        if lines is not None:
            stream = "".join(json.dumps(line) + "\n" for line in lines).encode()
            return httpx.Response(status, content=stream, headers={"Content-Type": "application/json"})
        if isinstance(body, str):
            return httpx.Response(status, text=body)
        return httpx.Response(status, json=body)

    http = httpx.Client(base_url="https://api.example", transport=httpx.MockTransport(answer))
    return RemoteCluster("https://api.example", http=http)


def test_bookmarks_move_the_resource_version_without_being_events() -> None:
    stream = [
        {"type": "ADDED", "object": pod("p") | {"metadata": {"name": "p", "resourceVersion": "5"}}},
        {
            "type": "BOOKMARK",
            "object": {"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": "9"}},
        },
        {
            "type": "BOOKMARK",
            "object": {"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": "12"}},
        },
    ]
    with scripted(200, stream) as remote, remote.watch("Pod", resource_version="4") as watch:
        first = next(watch)
        assert (first.type, watch.resource_version) == (ADDED, "5")
        assert list(watch) == []
        assert watch.resource_version == "12"  # where a new watch resumes


def test_an_idle_watch_gets_bookmarks_from_the_embedded_server(cluster: EmbeddedCluster) -> None:
    for name in ("a", "b", "c"):
        cluster.create(configmap(name))
    app = create_app(cluster, TOKEN, bookmark_interval=0.05)
    with start_server(app, TOKEN) as handle, RemoteCluster(handle.url, TOKEN, timeout=10.0) as remote:
        watch = remote.watch("Pod")
        got: list[str] = []
        reader = threading.Thread(target=lambda: got.append(next(watch).object["metadata"]["name"]))
        reader.start()
        for _ in range(400):  # bounded: up to 20 s for the first bookmark
            if watch.resource_version == "3":
                break
            time.sleep(0.05)
        assert watch.resource_version == "3"  # from bookmarks alone: no Pod event has come
        assert got == []
        cluster.create(pod("p"))
        reader.join(10)
        assert got == ["p"]
        assert watch.resource_version == "4"
        watch.close()


def test_a_watch_answered_410_raises_gone() -> None:
    expired = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": "too old resource version: 1 (4242)",
        "reason": "Expired",
        "code": 410,
    }
    # kube-apiserver sends an ERROR event in a 200 stream; a proxy may answer 410 without a Status.
    with scripted(200, [{"type": "ERROR", "object": expired}]) as remote:
        watch = remote.watch("Pod", resource_version="1")
        with pytest.raises(Gone, match="too old resource version"):
            next(watch)
        assert watch.closed
    with scripted(410, body="gone") as remote, pytest.raises(Gone):
        remote.watch("Pod", resource_version="1")


def test_a_409_is_a_conflict_with_or_without_a_status() -> None:
    stale = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": 'Operation cannot be fulfilled on configmaps "c": the object has been modified',
        "reason": "Conflict",
        "details": {"name": "c", "kind": "configmaps"},
        "code": 409,
    }
    with scripted(409, body=stale) as remote, pytest.raises(Conflict, match="has been modified") as caught:
        remote.update(configmap("c"))
    assert (caught.value.kind, caught.value.name) == ("configmaps", "c")
    with scripted(409, body="conflict") as remote, pytest.raises(Conflict):
        remote.update(configmap("c"))


# --- server-side apply --------------------------------------------------------------------------------


def test_server_side_apply_creates_then_merges(remote: RemoteCluster, cluster: EmbeddedCluster) -> None:
    created = remote.apply(configmap("settings", labels={"team": "a"}, mode="fast"), "sparkfleet-test")
    assert created["data"] == {"mode": "fast"}
    assert cluster.get("ConfigMap", "default", "settings")["metadata"]["uid"] == created["metadata"]["uid"]
    again = remote.apply(configmap("settings", retries="3"), "sparkfleet-test", force=True)
    assert again["metadata"]["uid"] == created["metadata"]["uid"]
    assert again["data"] == {"mode": "fast", "retries": "3"}  # fields left out are kept (no ownership)
    assert again["metadata"]["labels"] == {"team": "a"}


def test_server_side_apply_names_what_is_missing(remote: RemoteCluster) -> None:
    with pytest.raises(Invalid, match="fieldManager is required"):
        remote.apply(configmap("settings"), "")
    nameless = configmap("settings")
    del nameless["metadata"]["name"]
    with pytest.raises(Invalid, match=r"metadata\.name is required"):
        remote.apply(nameless, "sparkfleet-test")
    app = spark_app("pi")
    app["spec"]["colour"] = "blue"
    with pytest.raises(BadRequest, match=r'unknown field "spec\.colour"'):
        remote.apply(app, "sparkfleet-test")


def test_the_embedded_server_is_told_from_a_kubernetes_api_server_by_its_version(
    remote: RemoteCluster,
) -> None:
    assert remote.version()["gitVersion"].startswith("v1.31.0+sparkfleet-")
    assert remote.serves_embedded_cluster()
    eks = {"major": "1", "minor": "32", "gitVersion": "v1.32.9-eks-113cf36"}
    with scripted(200, body=eks) as kubernetes:
        assert not kubernetes.serves_embedded_cluster()
