"""The log archive: a pod's container logs copied off its node, found again, and swept by retention."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sparkfleet.runtime.local.archive import LogArchive, LogRetention

from ..builders import START


def pod_logs(root: Path, **logs: str) -> Path:
    directory = root / "logs"
    directory.mkdir(parents=True, exist_ok=True)
    for container, text in logs.items():
        (directory / f"{container}.log").write_text(text)
    return directory


def test_a_pod_s_logs_are_archived_in_the_home_like_var_log_pods(home: Path, tmp_path: Path) -> None:
    archive = LogArchive(home)
    logs = pod_logs(tmp_path / "node-pod", **{"spark-kubernetes-driver": "Pi is roughly 3.14\n"})
    assert archive.archive(logs, "spark-team-a", "pi-driver", "u1", "ip-10-0-1-1", START)
    copy = home / "logs" / "spark-team-a" / "pi-driver_u1" / "spark-kubernetes-driver.log"
    assert copy.read_text() == "Pi is roughly 3.14\n"
    found = archive.find("spark-team-a", "pi-driver", "u1")
    assert found is not None
    assert (found.node, found.archived_at, found.logs()) == ("ip-10-0-1-1", START, [copy])


def test_a_pod_without_logs_leaves_nothing_in_the_archive(home: Path, tmp_path: Path) -> None:
    archive = LogArchive(home)
    assert not archive.archive(tmp_path / "missing" / "logs", "ns", "p", "u1", "ip-1", START)
    assert archive.find("ns", "p") is None
    assert archive.pods() == []


def test_archiving_again_brings_the_copy_up_to_date(home: Path, tmp_path: Path) -> None:
    archive = LogArchive(home)
    logs = pod_logs(tmp_path / "pod", main="one\n")
    archive.archive(logs, "ns", "p", "u1", "ip-1", START)
    (logs / "main.log").write_text("one\ntwo\n")
    archive.archive(logs, "ns", "p", "u1", "ip-1", START + timedelta(minutes=1))
    found = archive.find("ns", "p", "u1")
    assert found is not None
    assert found.log("main").read_text() == "one\ntwo\n"
    assert found.archived_at == START + timedelta(minutes=1)


def test_without_a_uid_the_most_recently_archived_incarnation_is_found(home: Path, tmp_path: Path) -> None:
    archive = LogArchive(home)
    archive.archive(pod_logs(tmp_path / "new", main="new\n"), "ns", "driver", "new", "ip-2", START)
    archive.archive(
        pod_logs(tmp_path / "old", main="old\n"), "ns", "driver", "old", "ip-1", START - timedelta(hours=1)
    )
    archive.archive(pod_logs(tmp_path / "other", main="x\n"), "ns", "driver-2", "u9", "ip-1", START)
    found = archive.find("ns", "driver")
    assert found is not None
    assert (found.uid, found.node) == ("new", "ip-2")


def test_the_sweep_removes_archives_older_than_the_retention(home: Path, tmp_path: Path) -> None:
    archive = LogArchive(home)
    archive.archive(pod_logs(tmp_path / "a", main="a\n"), "ns", "old", "u1", "ip-1", START)
    archive.archive(
        pod_logs(tmp_path / "b", main="b\n"), "ns", "recent", "u2", "ip-1", START + timedelta(days=6)
    )
    week = LogRetention(max_age=timedelta(days=7))
    assert archive.sweep(week, START + timedelta(days=7)) == 0
    assert archive.sweep(week, START + timedelta(days=8)) == 1
    assert [p.name for p in archive.pods()] == ["recent"]


def test_the_sweep_keeps_only_the_newest_pods(home: Path, tmp_path: Path) -> None:
    archive = LogArchive(home)
    for hour, name in enumerate(["first", "second", "third"]):
        logs = pod_logs(tmp_path / name, main=f"{name}\n")
        archive.archive(logs, "ns", name, f"u{hour}", "ip-1", START + timedelta(hours=hour))
    assert archive.sweep(LogRetention(max_pods=2), START) == 1
    assert [p.name for p in archive.pods()] == ["second", "third"]
    assert archive.sweep(LogRetention(max_pods=5), START) == 0
