"""`sparkfleet ui`: the console's sign-in address of the running cluster, or one line saying it is down;
`sparkfleet ui APP -n NS`: the address of that application's Spark UI through the API's service proxy."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sparkfleet.cli.console import console_login_url
from sparkfleet.cli.home import SERVER_FILE, ServerInfo
from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import create_app, start_server
from support.cli import sf
from support.objects import spark_app

pytestmark = pytest.mark.usefixtures("home")

NS = "spark-team-a"
TOKEN = "console-test-token"
PROXY_PATH = f"/api/v1/namespaces/{NS}/services/pi-ui-svc:4040/proxy/"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedCluster]:
    cluster = EmbeddedCluster(tmp_path / "store.db", VirtualClock(datetime(2026, 1, 2, tzinfo=UTC)))
    yield cluster
    cluster.close()


@pytest.fixture
def running(home: Path, store: EmbeddedCluster) -> Iterator[ServerInfo]:
    """The API of `store` served on loopback and recorded in the home's server.json as `sparkfleet up`
    records it (this test process stands in for the server's process)."""
    handle = start_server(create_app(store, TOKEN), TOKEN)
    home.mkdir(parents=True, exist_ok=True)
    info = {"url": handle.url, "token": TOKEN, "ca": None, "pid": os.getpid()}
    (home / SERVER_FILE).write_text(json.dumps(info))
    yield ServerInfo(handle.url, TOKEN, os.getpid())
    handle.stop()


def stored_app(store: EmbeddedCluster, state: str, driver_info: dict[str, Any]) -> None:
    """The SparkApplication `pi` of NS, with the operator's status `state` and `driverInfo`."""
    created = store.create(spark_app("pi", NS))
    created["status"] = {"applicationState": {"state": state}, "driverInfo": driver_info}
    store.update_status(created)


UI_SERVICE = {"webUIServiceName": "pi-ui-svc", "webUIPort": 4040, "podName": "pi-driver"}


def test_the_address_carries_the_token_quoted() -> None:
    assert console_login_url("https://127.0.0.1:16443/", "a+b/c") == (
        "https://127.0.0.1:16443/ui/login?token=a%2Bb%2Fc"
    )


def test_a_cluster_that_is_not_running_is_one_line() -> None:
    code, out, err = sf("ui")
    assert code == 1 and out == ""
    assert (
        err.strip()
        == "error: cluster default is not running; start it with `sparkfleet up --cluster default`"
    )


def test_an_application_of_a_cluster_that_is_not_running_is_the_same_line() -> None:
    code, out, err = sf("ui", "pi", "-n", NS)
    assert code == 1 and out == ""
    assert err.strip().startswith("error: cluster default is not running")


def test_without_an_application_it_prints_the_sign_in_address(running: ServerInfo) -> None:
    code, out, _ = sf("ui")
    assert code == 0
    assert out.splitlines() == [console_login_url(running.url, TOKEN)]


def test_a_running_driver_s_ui_is_printed_alone_on_the_first_line_then_how_to_reach_it(
    running: ServerInfo, store: EmbeddedCluster
) -> None:
    stored_app(store, "RUNNING", UI_SERVICE)
    code, out, err = sf("ui", "pi", "-n", NS)
    assert code == 0 and err == ""
    first, hint = out.splitlines()
    assert first == running.url.rstrip("/") + PROXY_PATH
    assert "sparkfleet ui" in hint and f"http://127.0.0.1:8001{PROXY_PATH}" in hint


def test_open_opens_the_spark_ui_address(
    running: ServerInfo, store: EmbeddedCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored_app(store, "RUNNING", UI_SERVICE)
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    code, out, _ = sf("ui", "pi", "-n", NS, "--open")
    assert code == 0
    assert opened == [running.url.rstrip("/") + PROXY_PATH]
    assert out.strip() == f"opened the Spark UI of {NS}/pi in the browser"


def test_the_namespace_defaults_to_default(running: ServerInfo) -> None:
    code, out, err = sf("ui", "pi")
    assert code == 1 and out == ""
    assert err.strip() == "error: SparkApplication default/pi not found"


def test_an_application_that_does_not_exist_is_one_line(running: ServerInfo) -> None:
    code, out, err = sf("ui", "nope", "-n", NS)
    assert code == 1 and out == ""
    assert err.strip() == f"error: SparkApplication {NS}/nope not found"


def test_an_application_whose_driver_has_no_ui_service_yet_is_one_line(
    running: ServerInfo, store: EmbeddedCluster
) -> None:
    stored_app(store, "SUBMITTED", {"podName": "pi-driver"})
    code, out, err = sf("ui", "pi", "-n", NS)
    assert code == 1 and out == ""
    assert err.strip() == (
        f"error: SparkApplication {NS}/pi has no driver UI yet: its Spark UI is served only while the "
        "driver runs; the History Server (`sparkfleet history-server`) shows finished applications"
    )


@pytest.mark.parametrize("state", ["COMPLETED", "FAILED"])
def test_a_finished_application_points_at_the_history_server(
    running: ServerInfo, store: EmbeddedCluster, state: str
) -> None:
    stored_app(store, state, UI_SERVICE)  # the operator leaves the driverInfo of a finished application
    code, out, err = sf("ui", "pi", "-n", NS)
    assert code == 1 and out == ""
    assert err.strip().startswith(f"error: SparkApplication {NS}/pi is {state}: ")
    assert "`sparkfleet history-server`" in err and len(err.strip().splitlines()) == 1
