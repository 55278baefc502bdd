"""The seed document's walk-through, verbatim, with the real kubectl against `sparkfleet up`.

kubectl runs as a user runs it: the kubeconfig `up` wrote, no proxy, no extra flags. The blueprint's
NodePools are used as they are but for `consolidateAfter`, shortened so that the driver's empty node is
consolidated within the test and its log has to come from the archive.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from support.cli import EXAMPLES, PI
from support.cli import sf_ok as sf
from support.kubectl import Kubectl, kubectl_binary

pytestmark = pytest.mark.e2e

NS = "spark-team-a"
DRIVER = "pyspark-pi-karpenter-driver"


@pytest.fixture
def kubectl(home: Path, tmp_path: Path) -> Iterator[Kubectl]:
    """kubectl with the kubeconfig of a running `sparkfleet up` whose NodePools consolidate empty nodes
    after 5 s. kubectl is looked for first, so a machine without it fails (or skips) before `up`."""
    binary = kubectl_binary()
    config = tmp_path / "config"
    config.mkdir()
    for name in ("nodepools.yaml", "ec2nodeclasses.yaml", "queues.yaml"):
        text = (EXAMPLES / "config" / name).read_text()
        (config / name).write_text(text.replace("consolidateAfter: 1m", "consolidateAfter: 5s"))
    sf("up", "--config", str(config), "--port", "0")
    try:
        yield Kubectl(binary, home / "kubeconfig")
    finally:
        sf("down", "--drain")


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


def test_the_seed_walk_through_with_the_real_kubectl(kubectl: Kubectl) -> None:
    with kubectl.background("get", "pods", "-n", NS, "-w") as watcher:
        try:
            time.sleep(1)  # the watch is open before the application exists
            applied = kubectl.ok("apply", "-f", str(PI))
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
        lambda: "COMPLETED" in kubectl.ok("get", "sparkapplications", "-A"),
        60,
        "the application reaching COMPLETED",
    )
    header, rows = columns(kubectl.ok("get", "sparkapplications", "-A"))
    # The upstream CRD's printer columns, in its order.
    assert header == ["NAMESPACE", "NAME", "SUSPEND", "STATUS", "ATTEMPTS", "START", "FINISH", "AGE"]
    (row,) = rows
    assert (row["NAMESPACE"], row["NAME"], row["STATUS"], row["ATTEMPTS"]) == (
        NS,
        "pyspark-pi-karpenter",
        "COMPLETED",
        "1",
    )

    described = kubectl.ok("describe", "sparkapplication", "pyspark-pi-karpenter", "-n", NS)
    assert "Events:" in described
    for reason in ("SparkApplicationSubmitted", "SparkDriverRunning", "SparkApplicationCompleted"):
        assert reason in described, described

    # The driver's node is consolidated once empty; its log is still there, from the archive.
    node = kubectl.ok("get", "pod", DRIVER, "-n", NS, "-o", "jsonpath={.spec.nodeName}").strip()
    assert node
    wait_for(lambda: node not in kubectl.ok("get", "nodes"), 120, f"node {node} being consolidated")
    log = kubectl.ok("logs", DRIVER, "-n", NS)
    assert "Pi is roughly 3.1" in log

    explained = kubectl.ok("explain", "sparkapplication.spec.driver")
    assert "coreRequest" in explained and "KIND:" in explained and "SparkApplication" in explained

    deleted = kubectl.ok("delete", "-f", str(PI))
    assert "deleted" in deleted
    wait_for(
        lambda: DRIVER not in kubectl.ok("get", "pods", "-n", NS),
        60,
        "the driver pod going with its application",
    )
