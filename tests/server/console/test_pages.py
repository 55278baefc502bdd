"""The console's pages: server-rendered, self-contained (no external asset), read-only, live over SSE."""

from __future__ import annotations

import re
import threading

import pytest
from starlette.applications import Starlette

from sparkfleet.api.wire import ANNOTATION_COST, ANNOTATION_TIMELINE
from sparkfleet.cluster import Obj
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import streams_of
from sparkfleet.server.console import PREFIX
from sparkfleet.server.console.pages import PAGES
from support.schedulerworld import APP, APP_ID, NODE, NS

from ..builders import AUTH, TestClient

EXPECTED = {
    "applications": [
        f"{NS}/{APP}",
        "root.test",
        NODE,
        "$0.0123",
        "GangReserving",
        "1 of 2 executor placeholders",
    ],
    "queues": ["root", "prod", "test", "{memory: 32Gi, vcore: 8}", APP_ID],
    "nodes": [NODE, "m5.xlarge", "on-demand", "us-west-2a", "$0.1920", f"{NS}/pi-driver"],
    "nodeclaims": ["default-x7k2p", "m5.large/us-west-2a/spot had no capacity", "InsufficientCapacityError"],
    "events": ["InsufficientCapacityError", "NodeClaim default-x7k2p"],
    "cost": ["$0.0123", "root.test", "<svg", "$0.1920/h", f"{NS}/{APP}"],
}


@pytest.mark.parametrize("page", list(PAGES))
def test_each_page_renders_what_it_is_about(client: TestClient, page: str) -> None:
    response = client.get(f"{PREFIX}/{page}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    for text in EXPECTED[page]:
        assert text in response.text, (page, text)
    assert f'sse-connect="{PREFIX}/stream/{page}"' in response.text


def test_the_application_page_shows_its_timeline_pods_and_links(client: TestClient) -> None:
    html = client.get(f"{PREFIX}/applications/{NS}/{APP}").text
    for text in ("Timeline", "Submitted", "GangReserving", "(now)", "PlaceholdersPending", "pi-exec-1"):
        assert text in html, text
    assert f'href="/api/v1/namespaces/{NS}/services/pi-ui-svc:4040/proxy/"' in html
    assert f'href="http://127.0.0.1:18080/history/{APP_ID}/"' in html


def test_absent_cost_and_timeline_read_not_yet_known(client: TestClient, cluster: EmbeddedCluster) -> None:
    cluster.patch(
        "SparkApplication",
        NS,
        APP,
        {"metadata": {"annotations": {ANNOTATION_COST: None, ANNOTATION_TIMELINE: None}}},
    )
    html = client.get(f"{PREFIX}/applications").text
    assert "cost not yet known" in html and "timeline not yet known" in html


def test_pages_load_only_their_own_assets(client: TestClient) -> None:
    html = client.get(f"{PREFIX}/applications").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    external = [s for s in sources if s.startswith(("http:", "https:", "//")) and "127.0.0.1:18080" not in s]
    assert external == []
    for asset in ("htmx.min.js", "sse.js", "console.css"):
        response = client.get(f"{PREFIX}/static/{asset}")
        assert response.status_code == 200 and len(response.content) > 1000


def test_unknown_pages_and_applications_are_404(client: TestClient) -> None:
    assert client.get(f"{PREFIX}/nope").status_code == 404
    assert client.get(f"{PREFIX}/applications/{NS}/nope").status_code == 404


def test_home_redirects_to_the_applications(client: TestClient) -> None:
    response = client.get(PREFIX, follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == f"{PREFIX}/applications"


def test_the_console_is_read_only(client: TestClient) -> None:
    # No console route takes anything but GET: a POST is an unserved path, as anywhere else.
    assert client.post(f"{PREFIX}/applications").status_code == 404


def test_a_change_in_the_store_arrives_as_an_update_of_the_page(
    app: Starlette, cluster: EmbeddedCluster, world: dict[str, Obj]
) -> None:
    guard = threading.Timer(20.0, streams_of(app).close_all)  # a broken stream fails instead of hanging
    guard.start()
    try:
        with (
            TestClient(app, headers=AUTH) as client,
            client.stream("GET", f"{PREFIX}/stream/applications") as stream,
        ):
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            assert next(lines) == "retry: 2000"
            cluster.patch(
                "SparkApplication",
                NS,
                APP,
                {"status": {"applicationState": {"state": "RUNNING"}}},
                subresource="status",
            )
            event: list[str] = []
            for line in lines:
                if line == "" and event:
                    break
                if line:
                    event.append(line)
            assert event[0] == "event: update"
            fragment = "\n".join(line.removeprefix("data: ") for line in event[1:])
            assert "<h1>Applications</h1>" in fragment and "RUNNING" in fragment
            assert "<html" not in fragment  # only the live block
    finally:
        guard.cancel()
        streams_of(app).close_all()
