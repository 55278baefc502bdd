"""Who may ask what: a token on every path but the public ones, read-only named tokens, revocation."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.websockets import WebSocketDisconnect

from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import create_app, streams_of
from sparkfleet.server.auth import Identity, forbidden, new_token, token_matches
from sparkfleet.server.tokens import add_token, delete_token
from support.objects import pod, spark_app

from .builders import AUTH, PODS, SPARK_APPS, TOKEN, TestClient
from .conftest import guarded

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
UNAUTHORIZED = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": "Unauthorized",
    "reason": "Unauthorized",
    "details": {},
    "code": 401,
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "path",
    [
        "/metrics",
        "/openapi/v2",
        "/openapi/v3",
        "/openapi/v3/api/v1",
        "/api",
        "/api/v1/pods",
        PODS,
        "/apis",
        SPARK_APPS,
        "/healthz/etcd",
        "/no/such/path",
    ],
)
def test_every_path_but_the_public_ones_needs_a_token(anonymous: TestClient, path: str) -> None:
    response = anonymous.get(path)
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_writes_without_a_token_are_unauthorized_and_change_nothing(
    anonymous: TestClient, cluster: EmbeddedCluster
) -> None:
    response = anonymous.post(PODS, json=pod("p"))
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert cluster.list("Pod", "default").items == []


def test_a_websocket_without_a_token_is_closed_before_it_opens(anonymous: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect) as closed, anonymous.websocket_connect("/api/v1/pods?watch=1"):
        pass
    assert closed.value.code == 1008


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/livez"])
def test_probes_answer_without_a_token(anonymous: TestClient, path: str) -> None:
    response = anonymous.get(path)
    assert (response.status_code, response.text) == (200, "ok")


def test_version_answers_without_a_token_as_kube_apiserver_s_public_info(anonymous: TestClient) -> None:
    response = anonymous.get("/version")
    assert response.status_code == 200
    assert response.json()["gitVersion"].startswith("v")


def test_the_right_token_is_let_in_whatever_the_scheme_case(anonymous: TestClient) -> None:
    assert anonymous.get("/api/v1/pods", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Bearer " + "x" * len(TOKEN),  # same length, other bytes
        "Bearer " + TOKEN[:-1] + chr(ord(TOKEN[-1]) + 1),  # one byte off
        f"Bearer {TOKEN}x",  # longer
        f"Bearer {TOKEN[:-1]}",  # shorter
        f"Basic {TOKEN}",
        TOKEN,
        "Bearer",
        "Bearer ",
    ],
)
def test_any_other_token_or_scheme_is_unauthorized(anonymous: TestClient, header: str) -> None:
    assert anonymous.get("/api/v1/pods", headers={"Authorization": header}).status_code == 401


def test_tokens_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[object, object]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert token_matches("Bearer abc", "abc")
    assert not token_matches("Bearer abd", "abc")
    assert not token_matches("Bearer abcd", "abc")
    assert not token_matches(None, "abc")
    assert len(compared) == 3, "every presented token goes through compare_digest"
    assert {len(str(a)) for pair in compared for a in pair} == {64}, "digests: the length does not show"


def test_a_wrong_token_is_logged_with_the_client_and_path_and_none_of_the_token(
    anonymous: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    presented = "Zq8XvT3mLp0WnR7kYb2H-wrong"
    with caplog.at_level(logging.WARNING, logger="sparkfleet.server.auth"):
        anonymous.get("/api/v1/pods", headers={"Authorization": f"Bearer {presented}"})
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "testclient:50000" in record.getMessage(), "the client's address"
    assert "'/api/v1/pods'" in record.getMessage()
    pieces = {presented[i : i + 5] for i in range(len(presented) - 4)}
    assert not [piece for piece in pieces if piece in caplog.text]


def test_a_request_with_no_token_at_all_is_not_logged(
    anonymous: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="sparkfleet.server.auth"):
        assert anonymous.get("/api/v1/pods").status_code == 401
    assert caplog.records == []


def test_new_tokens_are_long_and_distinct() -> None:
    first, second = new_token(), new_token()
    assert first != second
    assert len(first) >= 40


# --- named tokens of a token file ---------------------------------------------------------------------


class FakeLogs:
    def __call__(
        self, namespace: str, pod_name: str, container: str, follow: bool, tail: int | None
    ) -> Iterator[bytes]:
        return iter([b"Pi is roughly 3.14\n"])


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    return tmp_path / "tokens.json"


@pytest.fixture
def named_app(cluster: EmbeddedCluster, metrics: CollectorRegistry, token_file: Path) -> Iterator[Starlette]:
    application = create_app(cluster, TOKEN, token_file=token_file, registry=metrics, log_reader=FakeLogs())
    guard = guarded(application)
    yield application
    guard.cancel()
    streams_of(application).close_all()


@pytest.fixture
def http(named_app: Starlette) -> Iterator[TestClient]:
    with TestClient(named_app) as test_client:
        yield test_client


@pytest.fixture
def reader(token_file: Path) -> dict[str, str]:
    """The header of a read-only token named ci."""
    return bearer(add_token(token_file, "ci", read_only=True, now=NOW)[1])


def test_a_read_only_token_reads_lists_logs_and_metrics(
    http: TestClient, cluster: EmbeddedCluster, reader: dict[str, str]
) -> None:
    cluster.create(pod("driver"))
    assert [p["metadata"]["name"] for p in http.get(PODS, headers=reader).json()["items"]] == ["driver"]
    assert http.get(f"{PODS}/driver", headers=reader).json()["metadata"]["name"] == "driver"
    assert http.get(f"{PODS}/driver/log", headers=reader).text == "Pi is roughly 3.14\n"
    assert "sparkfleet_test_jobs" in http.get("/metrics", headers=reader).text
    assert http.get("/openapi/v3", headers=reader).status_code == 200


def test_a_read_only_token_may_not_create_and_gets_kube_apiserver_s_forbidden_status(
    http: TestClient, cluster: EmbeddedCluster, reader: dict[str, str]
) -> None:
    response = http.post(PODS, json=pod("p"), headers=reader)
    assert response.status_code == 403
    assert response.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'pods is forbidden: User "readonly:ci" cannot create resource "pods" in API group "" '
        'in the namespace "default"',
        "reason": "Forbidden",
        "details": {"kind": "pods"},
        "code": 403,
    }
    assert cluster.list("Pod", "default").items == []


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", f"{PODS}/driver"), ("PATCH", f"{PODS}/driver"), ("DELETE", f"{PODS}/driver"), ("DELETE", PODS)],
)
def test_a_read_only_token_may_change_nothing(
    http: TestClient, cluster: EmbeddedCluster, reader: dict[str, str], method: str, path: str
) -> None:
    stored = cluster.create(pod("driver", labels={"a": "b"}))
    headers = {**reader, "Content-Type": "application/merge-patch+json"}
    response = http.request(method, path, json={"metadata": {"labels": {"a": "c"}}}, headers=headers)
    assert (response.status_code, response.json()["reason"]) == (403, "Forbidden")
    assert cluster.get("Pod", "default", "driver") == stored


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("PUT", f"{PODS}/p", 'pods "p" is forbidden: {who} update resource "pods" in API group "" {ns}'),
        (
            "PATCH",
            f"{PODS}/p/status",
            'pods "p" is forbidden: {who} patch resource "pods/status" in API group "" {ns}',
        ),
        ("DELETE", PODS, 'pods is forbidden: {who} deletecollection resource "pods" in API group "" {ns}'),
        (
            "DELETE",
            "/api/v1/nodes/n1",
            'nodes "n1" is forbidden: {who} delete resource "nodes" in API group "" at the cluster scope',
        ),
        (
            "POST",
            SPARK_APPS,
            'sparkapplications.sparkoperator.k8s.io is forbidden: {who} create resource "sparkapplications" '
            'in API group "sparkoperator.k8s.io" {ns}',
        ),
        ("POST", "/metrics", 'forbidden: {who} post path "/metrics"'),
    ],
)
def test_forbidden_messages_name_the_verb_resource_group_and_scope_as_rbac_does(
    method: str, path: str, message: str
) -> None:
    expected = message.format(who='User "readonly:ci" cannot', ns='in the namespace "default"')
    assert forbidden(Identity("readonly:ci", read_only=True), method, path).message == expected


def test_forbidden_details_carry_the_resource_group_and_name(
    http: TestClient, reader: dict[str, str]
) -> None:
    response = http.delete(f"{SPARK_APPS}/pi", headers=reader)
    assert response.json()["details"] == {
        "name": "pi",
        "group": "sparkoperator.k8s.io",
        "kind": "sparkapplications",
    }


def test_a_full_access_named_token_may_write(
    http: TestClient, cluster: EmbeddedCluster, token_file: Path
) -> None:
    _, token = add_token(token_file, "deployer", read_only=False, now=NOW)
    assert http.post(SPARK_APPS, json=spark_app("pi"), headers=bearer(token)).status_code == 201
    assert cluster.get("SparkApplication", "default", "pi")["metadata"]["name"] == "pi"


def test_tokens_made_and_revoked_while_the_server_runs_take_effect_at_once(
    http: TestClient, token_file: Path
) -> None:
    assert http.get(PODS, headers=AUTH).status_code == 200, "served before any token file exists"
    _, token = add_token(token_file, "ci", read_only=True, now=NOW)
    assert http.get(PODS, headers=bearer(token)).status_code == 200
    _, other = add_token(token_file, "other", read_only=True, now=NOW)
    assert delete_token(token_file, "ci")
    response = http.get(PODS, headers=bearer(token))
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert http.get(PODS, headers=bearer(other)).status_code == 200, "the other token stays"
    token_file.unlink()
    assert http.get(PODS, headers=bearer(other)).status_code == 401
    assert http.get(PODS, headers=AUTH).status_code == 200, "the cluster token is not in the file"


def test_a_broken_token_file_lets_no_named_token_in_and_says_why(
    http: TestClient, token_file: Path, reader: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    assert http.get(PODS, headers=reader).status_code == 200
    token_file.write_text("{not json")
    with caplog.at_level(logging.ERROR, logger="sparkfleet.server.tokens"):
        assert http.get(PODS, headers=reader).status_code == 401
        assert http.get(PODS, headers=reader).status_code == 401
    [said] = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]  # once, not per request
    assert said.startswith(
        f"no named token is accepted until the token file is fixed: {token_file} is not a token file: "
    )
    assert http.get(PODS, headers=AUTH).status_code == 200
