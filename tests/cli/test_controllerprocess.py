"""A `sparkfleet controller` replica: probes and metrics without a token, controllers only while it holds
the Lease, and a standby that takes over as soon as the leader lets go."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from sparkfleet.cli.controllerprocess import (
    LOST_LEADERSHIP,
    ControllerOptions,
    ControllerProcess,
    JsonLogFormatter,
)
from sparkfleet.clock import SystemClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.config import PlatformConfig
from sparkfleet.platform import ControllerGroup
from sparkfleet.reconcile.leader import LeaseConfig

NS, LEASE = "default", "sparkfleet-controller"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedCluster]:
    cluster = EmbeddedCluster(tmp_path / "store.db", SystemClock())
    yield cluster
    cluster.close()


def replica(
    store: EmbeddedCluster, tmp_path: Path, identity: str, *, elect: bool = True, console: str | None = None
) -> ControllerProcess:
    options = ControllerOptions(
        groups=frozenset({ControllerGroup.SCHEDULER}),
        config=PlatformConfig(),
        state_dir=tmp_path,
        listen_port=0,
        leader_elect=elect,
        lease=LeaseConfig(NS, LEASE, identity, lease_duration=3, renew_deadline=2, retry_period=0.1),
        console_token=console,
    )
    return ControllerProcess(store, options)


def eventually(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "did not happen in time"
        time.sleep(0.05)


class Running:
    def __init__(self, process: ControllerProcess) -> None:
        self.process, self.stop = process, threading.Event()
        self.code: list[int] = []
        self.thread = threading.Thread(target=lambda: self.code.append(process.run(self.stop)))
        self.thread.start()

    def end(self) -> int:
        self.stop.set()
        self.thread.join(30)
        return self.code[0]


def test_probes_and_metrics_answer_without_a_token(store: EmbeddedCluster, tmp_path: Path) -> None:
    process = replica(store, tmp_path, "a")
    health = process.serve_health()
    client = httpx.Client(base_url=health.url, timeout=10)
    assert client.get("/healthz").text == "ok"
    assert client.get("/readyz").status_code == 503, "not ready before the API answered"
    assert 'leader_election_master_status{name="sparkfleet-controller"} 0.0' in client.get("/metrics").text
    running = Running(process)
    try:
        eventually(lambda: client.get("/readyz").status_code == 200)
        eventually(lambda: process.controllers is not None)
        metrics = client.get("/metrics").text
        assert 'leader_election_master_status{name="sparkfleet-controller"} 1.0' in metrics
        assert "yunikorn_scheduler_" in metrics, "the controllers' metrics once they run"
    finally:
        assert running.end() == 0
        client.close()
        health.stop()


def test_only_the_leader_runs_controllers_and_the_standby_takes_over_when_it_stops(
    store: EmbeddedCluster, tmp_path: Path
) -> None:
    a, b = replica(store, tmp_path, "a"), replica(store, tmp_path, "b")
    first = Running(a)
    eventually(lambda: a.controllers is not None)
    second = Running(b)
    try:
        time.sleep(0.5)  # several of b's retry periods
        assert b.controllers is None
        assert store.get("Lease", NS, LEASE)["spec"]["holderIdentity"] == "a"
        assert first.end() == 0
        assert a.controllers is None
        eventually(lambda: b.controllers is not None, timeout=2.5)  # released: no lease duration to wait
        assert store.get("Lease", NS, LEASE)["spec"]["holderIdentity"] == "b"
    finally:
        assert second.end() == 0


def test_a_leader_that_loses_the_lease_stops_its_controllers_and_says_so(
    store: EmbeddedCluster, tmp_path: Path
) -> None:
    a = replica(store, tmp_path, "a")
    running = Running(a)
    eventually(lambda: a.controllers is not None)
    lease = store.get("Lease", NS, LEASE)
    store.update({**lease, "spec": {**lease["spec"], "holderIdentity": "usurper"}})
    running.thread.join(30)
    assert running.code == [LOST_LEADERSHIP]
    assert a.controllers is None


def test_without_leader_election_the_controllers_run_until_stopped(
    store: EmbeddedCluster, tmp_path: Path
) -> None:
    a = replica(store, tmp_path, "a", elect=False)
    running = Running(a)
    eventually(lambda: a.controllers is not None)
    assert running.end() == 0
    assert a.controllers is None


def test_json_logs_carry_karpenters_keys_one_object_a_line() -> None:
    record = logging.LogRecord("sparkfleet.leader", logging.INFO, __file__, 1, "%s leads", ("a",), None)
    record.created = 1767225600.25  # 2026-01-01T00:00:00.25Z
    line = JsonLogFormatter().format(record)
    assert json.loads(line) == {
        "level": "INFO",
        "time": "2026-01-01T00:00:00.250000Z",
        "logger": "sparkfleet.leader",
        "message": "a leads",
    }


def test_with_a_console_token_the_console_is_served_behind_it_and_the_probes_stay_open(
    store: EmbeddedCluster, tmp_path: Path
) -> None:
    process = replica(store, tmp_path, "a", console="console-secret")
    health = process.serve_health()
    try:
        with httpx.Client(base_url=health.url, timeout=30) as client:
            assert client.get("/ui/applications").status_code == 401
            page = client.get("/ui/applications", headers={"Authorization": "Bearer console-secret"})
            assert page.status_code == 200
            assert "<html" in page.text.lower()
            assert client.get("/metrics").status_code == 200
            assert client.get("/healthz").text == "ok"
    finally:
        health.stop()


def test_without_a_console_token_there_is_no_console(store: EmbeddedCluster, tmp_path: Path) -> None:
    health = replica(store, tmp_path, "a").serve_health()
    try:
        assert httpx.get(f"{health.url}/ui/applications", timeout=10).status_code == 404
    finally:
        health.stop()
