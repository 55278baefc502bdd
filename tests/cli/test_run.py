"""`sparkfleet run`'s report: fallbacks once each in the order they happened, rules on lines of their own,
and only the last runs' directories kept."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from rich.live import Live
from rich.table import Table

from sparkfleet.api.settings import RuntimeSettings, SparkMode
from sparkfleet.cli.objects import CommandError
from sparkfleet.cli.run import RunReport, fallbacks, print_report, prune_runs, spark_mode_settings
from sparkfleet.clock import VirtualClock
from sparkfleet.cluster import record_event
from sparkfleet.cluster.embedded import EmbeddedCluster

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def claim(name: str) -> dict[str, object]:
    return {"apiVersion": "karpenter.sh/v1", "kind": "NodeClaim", "metadata": {"name": name}, "spec": {}}


def test_each_fallback_is_listed_once_in_the_order_it_happened(tmp_path: Path) -> None:
    clock = VirtualClock(START)
    store = EmbeddedCluster(tmp_path / "store.db", clock)
    try:
        first, second = store.create(claim("default-a1")), store.create(claim("default-b2"))
        happened = [
            (first, "InsufficientCapacity", "r6g.4xlarge spot us-east-1a: no capacity"),
            (second, "InsufficientCapacity", "r6g.4xlarge spot us-east-1a: no capacity"),
            (first, "NodePoolFallback", "spark-graviton-memory-optimized -> spark-memory-optimized"),
            (first, "InsufficientCapacity", "r5d.4xlarge spot us-east-1b: no capacity"),
        ]
        for involved, reason, message in happened:
            record_event(store, involved, "Warning", reason, message, clock.now(), "provisioner")
        assert fallbacks(store) == [
            "InsufficientCapacity: r6g.4xlarge spot us-east-1a: no capacity",
            "NodePoolFallback: spark-graviton-memory-optimized -> spark-memory-optimized",
            "InsufficientCapacity: r5d.4xlarge spot us-east-1b: no capacity",
        ]
    finally:
        store.close()


def test_the_report_s_rules_start_on_lines_of_their_own_after_the_live_tables() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, soft_wrap=True)
    pods = Table("POD", "PHASE", box=None)
    pods.add_row("pi-driver", "Succeeded")
    with Live(console=console, transient=False) as live:
        live.update(pods)
    print_report(console, RunReport(state="COMPLETED", driver_log=["Pi is roughly 3.14"]))
    lines = buffer.getvalue().splitlines()
    rules = [line for line in lines if "─" in line]
    assert len(rules) == 3
    assert all(line.startswith("─") for line in rules)
    assert any(line.strip() == "pi-driver  Succeeded" for line in lines)


def test_only_the_newest_runs_directories_are_kept(tmp_path: Path) -> None:
    stamps = ["20260101T000000Z", "20260102T000000Z", "20260103T000000Z"]
    for stamp in stamps:
        (tmp_path / f"pyspark-pi-job-{stamp}" / "nodes").mkdir(parents=True)
    (tmp_path / "eventlogs").mkdir()
    removed = prune_runs(tmp_path, keep=2)
    assert removed == [tmp_path / f"pyspark-pi-job-{stamps[0]}"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "eventlogs",
        f"pyspark-pi-job-{stamps[1]}",
        f"pyspark-pi-job-{stamps[2]}",
    ]


def test_the_spark_mode_of_a_run_is_one_of_the_settings_modes() -> None:
    runtime = RuntimeSettings()
    assert spark_mode_settings(runtime, "local").sparkMode == SparkMode.LOCAL
    assert runtime.sparkMode == SparkMode.KUBERNETES  # the settings given are left as they were
    with pytest.raises(CommandError, match="--spark-mode 'k8s': choose one of local, kubernetes"):
        spark_mode_settings(runtime, "k8s")
