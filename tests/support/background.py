"""A background cluster (`sparkfleet up`) driven from a test: started, killed with SIGKILL, brought up
again, and read through its API; plus SparkApplications that run a script of the test's."""

from __future__ import annotations

import contextlib
import copy
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import yaml

from sparkfleet.cli.daemon import start_background, stop_background
from sparkfleet.cli.home import process_alive, read_server
from sparkfleet.clock import SystemClock
from sparkfleet.cluster import Obj
from sparkfleet.runtime.local import LocalRuntime
from sparkfleet.server import RemoteCluster

from .cli import PI

NS = "spark-team-a"
T = TypeVar("T")


class Background:
    """The cluster `up` runs for `home` (the test's $SPARKFLEET_HOME), with `config` as its --config;
    `controllers_out_of_process` as `up --controllers-out-of-process`, `audit_log` as `--audit-log-path`."""

    def __init__(
        self,
        home: Path,
        config: Path | None = None,
        *,
        controllers_out_of_process: bool = False,
        audit_log: Path | None = None,
    ) -> None:
        self.home, self.config = home, config
        self.controllers_out_of_process = controllers_out_of_process
        self.audit_log = audit_log
        self.client: RemoteCluster | None = None

    def up(self) -> RemoteCluster:
        started = start_background(
            "default",
            self.config,
            controllers_out_of_process=self.controllers_out_of_process,
            audit_log=self.audit_log,
        )
        if self.client is not None:
            self.client.close()
        info = started.server
        self.client = RemoteCluster(info.url, info.token, ca_file=info.ca_file)
        return self.client

    @property
    def api(self) -> RemoteCluster:
        assert self.client is not None, "the cluster is not up"
        return self.client

    def pid(self) -> int:
        info = read_server(self.home)
        assert info is not None, "the cluster is not up"
        return info.pid

    def kill(self) -> None:
        """SIGKILL the cluster process, as a crash or the OOM killer would, and wait until it is gone."""
        pid = self.pid()
        os.kill(pid, signal.SIGKILL)
        while process_alive(pid):
            time.sleep(0.02)

    def down(self, *, drain: bool = False) -> None:
        assert stop_background("default", drain=drain)

    def close(self) -> None:
        """Stop the cluster and its pods; processes a killed cluster left are ended too."""
        if self.client is not None:
            self.client.close()
        stop_background("default", drain=True)
        runtime = LocalRuntime(self.home, SystemClock())
        runtime.reap_orphans()
        runtime.close()


def retried(call: Callable[[], T], timeout: float = 60.0) -> T:
    """`call()`, tried again while the API does not answer (a restart in progress)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def spark_app(
    name: str, script: Path, *, queue: str = "root.test", restart: dict[str, Any] | None = None
) -> Obj:
    """The blueprint's pi job renamed, in `queue`, running `script`, with one executor."""
    doc: Obj = copy.deepcopy(next(d for d in yaml.safe_load_all(PI.read_text()) if d))
    doc["metadata"]["name"] = name
    doc["metadata"]["labels"] = {"app": name, "queue": queue}
    spec = doc["spec"]
    spec["mainApplicationFile"] = str(script)
    spec["executor"]["instances"] = 1
    # Short-lived JVMs: the C1 compiler alone and the serial collector about halve their CPU time.
    spec["sparkConf"] = {
        "spark.ui.enabled": "false",
        "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    }
    spec["restartPolicy"] = restart or {"type": "Never"}
    return doc


def app_state(app: Obj) -> str | None:
    found: str | None = ((app.get("status") or {}).get("applicationState") or {}).get("state")
    return found


def wait_for_state(cluster: Background, name: str, states: set[str], timeout: float = 180.0) -> Obj:
    """The SparkApplication `name` of NS once its state is one of `states`."""
    deadline = time.monotonic() + timeout
    while True:
        app = retried(lambda: cluster.api.get("SparkApplication", NS, name))
        if app_state(app) in states:
            return app
        assert time.monotonic() < deadline, f"{name} stayed {app_state(app)}"
        time.sleep(0.25)


@contextlib.contextmanager
def kubernetes_mode(
    home: Path, config: Path, runtime: str = "", scenario: str | None = None
) -> Iterator[Background]:
    """The cluster in `home` running Spark on Kubernetes, with more of settings.yaml's `runtime:`, and the
    simulated EC2's `scenario` (scenario.yaml) when given."""
    config.mkdir()
    (config / "settings.yaml").write_text(f"runtime:\n  sparkMode: kubernetes\n{runtime}")
    if scenario is not None:
        (config / "scenario.yaml").write_text(scenario)
    background = Background(home, config)
    try:
        yield background
    finally:
        background.close()
