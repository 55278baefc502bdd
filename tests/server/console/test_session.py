"""A browser's way in: the token once in /ui/login from loopback, then an HttpOnly SameSite=Strict cookie
that counts for reading the console only."""

from __future__ import annotations

from starlette.applications import Starlette

from sparkfleet.server.console import COOKIE, console_authorization

from ..builders import TOKEN, TestClient


def scope(
    path: str, *, method: str = "GET", client: str = "127.0.0.1", query: str = "", cookie: str = ""
) -> dict:
    headers = [(b"cookie", cookie.encode())] if cookie else []
    return {
        "type": "http",
        "path": path,
        "method": method,
        "client": (client, 50000),
        "query_string": query.encode(),
        "headers": headers,
    }


def test_the_login_path_takes_the_token_from_the_query_on_loopback_only() -> None:
    assert console_authorization(scope("/ui/login", query=f"token={TOKEN}")) == f"Bearer {TOKEN}"
    assert (
        console_authorization(scope("/ui/login", query=f"token={TOKEN}", client="::1")) == f"Bearer {TOKEN}"
    )
    assert console_authorization(scope("/ui/login", query=f"token={TOKEN}", client="10.1.2.3")) is None
    assert console_authorization(scope("/ui/queues", query=f"token={TOKEN}")) is None


def test_the_cookie_counts_for_reads_under_ui_only() -> None:
    cookie = f"{COOKIE}={TOKEN}; other=1"
    assert console_authorization(scope("/ui/queues", cookie=cookie)) == f"Bearer {TOKEN}"
    assert console_authorization(scope("/ui", cookie=cookie)) == f"Bearer {TOKEN}"
    assert console_authorization(scope("/ui/queues", cookie=cookie, method="POST")) is None
    assert console_authorization(scope("/api/v1/pods", cookie=cookie)) is None
    assert console_authorization(scope("/ws/v1/partitions", cookie=cookie)) is None
    assert console_authorization(scope("/uix", cookie=cookie)) is None
    assert console_authorization(scope("/ui/queues", cookie="garbage=\x00;;")) is None


def test_the_cookie_opens_a_drivers_spark_ui_through_the_service_proxy_for_reads() -> None:
    cookie = f"{COOKIE}={TOKEN}"
    ui = "/api/v1/namespaces/spark-team-a/services/pi-ui-svc:4040/proxy"
    for path in (ui, f"{ui}/", f"{ui}/jobs/", f"{ui}/api/v1/applications"):
        assert console_authorization(scope(path, cookie=cookie)) == f"Bearer {TOKEN}", path
    assert console_authorization(scope(f"{ui}/jobs/", cookie=cookie, method="POST")) is None
    assert (
        console_authorization(scope("/api/v1/namespaces/spark-team-a/services/pi-ui-svc", cookie=cookie))
        is None
    )
    assert (
        console_authorization(scope("/api/v1/namespaces/spark-team-a/pods/x/proxy/", cookie=cookie)) is None
    )


def test_signing_in_sets_the_cookie_and_leaves_the_token_out_of_the_address(app: Starlette) -> None:
    with TestClient(app, base_url="https://testserver", client=("127.0.0.1", 50000)) as browser:
        assert browser.get("/ui/applications").status_code == 401
        response = browser.get(f"/ui/login?token={TOKEN}", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/ui/"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}={TOKEN};")
        for attribute in ("HttpOnly", "Path=/", "SameSite=strict", "Secure"):
            assert attribute.lower() in cookie.lower(), cookie
        page = browser.get("/ui/applications")
        assert page.status_code == 200 and "spark-team-a/pi" in page.text
        # The cookie opens the console, not the API.
        assert browser.get("/api/v1/pods").status_code == 401


def test_a_wrong_token_signs_nobody_in(app: Starlette) -> None:
    with TestClient(app, client=("127.0.0.1", 50000)) as browser:
        response = browser.get("/ui/login?token=wrong", follow_redirects=False)
        assert response.status_code == 401 and "set-cookie" not in response.headers


def test_no_login_from_another_host(app: Starlette) -> None:
    with TestClient(app, client=("192.0.2.7", 50000)) as browser:
        assert browser.get(f"/ui/login?token={TOKEN}", follow_redirects=False).status_code == 401
