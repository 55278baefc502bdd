"""The seed document's walk-through, verbatim, with the real kubectl against `sparkfleet up`.

kubectl runs as a user runs it: the kubeconfig `up` wrote, no proxy, no extra flags. The blueprint's
NodePools are used as they are but for `consolidateAfter`, shortened so that the driver's empty node is
consolidated within the test and its log has to come from the archive.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sparkfleet.cli.main import app

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PI = ROOT / "examples" / "pyspark-pi-job.yaml"
NS = "spark-team-a"
DRIVER = "pyspark-pi-karpenter-driver"
KUBECTL = shutil.which("kubectl")

if KUBECTL is None:
    if os.environ.get("SPARKFLEET_ALLOW_NO_KUBECTL") != "1":
        raise RuntimeError("kubectl is not on PATH: install it, or set SPARKFLEET_ALLOW_NO_KUBECTL=1 to skip")
    pytestmark = [
        pytestmark,
        pytest.mark.skip(reason="kubectl is not on PATH (SPARKFLEET_ALLOW_NO_KUBECTL=1)"),
    ]


def sf(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def kubeconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A running `sparkfleet up` whose NodePools consolidate empty nodes after 5 s; its kubeconfig."""
    home = tmp_path / "home"
    monkeypatch.setenv("SPARKFLEET_HOME", str(home))
    config = tmp_path / "config"
    config.mkdir()
    for name in ("nodepools.yaml", "ec2nodeclasses.yaml", "queues.yaml"):
        text = (ROOT / "examples" / "config" / name).read_text()
        (config / name).write_text(text.replace("consolidateAfter: 1m", "consolidateAfter: 5s"))
    sf("up", "--config", str(config), "--port", "0")
    try:
        yield home / "kubeconfig"
    finally:
        sf("down")


def kubectl_env(kubeconfig: Path) -> dict[str, str]:
    """The user's environment with the kubeconfig `up` wrote (and kubectl's cache beside it, not in ~)."""
    return {
        **os.environ,
        "KUBECONFIG": str(kubeconfig),
        "KUBECACHEDIR": str(kubeconfig.parent / "kube-cache"),
    }


def kubectl(kubeconfig: Path, *args: str, timeout: float = 60) -> str:
    done = subprocess.run(
        [str(KUBECTL), *args],
        env=kubectl_env(kubeconfig),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr}{done.stdout}"
    return done.stdout


def watch_pods(kubeconfig: Path) -> subprocess.Popen[str]:
    """`kubectl get pods -n spark-team-a -w`, in the background."""
    return subprocess.Popen(
        [str(KUBECTL), "get", "pods", "-n", NS, "-w"],
        env=kubectl_env(kubeconfig),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def driver_statuses(process: subprocess.Popen[str], deadline: float) -> tuple[list[str], list[str]]:
    """What the watch printed, and the STATUS cells of the driver's rows, read until the driver shows
    Completed or the deadline passes; then the watch is stopped."""
    assert process.stdout is not None
    lines: list[str] = []
    statuses: list[str] = []
    os.set_blocking(process.stdout.fileno(), False)
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            time.sleep(0.1)
            continue
        lines.append(line.rstrip("\n"))
        cells = line.split()
        if cells and cells[0] == DRIVER:
            statuses.append(cells[2])
            if cells[2] == "Completed":
                break
    process.terminate()
    process.wait(10)
    return lines, statuses


def columns(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """kubectl's table output: the header's names, then each row as {column: cell}, cut at the columns'
    starting offsets (cells may be blank)."""
    header, *lines = text.splitlines()
    names = header.split()
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    bounds = [*starts[1:], None]
    rows = [{n: line[a:b].strip() for n, a, b in zip(names, starts, bounds, strict=True)} for line in lines]
    return names, rows


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"{what} did not happen in {timeout} s")


def test_the_seed_walk_through_with_the_real_kubectl(kubeconfig: Path) -> None:
    with watch_pods(kubeconfig) as watcher:
        try:
            time.sleep(1)  # the watch is open before the application exists
            applied = kubectl(kubeconfig, "apply", "-f", str(PI))
            assert applied.strip() == "sparkapplication.sparkoperator.k8s.io/pyspark-pi-karpenter created"
            lines, statuses = driver_statuses(watcher, time.monotonic() + 240)
        finally:
            if watcher.poll() is None:
                watcher.kill()
    assert columns(lines[0])[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"], lines
    seen = [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s]
    assert seen[0] == "Pending" and seen[-1] == "Completed", "\n".join(lines)
    assert "Running" in seen, statuses

    wait_for(
        lambda: "COMPLETED" in kubectl(kubeconfig, "get", "sparkapplications", "-A"),
        60,
        "the application reaching COMPLETED",
    )
    header, rows = columns(kubectl(kubeconfig, "get", "sparkapplications", "-A"))
    # The upstream CRD's printer columns, in its order.
    assert header == ["NAMESPACE", "NAME", "SUSPEND", "STATUS", "ATTEMPTS", "START", "FINISH", "AGE"]
    (row,) = rows
    assert (row["NAMESPACE"], row["NAME"], row["STATUS"], row["ATTEMPTS"]) == (
        NS,
        "pyspark-pi-karpenter",
        "COMPLETED",
        "1",
    )

    described = kubectl(kubeconfig, "describe", "sparkapplication", "pyspark-pi-karpenter", "-n", NS)
    assert "Events:" in described
    for reason in ("SparkApplicationSubmitted", "SparkDriverRunning", "SparkApplicationCompleted"):
        assert reason in described, described

    # The driver's node is consolidated once empty; its log is still there, from the archive.
    node = kubectl(kubeconfig, "get", "pod", DRIVER, "-n", NS, "-o", "jsonpath={.spec.nodeName}").strip()
    assert node
    wait_for(lambda: node not in kubectl(kubeconfig, "get", "nodes"), 120, f"node {node} being consolidated")
    log = kubectl(kubeconfig, "logs", DRIVER, "-n", NS)
    assert "Pi is roughly 3.1" in log

    explained = kubectl(kubeconfig, "explain", "sparkapplication.spec.driver")
    assert "coreRequest" in explained and "KIND:" in explained and "SparkApplication" in explained

    deleted = kubectl(kubeconfig, "delete", "-f", str(PI))
    assert "deleted" in deleted
    wait_for(
        lambda: DRIVER not in kubectl(kubeconfig, "get", "pods", "-n", NS),
        60,
        "the driver pod going with its application",
    )
