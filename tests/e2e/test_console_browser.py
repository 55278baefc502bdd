"""The web console in a real browser: Debian's Chromium, headless, driven by Playwright, against `up`.

The browser signs in as a person does (the address `sparkfleet ui` prints), watches the applications page
while a job is applied and runs (the row appears and its state moves on without a reload: server-sent
events), then loads every page and checks that it shows the application, its queue, its node, its cost
and its timeline as the cluster holds them. A screenshot of each page is written under
build/screenshots/ and checked to be a picture, not a blank.
"""

from __future__ import annotations

import json
import shutil
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sparkfleet.api.appinsight import cost_of, current_phase, timeline_of
from support.browser import launch, require_chromium
from support.cli import EXAMPLES, PI, ROOT
from support.cli import sf_ok as sf
from support.png import colour_counts

pytestmark = pytest.mark.e2e

SCREENSHOTS = ROOT / "build" / "screenshots"
NS = "spark-team-a"
APP = "pyspark-pi-karpenter"
ROW = f'tr[data-app="{NS}/{APP}"]'


@pytest.fixture
def cluster(home: Path, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A running `sparkfleet up` with the blueprint's NodePools and queues: its server.json."""
    require_chromium()
    config = tmp_path / "config"
    config.mkdir()
    for name in ("nodepools.yaml", "ec2nodeclasses.yaml", "queues.yaml"):
        shutil.copy(EXAMPLES / "config" / name, config / name)
    sf("up", "--config", str(config), "--port", "0")
    try:
        yield json.loads((home / "server.json").read_text())
    finally:
        sf("down", "--drain")


def api(server: dict[str, Any], path: str) -> Any:
    response = httpx.get(
        f"{server['url']}{path}",
        headers={"Authorization": f"Bearer {server['token']}"},
        verify=ssl.create_default_context(cafile=server["ca"]),
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


def shoot(page: Any, name: str) -> None:
    """A full-page screenshot, which must be a picture: many colours, none covering nearly all of it."""
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    counts = colour_counts(path.read_bytes())
    total = sum(counts.values())
    assert len(counts) >= 16, f"{path} has {len(counts)} colours: blank"
    assert counts.most_common(1)[0][1] < 0.98 * total, f"{path} is nearly one colour"


def state_is(page: Any, *states: str, timeout: float) -> None:
    page.wait_for_function(
        "([row, states]) => { const cell = document.querySelector(row + ' td.state');"
        " return cell && states.some(s => cell.textContent.includes(s)); }",
        arg=[ROW, list(states)],
        timeout=timeout * 1000,
    )


def test_every_page_in_chromium_with_a_live_update_while_a_job_runs(cluster: dict[str, Any]) -> None:
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    sign_in = sf("ui").strip()
    assert sign_in == f"{cluster['url']}/ui/login?token={cluster['token']}"
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            # The cluster's CA is not the browser's: accept its certificate, as a user would once.
            context = browser.new_context(ignore_https_errors=True, viewport={"width": 1400, "height": 900})
            page = context.new_page()
            external: list[str] = []
            page.on(
                "request",
                lambda r: external.append(r.url) if not r.url.startswith(cluster["url"]) else None,
            )
            page.goto(sign_in)
            assert page.url == f"{cluster['url']}/ui/applications"  # the token left the address bar
            cookie = next(c for c in context.cookies() if c["name"] == "sparkfleet-console")
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["secure"]
            page.evaluate("window.sparkfleetMarker = 'not reloaded'")

            # Live: the application appears and moves on while the page stays loaded.
            sf("apply", "-f", str(PI))
            page.wait_for_selector(ROW, timeout=60_000)
            state_is(page, "RUNNING", "SUCCEEDING", "COMPLETED", timeout=120)
            assert page.evaluate("window.sparkfleetMarker") == "not reloaded"

            (scheduled,) = [
                a
                for a in api(cluster, "/ws/v1/partition/default/applications/active")
                if a["applicationID"] == APP
            ] or [None]
            assert scheduled is not None and scheduled["queueName"] == "root.test"
            driver = api(cluster, f"/api/v1/namespaces/{NS}/pods/{APP}-driver")
            node = driver["spec"]["nodeName"]
            assert node

            page.goto(f"{cluster['url']}/ui/nodes")
            row = page.locator(f'tr[data-node="{node}"]')
            assert f"{NS}/{APP}-driver" in row.inner_text()
            labels = api(cluster, f"/api/v1/nodes/{node}")["metadata"]["labels"]
            for label in (
                "karpenter.sh/nodepool",
                "node.kubernetes.io/instance-type",
                "karpenter.sh/capacity-type",
            ):
                assert labels[label] in row.inner_text()
            assert "$" in row.inner_text()
            shoot(page, "nodes")

            page.goto(f"{cluster['url']}/ui/nodeclaims")
            assert node in page.locator("table.claims").inner_text()
            shoot(page, "nodeclaims")

            page.goto(f"{cluster['url']}/ui/queues")
            test_queue = page.locator('tr[data-queue="root.test"]')
            assert test_queue.count() == 1
            shoot(page, "queues")

            page.goto(f"{cluster['url']}/ui/applications")
            state_is(page, "COMPLETED", timeout=180)
            row_text = page.locator(ROW).inner_text()
            assert "root.test" in row_text and node in row_text
            app = api(cluster, f"/apis/sparkoperator.k8s.io/v1beta2/namespaces/{NS}/sparkapplications/{APP}")
            cost, timeline = cost_of(app), timeline_of(app)
            assert (f"${cost.total:.4f}" if cost else "cost not yet known") in row_text
            if timeline:
                last = current_phase(timeline) or timeline[-1]
                assert last.phase in row_text
            else:
                assert "timeline not yet known" in row_text
            shoot(page, "applications")

            page.click(f"{ROW} a[href='/ui/applications/{NS}/{APP}']")
            page.wait_for_url(f"**/ui/applications/{NS}/{APP}")
            detail = page.inner_text("main")
            assert "root.test" in detail
            assert f"{APP}-driver" in detail or "No live pods" in detail
            assert "Timeline" in detail
            if timeline:
                assert all(p.phase in detail for p in timeline)
            else:
                assert "timeline not yet known" in detail
            links = page.locator("dd a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
            assert any("/history/" in href for href in links), links
            shoot(page, "application")

            page.goto(f"{cluster['url']}/ui/cost")
            cost_text = page.inner_text("main")
            assert f"{NS}/{APP}" in cost_text
            if cost:
                assert f"${cost.total:.4f}" in cost_text and "root.test" in cost_text
            else:
                assert "cost not yet known" in cost_text
            shoot(page, "cost")

            page.goto(f"{cluster['url']}/ui/events")
            events_text = page.inner_text("main")
            assert "SparkApplicationSubmitted" in events_text and f"{NS}/{APP}" in events_text
            shoot(page, "events")

            assert external == [], f"the console asked for assets off the cluster: {external}"
        finally:
            browser.close()
