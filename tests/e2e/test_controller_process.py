"""The controllers in a process of their own, over the API, as on EKS: `up --controllers-out-of-process`
serves the API and runs the kubelet, and `sparkfleet controller` leads on the Lease and runs every
controller through the HTTP adapter. Real Spark jobs complete, fall back and retry as in one process, and
when the leader is killed mid-run of fifty applications a standby takes over and every one completes
with one driver."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from sparkfleet.cli.controller_verbs import DEFAULT_LEASE, USER_AGENT
from sparkfleet.cli.controllerchild import CONTROLLER_LOG, LEASE_NAMESPACE, controller_command
from sparkfleet.cluster import Obj
from sparkfleet.server import RemoteCluster
from support.background import NS, Background, app_state, retried, spark_app
from support.cli import EXAMPLES
from support.fallback import assert_fell_back_to_intel_with_its_gang_reserved
from support.rbac import calls_made, refused_calls

pytestmark = pytest.mark.e2e

TERMINAL = {"COMPLETED", "FAILED"}
AUDIT_LOG = "audit.log"
# A driver that does no Spark work: fifty JVMs would not fit a test's time on two cores, and the
# controllers' part (submission, scheduling, nodes, completion) is the same.
BRIEF_DRIVER = "import time\ntime.sleep(4)\nprint('done', flush=True)\n"


def start(home: Path, config: Path | None = None) -> Background:
    background = Background(home, config, controllers_out_of_process=True, audit_log=home / AUDIT_LOG)
    background.up()
    return background


def assert_the_deployments_rbac_allows_every_call(home: Path) -> None:
    """What the controller did here, it may do on EKS with deploy/base's roles."""
    made = calls_made(home / AUDIT_LOG, USER_AGENT)
    assert {"create core/pods/binding", "update coordination.k8s.io/leases"} <= made, made
    assert refused_calls(home / AUDIT_LOG, USER_AGENT) == []


@pytest.fixture
def cluster(home: Path) -> Iterator[Background]:
    background = start(home)
    try:
        yield background
    finally:
        background.close()


def apply_file(api: RemoteCluster, path: Path) -> None:
    for doc in yaml.safe_load_all(path.read_text()):
        if doc:
            api.create(doc)


def wait_for_end(api: RemoteCluster, name: str, timeout: float = 300.0) -> Obj:
    deadline = time.monotonic() + timeout
    while True:
        app = retried(lambda: api.get("SparkApplication", NS, name))
        if app_state(app) in TERMINAL:
            return app
        assert time.monotonic() < deadline, f"{name} stayed {app_state(app)}"
        time.sleep(0.5)


def lease_holder(api: RemoteCluster) -> dict[str, object]:
    spec: dict[str, object] = api.get("Lease", LEASE_NAMESPACE, DEFAULT_LEASE)["spec"]
    return spec


def controller_pids(home: Path) -> list[int]:
    """The `sparkfleet controller` processes serving the cluster in `home`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"controller" in argv and str(home).encode() in argv:
            found.append(int(entry.name))
    return found


def test_the_pi_job_completes_with_the_controllers_in_their_own_process(cluster: Background) -> None:
    api = cluster.api
    apply_file(api, EXAMPLES / "pyspark-pi-job.yaml")
    end = wait_for_end(api, "pyspark-pi-karpenter")
    assert app_state(end) == "COMPLETED"
    assert end["status"]["executionAttempts"] == 1
    log = (cluster.home / CONTROLLER_LOG).read_text()
    assert "starting the controllers: disruption, provisioner, scheduler, spark" in log
    assert str(lease_holder(api)["holderIdentity"])
    assert len(controller_pids(cluster.home)) == 1
    # The controllers' own metrics are on the controller's address, with controller-runtime's gauge.
    listen = re.search(r"/metrics on (127\.0\.0\.1:\d+)", log)
    assert listen is not None
    metrics = httpx.get(f"http://{listen.group(1)}/metrics", timeout=10).text
    assert 'leader_election_master_status{name="sparkfleet-controller"} 1.0' in metrics
    assert "spark_application_submit_count" in metrics
    assert_the_deployments_rbac_allows_every_call(cluster.home)


def test_without_graviton_capacity_the_multiarch_job_falls_back_with_its_gang_reserved(
    home: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "scenario.yaml").write_text((EXAMPLES / "scenarios" / "graviton-unavailable.yaml").read_text())
    background = start(home, config)
    try:
        api = background.api
        apply_file(api, EXAMPLES / "pyspark-pi-multiarch.yaml")
        end = wait_for_end(api, "pyspark-pi-multiarch")
        assert app_state(end) == "COMPLETED"
        assert_fell_back_to_intel_with_its_gang_reserved(api)
    finally:
        background.close()
    assert_the_deployments_rbac_allows_every_call(home)


def test_a_failing_driver_is_retried_then_failed_with_its_exit_code(
    cluster: Background, tmp_path: Path
) -> None:
    script = tmp_path / "fail.py"
    script.write_text("import sys\nprint('about to fail')\nsys.exit(3)\n")
    job = spark_app(
        "fails", script, restart={"type": "OnFailure", "onFailureRetries": 1, "onFailureRetryInterval": 1}
    )
    cluster.api.create(job)
    end = wait_for_end(cluster.api, "fails")
    assert app_state(end) == "FAILED"
    assert "ExitCode: 3" in end["status"]["applicationState"]["errorMessage"]
    assert end["status"]["executionAttempts"] == 2, "one run and one retry (onFailureRetries: 1)"


def test_when_the_leader_is_killed_a_standby_takes_over_and_every_application_completes_once(
    cluster: Background, tmp_path: Path
) -> None:
    api = cluster.api
    first = retried(lambda: lease_holder(api))["holderIdentity"]  # once the controller leads
    (leader,) = controller_pids(cluster.home)
    with (tmp_path / "standby.log").open("wb") as log:
        standby = subprocess.Popen(controller_command(cluster.home, None), stdout=log, stderr=log)
    try:
        script = tmp_path / "job.py"
        script.write_text(BRIEF_DRIVER)
        names = [f"failover-{i}" for i in range(50)]
        for name in names:
            api.create(spark_app(name, script))
        deadline = time.monotonic() + 180
        while (
            sum(app_state(a) in ("RUNNING", "COMPLETED") for a in api.list("SparkApplication", NS).items) < 5
        ):
            assert time.monotonic() < deadline, "no application started"
            time.sleep(0.2)
        os.kill(leader, signal.SIGKILL)  # no release: the standby waits the Lease out
        ends = {name: wait_for_end(api, name) for name in names}
        holder = lease_holder(api)
    finally:
        standby.terminate()
        standby.wait(60)
    assert holder["holderIdentity"] not in ("", first)
    assert int(str(holder["leaseTransitions"])) >= 1
    assert {n: app_state(e) for n, e in ends.items()} == dict.fromkeys(names, "COMPLETED")
    assert all(e["status"]["executionAttempts"] == 1 for e in ends.values())
    drivers = [p for p in api.list("Pod", NS).items if p["metadata"]["name"].endswith("-driver")]
    assert sorted(p["metadata"]["name"] for p in drivers) == sorted(f"{n}-driver" for n in names)
    submitted = [e for e in api.list("Event", NS).items if e.get("reason") == "SparkApplicationSubmitted"]
    assert sum(int(e.get("count") or 1) for e in submitted) == len(names), "each driver submitted once"
