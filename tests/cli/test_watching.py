"""`get -w`: the table, then one line per change until Ctrl-C or --watch-timeout."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sparkfleet.cli.main import app
from sparkfleet.cli.watching import change_line
from sparkfleet.cluster import WatchEvent, WatchEventType
from sparkfleet.cluster.embedded import EmbeddedCluster
from support.cli import PI

pytestmark = pytest.mark.usefixtures("home")
runner = CliRunner()


def _change_when_watching(monkeypatch: pytest.MonkeyPatch, change: Any) -> threading.Thread:
    """Run `change(store)` on another thread as soon as the command has started its watch."""
    watching = threading.Event()
    stores: list[EmbeddedCluster] = []
    original = EmbeddedCluster.watch

    def watch(self: EmbeddedCluster, *args: Any, **kwargs: Any) -> Any:
        stream = original(self, *args, **kwargs)
        if not watching.is_set():
            stores.append(self)
            watching.set()
        return stream

    monkeypatch.setattr(EmbeddedCluster, "watch", watch)

    def other_client() -> None:
        if watching.wait(timeout=30):
            change(stores[0])

    thread = threading.Thread(target=other_client, daemon=True)
    thread.start()
    return thread


def test_get_watch_prints_the_table_then_a_line_per_change(monkeypatch: pytest.MonkeyPatch) -> None:
    assert runner.invoke(app, ["apply", "-f", str(PI)]).exit_code == 0

    def relabel(store: EmbeddedCluster) -> None:
        obj = store.get("SparkApplication", "spark-team-a", "pyspark-pi-karpenter")
        obj["metadata"]["labels"]["watched"] = "yes"
        store.update(obj)
        store.delete("SparkApplication", "spark-team-a", "pyspark-pi-karpenter")

    thread = _change_when_watching(monkeypatch, relabel)
    result = runner.invoke(app, ["get", "sparkapp", "-n", "spark-team-a", "-w", "--watch-timeout", "2"])
    thread.join(timeout=30)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["NAME", "SUSPEND", "STATUS"]
    assert lines[1].startswith("pyspark-pi-karpenter")
    changes = [line.split()[0:2] for line in lines[2:]]
    assert changes == [
        ["MODIFIED", "SparkApplication/pyspark-pi-karpenter"],
        ["DELETED", "SparkApplication/pyspark-pi-karpenter"],
    ]


def test_watching_one_object_ignores_changes_to_others(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(PI.read_text().replace("name: pyspark-pi-karpenter", "name: other-pi", 1))
    assert runner.invoke(app, ["apply", "-f", str(PI), "-f", str(other)]).exit_code == 0

    def change_both(store: EmbeddedCluster) -> None:
        store.delete("SparkApplication", "spark-team-a", "other-pi")
        store.delete("SparkApplication", "spark-team-a", "pyspark-pi-karpenter")

    thread = _change_when_watching(monkeypatch, change_both)
    result = runner.invoke(
        app, ["get", "sparkapp", "pyspark-pi-karpenter", "-n", "spark-team-a", "-w", "--watch-timeout", "2"]
    )
    thread.join(timeout=30)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].startswith("pyspark-pi-karpenter")
    assert [line.split()[:2] for line in lines[2:]] == [["DELETED", "SparkApplication/pyspark-pi-karpenter"]]


def test_watch_refuses_yaml_output() -> None:
    result = runner.invoke(app, ["get", "pods", "-w", "-o", "yaml", "--watch-timeout", "1"])
    assert result.exit_code == 1
    assert "--watch prints tables" in result.stderr


def test_a_change_line_names_the_change_and_the_object_and_shows_its_columns() -> None:
    pod = {
        "kind": "Pod",
        "metadata": {
            "name": "driver",
            "namespace": "spark-team-a",
            "creationTimestamp": "2026-01-01T00:00:00Z",
        },
        "spec": {"containers": [{"name": "spark"}]},
        "status": {"phase": "Running"},
    }
    now = datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC)
    line = change_line(WatchEvent(WatchEventType.MODIFIED, pod), now, with_namespace=True)
    assert line.startswith("MODIFIED Pod/driver  spark-team-a  ")
    assert "Running" in line.split()
    assert line.split()[-1] == "30s"


def test_a_wide_change_line_adds_the_wide_columns() -> None:
    pod = {
        "kind": "Pod",
        "metadata": {"name": "driver", "namespace": "ns", "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"containers": [{"name": "spark"}], "nodeName": "ip-10-0-1-1"},
        "status": {"phase": "Running", "podIP": "127.0.0.1"},
    }
    now = datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC)
    event = WatchEvent(WatchEventType.MODIFIED, pod)
    assert "ip-10-0-1-1" not in change_line(event, now, with_namespace=False).split()
    wide = change_line(event, now, with_namespace=False, wide=True)
    assert {"ip-10-0-1-1", "127.0.0.1"} <= set(wide.split())
