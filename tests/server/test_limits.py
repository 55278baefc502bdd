"""What a request and a client may cost: watch slots per client and in all, the object quota per namespace."""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from starlette.applications import Starlette

from sparkfleet.cluster import lookup
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import ObjectQuota, RequestLimits, ServerHandle, create_app, start_server, streams_of
from sparkfleet.server.errors import Forbidden, TooManyRequests
from sparkfleet.server.limits import MAX_BODY_BYTES, WatchSlots, default_max_watches
from support.objects import pod

from .builders import AUTH, PODS, TOKEN, TestClient
from .conftest import guarded

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


def configmap(name: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}}


# --- watch slots -----------------------------------------------------------------------------------


def test_a_client_holds_at_most_its_share_of_watches_and_others_keep_theirs() -> None:
    slots = WatchSlots(per_client=2, total=10)
    first, _ = slots.acquire("admin@127.0.0.1"), slots.acquire("admin@127.0.0.1")
    with pytest.raises(TooManyRequests, match=r"this client \(admin@127.0.0.1\) has 2") as refused:
        slots.acquire("admin@127.0.0.1")
    assert refused.value.retry_after == 1
    slots.acquire("admin@127.0.0.2")
    assert (slots.held("admin@127.0.0.1"), slots.held()) == (2, 3)
    first()
    first()  # freeing twice frees once
    assert (slots.held("admin@127.0.0.1"), slots.held()) == (1, 2)
    slots.acquire("admin@127.0.0.1")


def test_the_server_total_caps_every_client_together() -> None:
    slots = WatchSlots(per_client=5, total=2)
    slots.acquire("a@h")
    slots.acquire("b@h")
    with pytest.raises(TooManyRequests, match="the server holds 2, the most it serves at once"):
        slots.acquire("c@h")


def test_the_default_total_is_what_the_open_files_limit_leaves_room_for() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
        assert default_max_watches() == 1024 - 256
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_limits_must_be_positive() -> None:
    assert RequestLimits().max_body_bytes == MAX_BODY_BYTES == 3 * 1024 * 1024
    with pytest.raises(ValueError, match="positive"):
        RequestLimits(max_watches_per_client=0)
    with pytest.raises(ValueError, match="positive"):
        RequestLimits(max_watches=0)


@pytest.fixture
def capped(cluster: EmbeddedCluster) -> Iterator[tuple[Starlette, ServerHandle]]:
    app = create_app(cluster, TOKEN, limits=RequestLimits(max_watches_per_client=2))
    guard = guarded(app)
    handle = start_server(app, TOKEN)
    yield app, handle
    handle.stop()
    guard.cancel()


def test_a_watch_over_the_clients_cap_is_429_with_retry_after_and_a_closed_one_frees_its_slot(
    capped: tuple[Starlette, ServerHandle],
) -> None:
    app, server = capped
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=5) as http:
        with (
            http.stream("GET", PODS, params={"watch": "1"}) as one,
            http.stream("GET", PODS, params={"watch": "1"}) as two,
        ):
            assert (one.status_code, two.status_code) == (200, 200)
            refused = http.get(PODS, params={"watch": "1"})
            assert refused.status_code == 429
            assert refused.headers["Retry-After"] == "1"
            status = refused.json()
            assert (status["kind"], status["reason"], status["code"]) == ("Status", "TooManyRequests", 429)
            assert status["details"]["retryAfterSeconds"] == 1
            assert "too many open watches" in status["message"]
            assert http.get(PODS).status_code == 200  # lists are not watches
        assert streams_of(app).wait_until_empty(10)
        with http.stream("GET", PODS, params={"watch": "1"}) as again:
            assert again.status_code == 200


# --- object quota ----------------------------------------------------------------------------------


def test_a_create_over_the_namespace_quota_is_forbidden_as_resourcequota_says(
    cluster: EmbeddedCluster,
) -> None:
    app = create_app(cluster, TOKEN, quota=ObjectQuota(2, cluster.count))
    with TestClient(app, headers=AUTH) as client:
        assert [client.post(CONFIGMAPS, json=configmap(n)).status_code for n in ("a", "b")] == [201, 201]
        refused = client.post(CONFIGMAPS, json=configmap("c"))
        assert refused.status_code == 403
        status = refused.json()
        assert status["reason"] == "Forbidden"
        assert status["message"] == (
            'configmaps "c" is forbidden: exceeded quota: objects-per-namespace, requested: '
            "count/configmaps=1, used: count/configmaps=2, limited: count/configmaps=2"
        )
        assert [c["metadata"]["name"] for c in cluster.list("ConfigMap", "default").items] == ["a", "b"]
        # Per kind and per namespace: pods here, and configmaps elsewhere, are still welcome.
        assert client.post(PODS, json=pod("p")).status_code == 201
        other = configmap("c") | {"metadata": {"name": "c", "namespace": "other"}}
        assert client.post("/api/v1/namespaces/other/configmaps", json=other).status_code == 201
        # Freeing room lets the next one in; an update of a stored object is never counted.
        assert client.delete(f"{CONFIGMAPS}/a").status_code == 200
        assert client.post(CONFIGMAPS, json=configmap("c")).status_code == 201
        assert client.put(f"{CONFIGMAPS}/b", json=configmap("b")).status_code == 200


def test_server_side_apply_of_a_new_object_counts_against_the_quota(cluster: EmbeddedCluster) -> None:
    cluster.create({**configmap("a"), "metadata": {"name": "a", "namespace": "default"}})
    app = create_app(cluster, TOKEN, quota=ObjectQuota(1, cluster.count))
    with TestClient(app, headers=AUTH) as client:
        applied = client.patch(
            f"{CONFIGMAPS}/b",
            content=b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n",
            headers={"Content-Type": "application/apply-patch+yaml"},
            params={"fieldManager": "kubectl"},
        )
        assert applied.status_code == 403
        assert "exceeded quota" in applied.json()["message"]


def test_events_and_cluster_scoped_kinds_are_not_counted() -> None:
    quota = ObjectQuota(1, lambda kind, namespace: 5)
    quota.check(lookup("Event"), "default", "e")
    quota.check(lookup("NodePool"), None, "pool")
    with pytest.raises(Forbidden, match=r"used: count/sparkapplications.sparkoperator.k8s.io=5"):
        quota.check(lookup("SparkApplication"), "default", "pi")
    with pytest.raises(ValueError, match="at least 1"):
        ObjectQuota(0, lambda kind, namespace: 0)


def test_creates_racing_at_the_quota_never_pass_it_together(cluster: EmbeddedCluster) -> None:
    # The counter answers slowly, as a busy store might: without holding the quota from the count to the
    # create, all eight would count 0 stored objects and be admitted.
    def slow_count(kind: str, namespace: str) -> int:
        time.sleep(0.05)
        return cluster.count(kind, namespace)

    app = create_app(cluster, TOKEN, quota=ObjectQuota(3, slow_count))
    with TestClient(app, headers=AUTH) as client, ThreadPoolExecutor(8) as pool:
        codes = list(
            pool.map(lambda n: client.post(CONFIGMAPS, json=configmap(f"c{n}")).status_code, range(8))
        )
    assert sorted(codes) == [201] * 3 + [403] * 5
    assert len(cluster.list("ConfigMap", "default").items) == 3
