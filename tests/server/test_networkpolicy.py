"""NetworkPolicy over HTTP: stored and served like the other kinds, as Spark's submission client uses it."""

from __future__ import annotations

import json
from typing import Any

from sparkfleet.cluster.embedded import EmbeddedCluster
from support.objects import owner_ref, pod

from .builders import PODS, TestClient, events

POLICIES = "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies"
APPLY = {"Content-Type": "application/apply-patch+yaml"}
SSA = {"fieldManager": "spark", "force": "true"}


def policy(name: str = "spark-app-policy", **labels: str) -> dict[str, Any]:
    """The policy Spark's NetworkPolicyFeatureStep makes: executors take traffic from their own app only."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": name,
            "namespace": "default",
            "labels": {"spark-app-selector": "app-1", **labels},
        },
        "spec": {
            "podSelector": {"matchLabels": {"spark-role": "executor", "spark-app-selector": "app-1"}},
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"spark-app-selector": "app-1"}}}]}],
        },
    }


def test_a_policy_is_created_read_listed_and_deleted(client: TestClient) -> None:
    created = client.post(POLICIES, json=policy())
    assert created.status_code == 201
    assert created.json()["metadata"]["uid"]
    got = client.get(f"{POLICIES}/spark-app-policy").json()
    assert got["spec"]["ingress"] == policy()["spec"]["ingress"]
    listed = client.get(POLICIES, params={"labelSelector": "spark-app-selector=app-1"}).json()
    assert listed["kind"] == "NetworkPolicyList"
    assert [p["metadata"]["name"] for p in listed["items"]] == ["spark-app-policy"]
    assert client.delete(f"{POLICIES}/spark-app-policy").status_code == 200
    assert client.get(f"{POLICIES}/spark-app-policy").status_code == 404


def test_server_side_apply_creates_then_updates_a_policy(client: TestClient) -> None:
    path = f"{POLICIES}/spark-app-policy"
    first = client.patch(path, params=SSA, content=json.dumps(policy()), headers=APPLY)
    assert first.status_code == 201
    changed = policy(team="a")
    changed["spec"]["policyTypes"] = ["Ingress"]
    second = client.patch(path, params=SSA, content=json.dumps(changed), headers=APPLY)
    assert second.status_code == 200
    assert second.json()["metadata"]["labels"]["team"] == "a"
    assert second.json()["spec"]["policyTypes"] == ["Ingress"]
    assert second.json()["metadata"]["uid"] == first.json()["metadata"]["uid"]


def test_strict_field_validation_names_an_unknown_policy_field(client: TestClient) -> None:
    bad = policy()
    bad["spec"]["ingress"][0]["form"] = bad["spec"]["ingress"][0].pop("from")
    response = client.post(POLICIES, params={"fieldValidation": "Strict"}, json=bad)
    assert response.status_code == 400
    assert "spec.ingress[0].form" in response.json()["message"]
    assert client.get(f"{POLICIES}/spark-app-policy").status_code == 404


def test_a_policy_with_a_wrong_value_is_invalid(client: TestClient) -> None:
    bad = policy()
    bad["spec"]["policyTypes"] = ["Sideways"]
    response = client.post(POLICIES, json=bad)
    assert response.status_code == 422
    assert response.json()["details"]["causes"][0]["field"].startswith("spec.policyTypes")


def test_a_policy_owned_by_the_driver_goes_with_it(client: TestClient, cluster: EmbeddedCluster) -> None:
    driver = cluster.create(pod("driver"))
    owned = policy()
    owned["metadata"]["ownerReferences"] = [owner_ref(driver)]
    assert client.post(POLICIES, json=owned).status_code == 201
    assert client.delete(f"{PODS}/driver").status_code == 200
    assert cluster.list("NetworkPolicy").items == []


def test_a_watch_sees_policies_come_and_go(client: TestClient) -> None:
    client.post(POLICIES, json=policy("first"))
    with client.stream("GET", POLICIES, params={"watch": "1"}) as response:
        assert response.status_code == 200
        lines = response.iter_lines()
        assert events([next(lines)]) == [("ADDED", "first")]
        client.delete(f"{POLICIES}/first")
        assert events([next(lines)]) == [("DELETED", "first")]


def test_policies_are_discovered_with_their_short_name(client: TestClient) -> None:
    resources = client.get("/apis/networking.k8s.io/v1").json()["resources"]
    (entry,) = [r for r in resources if r["name"] == "networkpolicies"]
    assert entry["kind"] == "NetworkPolicy"
    assert entry["namespaced"] is True
    assert entry["shortNames"] == ["netpol"]
    assert not any(r["name"] == "networkpolicies/status" for r in resources)
