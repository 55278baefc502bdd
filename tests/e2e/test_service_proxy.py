"""A running driver's Spark UI and REST API through the API server's service proxy, with real Spark, the
real kubectl and a real browser: the path the web console links to, served as kube-apiserver serves it,
and the console's link followed in Chromium."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sparkfleet.cli.home import ServerInfo, read_server
from support.background import NS, Background, app_state, spark_app, wait_for_state
from support.browser import launch, require_chromium
from support.kubectl import Kubectl, kubectl_binary

pytestmark = pytest.mark.e2e

APP = "ui-proxy"
# The driver keeps its session (and so its UI) up until the test creates the file named by its argument.
WAITING_JOB = """\
import pathlib, sys, time
from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("ui-proxy").getOrCreate()
print("rows:", spark.range(1000).count(), flush=True)
while not pathlib.Path(sys.argv[1]).exists():
    time.sleep(0.1)
spark.stop()
"""


@pytest.fixture
def cluster(home: Path) -> Iterator[Background]:
    kubectl_binary()  # a machine without kubectl fails (or skips) before `up`
    require_chromium()
    background = Background(home)
    try:
        yield background
    finally:
        background.close()


def applications_when_served(kubectl: Kubectl, path: str, timeout: float = 120.0) -> list[dict[str, Any]]:
    """Spark's application list from `kubectl get --raw PATH`, asked again while the driver's UI is not up
    yet (503 before it listens, then Spark's "starting up" page until its context is ready)."""
    deadline = time.monotonic() + timeout
    while True:
        done: subprocess.CompletedProcess[str] = kubectl.run("get", "--raw", path)
        if done.returncode == 0 and done.stdout.lstrip().startswith("["):
            found: list[dict[str, Any]] = json.loads(done.stdout)
            return found
        assert time.monotonic() < deadline, f"the UI never served its REST API: {done.stderr}{done.stdout}"
        time.sleep(0.5)


def test_the_spark_ui_and_rest_api_of_a_running_driver_are_served_through_the_service_proxy(
    cluster: Background, home: Path, tmp_path: Path
) -> None:
    script, go = tmp_path / "job.py", tmp_path / "go"
    script.write_text(WAITING_JOB)
    api = cluster.up()
    job = spark_app(APP, script)
    job["spec"]["sparkConf"]["spark.ui.enabled"] = "true"
    job["spec"]["arguments"] = [str(go)]
    api.create(job)
    running = wait_for_state(cluster, APP, {"RUNNING"})
    info = running["status"]["driverInfo"]
    prefix = f"/api/v1/namespaces/{NS}/services/{info['webUIServiceName']}:{info['webUIPort']}/proxy"
    kubectl = Kubectl(kubectl_binary(), home / "kubeconfig")
    server = read_server(home)
    assert isinstance(server, ServerInfo)

    applications = applications_when_served(kubectl, prefix + "/api/v1/applications")
    assert [a["name"] for a in applications] == [APP]

    auth = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=server.url, verify=server.verify(), timeout=30.0) as http:
        root = http.get(prefix + "/", headers=auth)
        assert root.is_redirect, root.text
        assert root.headers["location"].startswith(prefix + "/jobs"), "Spark's redirect stays in the proxy"
        page = http.get(prefix + "/jobs/", headers=auth)
        assert page.status_code == 200, page.text
        assert page.headers["content-type"].startswith("text/html")
        assert f'href="{prefix}/jobs/"' in page.text, "the UI's links carry the proxy path"
        assert f'href="{prefix}/static/' in page.text

        refused = http.get(prefix + "/jobs/")
        assert (refused.status_code, refused.json()["reason"]) == (401, "Unauthorized")
        missing = http.get(f"/api/v1/namespaces/{NS}/services/no-such-svc:4040/proxy/", headers=auth)
        assert missing.status_code == 404
        assert (missing.json()["kind"], missing.json()["reason"]) == ("Status", "NotFound")

    # The web console's link, followed in a real browser signed in to the console.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_context(ignore_https_errors=True).new_page()
            page.goto(f"{server.url}/ui/login?token={server.token}")
            page.locator(f'tr[data-app="{NS}/{APP}"] a', has_text="Spark UI").click()
            page.wait_for_url(f"{server.url}{prefix}/jobs/")
            assert "Spark Jobs" in page.title()
            assert page.locator(f'a[href="{prefix}/stages/"]').count() > 0  # its tabs stay in the proxy
        finally:
            browser.close()

    driver = api.get("Pod", NS, info["podName"])
    assert "sparkfleet.io/loopback-ports" in driver["metadata"]["annotations"]
    go.touch()
    done = wait_for_state(cluster, APP, {"COMPLETED", "FAILED"})
    assert app_state(done) == "COMPLETED", done["status"]
