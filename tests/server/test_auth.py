"""Bearer tokens: every path but the probes needs `Authorization: Bearer <token>`."""

from __future__ import annotations

import pytest

from sparkfleet.server.auth import new_token, token_matches

from .builders import TOKEN, TestClient


@pytest.mark.parametrize("path", ["/api", "/api/v1/namespaces/default/pods", "/apis", "/version", "/metrics"])
def test_requests_without_a_token_are_unauthorized(anonymous: TestClient, path: str) -> None:
    response = anonymous.get(path)
    assert response.status_code == 401
    assert response.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "details": {},
        "code": 401,
    }
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}x", "Bearer wrong", f"Basic {TOKEN}", TOKEN, "Bearer"])
def test_a_wrong_token_or_scheme_is_unauthorized(anonymous: TestClient, header: str) -> None:
    assert anonymous.get("/api/v1/pods", headers={"Authorization": header}).status_code == 401


def test_the_right_token_is_let_in_whatever_the_scheme_case(anonymous: TestClient) -> None:
    assert anonymous.get("/api/v1/pods", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/livez"])
def test_probes_are_open(anonymous: TestClient, path: str) -> None:
    response = anonymous.get(path)
    assert (response.status_code, response.text) == (200, "ok")


def test_token_matching_is_exact() -> None:
    assert token_matches("Bearer abc", "abc")
    assert not token_matches("Bearer abcd", "abc")
    assert not token_matches(None, "abc")


def test_new_tokens_are_long_and_distinct() -> None:
    first, second = new_token(), new_token()
    assert first != second
    assert len(first) >= 40
