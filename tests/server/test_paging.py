"""Lists in pages: `limit` and `continue` as the API server answers them."""

from __future__ import annotations

import pytest

from sparkfleet.cluster import BadRequest, Obj
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import RemoteCluster
from sparkfleet.server.paging import page_of
from support.objects import pod

from .builders import PODS, TestClient


def objs(*keys: str) -> list[Obj]:
    return [{"metadata": {"namespace": k.split("/")[0], "name": k.split("/")[1]}} for k in keys]


def names(items: list[Obj]) -> list[str]:
    return [f"{o['metadata']['namespace']}/{o['metadata']['name']}" for o in items]


# Store order: by namespace, then name ("a" < "a-x" even though "a/" > "a-").
ITEMS = objs("a/p1", "a/p2", "a-x/p0", "b/p0", "b/p9")


def test_without_a_limit_every_item_is_one_page() -> None:
    page = page_of(ITEMS, "7", {})
    assert (names(page.items), page.metadata()) == (names(ITEMS), {"resourceVersion": "7"})
    assert page_of(ITEMS, "7", {"limit": "0"}).continue_token is None  # 0: no limit, as there


def test_pages_follow_one_another_in_store_order_with_the_first_pages_resource_version() -> None:
    first = page_of(ITEMS, "7", {"limit": "2"})
    assert names(first.items) == ["a/p1", "a/p2"]
    assert first.metadata()["remainingItemCount"] == 3
    assert first.continue_token
    # The store moved on meanwhile; every page still reports where the list began.
    second = page_of(ITEMS, "9", {"limit": "2", "continue": first.continue_token})
    assert (names(second.items), second.resource_version) == (["a-x/p0", "b/p0"], "7")
    assert second.continue_token
    last = page_of(ITEMS, "9", {"limit": "2", "continue": second.continue_token})
    assert (names(last.items), last.continue_token, last.resource_version) == (["b/p9"], None, "7")
    assert last.metadata() == {"resourceVersion": "7"}


@pytest.mark.parametrize(
    "token", ["not-base64!", "e30", "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTEsInN0YXJ0IjoiIn0"]
)
def test_a_continue_token_the_server_did_not_make_is_400(token: str) -> None:
    with pytest.raises(BadRequest, match="continue key is not valid"):
        page_of(ITEMS, "7", {"continue": token})


def test_a_limit_that_is_not_a_number_is_400() -> None:
    with pytest.raises(BadRequest, match='limit "many" must be an integer'):
        page_of(ITEMS, "7", {"limit": "many"})


def test_the_api_pages_a_list_and_the_client_reads_every_page(
    client: TestClient, cluster: EmbeddedCluster, remote: RemoteCluster
) -> None:
    cluster.create_many([pod(f"p{i:04}") for i in range(1201)])
    first = client.get(PODS, params={"limit": "500"}).json()
    assert len(first["items"]) == 500
    assert first["metadata"]["remainingItemCount"] == 701
    second = client.get(PODS, params={"limit": "500", "continue": first["metadata"]["continue"]}).json()
    assert second["items"][0]["metadata"]["name"] == "p0500"
    table = client.get(
        PODS, params={"limit": "2"}, headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}
    ).json()
    assert (table["kind"], len(table["rows"]), table["metadata"]["remainingItemCount"]) == ("Table", 2, 1199)
    # RemoteCluster pages as client-go's pager does (500 at a time) and returns the whole list.
    listed = remote.list("Pod", "default")
    assert [p["metadata"]["name"] for p in listed.items] == [f"p{i:04}" for i in range(1201)]
    assert listed.resourceVersion == first["metadata"]["resourceVersion"]


def test_a_page_with_a_selector_leaves_out_the_count_of_the_rest(
    client: TestClient, cluster: EmbeddedCluster
) -> None:
    cluster.create_many([pod(f"p{i}", labels={"team": "a" if i % 2 else "b"}) for i in range(7)])
    first = client.get(PODS, params={"limit": "2", "labelSelector": "team=a"}).json()
    assert [p["metadata"]["name"] for p in first["items"]] == ["p1", "p3"]
    assert "remainingItemCount" not in first["metadata"]  # counting them would mean reading them
    rest = client.get(
        PODS, params={"limit": "2", "labelSelector": "team=a", "continue": first["metadata"]["continue"]}
    ).json()
    assert [p["metadata"]["name"] for p in rest["items"]] == ["p5"]
    assert "continue" not in rest["metadata"]
