"""`kubectl auth can-i`'s SelfSubjectAccessReview: answered by the rule the middleware enforces."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from starlette.applications import Starlette

from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import create_app, streams_of
from sparkfleet.server.access import MAX_REVIEW_BYTES, SELF_SUBJECT_ACCESS_REVIEWS
from sparkfleet.server.tokens import add_token

from .builders import AUTH, TOKEN, TestClient
from .conftest import guarded

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def can_i(verb: str, resource: str = "configmaps") -> dict[str, Any]:
    return {
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "spec": {"resourceAttributes": {"namespace": "default", "verb": verb, "resource": resource}},
    }


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    return tmp_path / "tokens.json"


@pytest.fixture
def http(cluster: EmbeddedCluster, metrics: CollectorRegistry, token_file: Path) -> Iterator[TestClient]:
    application: Starlette = create_app(cluster, TOKEN, token_file=token_file, registry=metrics)
    guard = guarded(application)
    with TestClient(application) as client:
        yield client
    guard.cancel()
    streams_of(application).close_all()


@pytest.fixture
def reader(token_file: Path) -> dict[str, str]:
    """The header of a read-only token."""
    return {"Authorization": f"Bearer {add_token(token_file, 'ci', read_only=True, now=NOW)[1]}"}


@pytest.mark.parametrize("verb", ["get", "create", "delete", "*"])
def test_the_cluster_token_may_do_everything(http: TestClient, verb: str) -> None:
    answer = http.post(SELF_SUBJECT_ACCESS_REVIEWS, json=can_i(verb), headers=AUTH)
    assert answer.status_code == 201
    body = answer.json()
    assert (body["kind"], body["apiVersion"]) == ("SelfSubjectAccessReview", "authorization.k8s.io/v1")
    assert body["status"]["allowed"] is True
    assert body["spec"] == can_i(verb)["spec"]


@pytest.mark.parametrize(
    ("verb", "allowed"), [("get", True), ("list", True), ("watch", True), ("create", False)]
)
def test_a_read_only_token_may_ask_and_is_allowed_only_reads(
    http: TestClient, reader: dict[str, str], verb: str, allowed: bool
) -> None:
    answer = http.post(SELF_SUBJECT_ACCESS_REVIEWS, json=can_i(verb), headers=reader)
    assert answer.status_code == 201, "a review is a read: a read-only token may create one"
    assert answer.json()["status"]["allowed"] is allowed


def test_a_read_only_token_still_may_not_create_anything_else(
    http: TestClient, reader: dict[str, str]
) -> None:
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    answer = http.post("/api/v1/namespaces/default/configmaps", json=configmap, headers=reader)
    assert answer.status_code == 403


def test_non_resource_urls_are_reviewed_too(http: TestClient, reader: dict[str, str]) -> None:
    review = {
        "kind": "SelfSubjectAccessReview",
        "spec": {"nonResourceAttributes": {"verb": "get", "path": "/metrics"}},
    }
    answer = http.post(SELF_SUBJECT_ACCESS_REVIEWS, json=review, headers=reader)
    assert answer.json()["status"]["allowed"] is True


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({"kind": "ConfigMap"}, "kind: SelfSubjectAccessReview"),
        ({"kind": "SelfSubjectAccessReview"}, "spec"),
        ({"kind": "SelfSubjectAccessReview", "spec": {}}, "resourceAttributes"),
        ({"kind": "SelfSubjectAccessReview", "spec": {"resourceAttributes": {}}}, "verb"),
    ],
)
def test_a_malformed_review_is_a_400_naming_the_field(
    http: TestClient, body: dict[str, Any], names: str
) -> None:
    answer = http.post(SELF_SUBJECT_ACCESS_REVIEWS, json=body, headers=AUTH)
    assert answer.status_code == 400
    assert answer.json()["kind"] == "Status" and names in answer.json()["message"]


def test_a_review_larger_than_any_real_one_is_refused_unread(http: TestClient) -> None:
    body = b'{"kind": "SelfSubjectAccessReview", "spec": {"pad": "' + b"x" * (MAX_REVIEW_BYTES + 1) + b'"}}'
    answer = http.post(SELF_SUBJECT_ACCESS_REVIEWS, content=body, headers=AUTH)
    assert answer.status_code == 413 and "at most" in answer.json()["message"]
