"""`sparkfleet logs` and the API's pods/log (kubectl logs) read a pod's log from the archive once its
node is gone, and refuse, with kubectl's words, the log of a container that never started."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sparkfleet.cli.main import app
from sparkfleet.clock import VirtualClock
from sparkfleet.config import PlatformConfig
from sparkfleet.platform import Platform, open_embedded_store
from sparkfleet.runtime.local.archive import LogArchive
from sparkfleet.server import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's testclient warns on import about httpx
    from starlette.testclient import TestClient

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CONTAINER = "spark-kubernetes-driver"
TOKEN = "t0ken"


def driver(name: str, state: dict[str, Any] | None, node: str = "ip-10-0-1-9") -> dict[str, Any]:
    status: dict[str, Any] = {"phase": "Pending"}
    if state is not None:
        status = {"phase": "Succeeded", "containerStatuses": [{"name": CONTAINER, "state": state}]}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "labels": {"spark-role": "driver"}},
        "spec": {"nodeName": node, "containers": [{"name": CONTAINER, "image": "spark"}]},
        "status": status,
    }


ENDED = {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": "2026-01-05T08:00:00Z"}}


def seed(home: Path, tmp_path: Path) -> None:
    """A finished driver whose node is gone with its log in the archive, and one that never started."""
    store = open_embedded_store(home, VirtualClock(START))
    try:
        done = store.create(driver("pi-driver", ENDED))
        store.update_status(done)
        store.create(driver("stuck-driver", None))
        logs = tmp_path / "node-copy" / "logs"
        logs.mkdir(parents=True)
        (logs / f"{CONTAINER}.log").write_text("starting\nPi is roughly 3.14\n")
        uid = done["metadata"]["uid"]
        LogArchive(home).archive(logs, "default", "pi-driver", uid, "ip-10-0-1-9", START)
    finally:
        store.close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("SPARKFLEET_HOME", str(home))
    seed(home, tmp_path)
    return home


def test_logs_of_a_pod_whose_node_is_gone_come_from_the_archive_and_say_so(home: Path) -> None:
    result = CliRunner().invoke(app, ["logs", "pi-driver", "--tail", "1"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Pi is roughly 3.14\n"
    assert result.stderr == "(archived: node ip-10-0-1-9 is gone)\n"


def test_logs_of_a_container_that_never_started_are_an_error(home: Path) -> None:
    result = CliRunner().invoke(app, ["logs", "stuck-driver"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f'error: container "{CONTAINER}" in pod "stuck-driver" is waiting to start: ContainerCreating\n'
    )


@pytest.fixture
def api(home: Path) -> Iterator[TestClient]:
    platform = Platform(home, PlatformConfig(), VirtualClock(START))
    try:
        server = create_app(platform.store, TOKEN, log_reader=platform.log_reader)
        with TestClient(server, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
            yield client
    finally:
        platform.stop()


def test_the_api_serves_an_archived_log_and_following_it_ends(api: TestClient) -> None:
    response = api.get("/api/v1/namespaces/default/pods/pi-driver/log", params={"follow": "true"})
    assert response.status_code == 200
    assert response.text == "starting\nPi is roughly 3.14\n"


def test_the_api_answers_bad_request_for_a_container_that_never_started(api: TestClient) -> None:
    response = api.get("/api/v1/namespaces/default/pods/stuck-driver/log")
    assert response.status_code == 400
    body = response.json()
    assert (body["kind"], body["reason"]) == ("Status", "BadRequest")
    assert body["message"].endswith("is waiting to start: ContainerCreating")
