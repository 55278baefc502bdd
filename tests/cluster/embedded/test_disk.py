"""Disk trouble and concurrent first use: a full or read-only home is a StorageError (507) naming the store
and the cause, the store is whole afterwards, readiness follows whether writes succeed, and two processes
opening one brand-new home at once both succeed.

Faults are real: the store's size limit (SQLite's max_page_count) refuses pages exactly as a full disk
refuses them (SQLITE_FULL); a child process runs under a file size limit (the OS refuses the write) or
against a home chmod 0500 that it cannot bypass (tests/support/diskfaults.py).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster import StorageError
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.embedded.disk import sqlite_storage_error
from sparkfleet.platform import STORE_FILE, open_embedded_store
from support.diskfaults import read_only, subject_to_file_modes, with_file_size_limit
from support.objects import configmap

CHILD = Path(__file__).with_name("disk_child.py")
TRIES = 12


def big(name: str) -> dict[str, object]:
    return configmap(name, payload="x" * 3000)


def fill(store: EmbeddedCluster) -> tuple[list[str], StorageError]:
    """Create ConfigMaps until the store refuses one: the names it acknowledged, and the refusal."""
    acknowledged: list[str] = []
    for i in range(10_000):
        try:
            store.create(big(f"cm-{i}"))
        except StorageError as refusal:
            return acknowledged, refusal
        acknowledged.append(f"cm-{i}")
    raise AssertionError("the store never filled up")


def integrity(path: Path) -> str:
    raw = sqlite3.connect(path)
    try:
        (result,) = raw.execute("PRAGMA integrity_check").fetchone()
    finally:
        raw.close()
    return str(result)


def test_a_full_store_refuses_writes_with_a_507_naming_it_and_stays_whole(
    db_path: Path, clock: VirtualClock
) -> None:
    with EmbeddedCluster(db_path, clock, max_size=256 * 1024, history_limit=10) as store:
        assert store.storage_problem() is None
        acknowledged, refusal = fill(store)
        assert acknowledged, "some writes fit before the limit"
        assert refusal.code == 507 and refusal.reason == "StorageError"
        assert str(db_path) in refusal.message and "database or disk is full" in refusal.message
        assert "free space on the disk of" in refusal.message
        problem = store.storage_problem()
        assert problem is not None and "database or disk is full" in problem, "still full: the probe fails"
        # A transaction refused part-way leaves none of its objects.
        with pytest.raises(StorageError):
            store.create_many([big(f"batch-{k}") for k in range(20)])
        assert [o for o in store.list("ConfigMap").items if o["metadata"]["name"].startswith("batch-")] == []
        # Freeing space (deletes, with the history window compacted) lets writes succeed again.
        for name in acknowledged[::2]:
            store.delete("ConfigMap", "default", name)
        assert store.storage_problem() is None
        store.create(big("after"))
    assert integrity(db_path) == "ok"
    with EmbeddedCluster(db_path, clock) as reopened:
        names = {o["metadata"]["name"] for o in reopened.list("ConfigMap").items}
    assert names == set(acknowledged[1::2]) | {"after"}


def test_a_process_that_fills_the_disk_gets_a_storage_error_and_loses_no_acknowledged_write(
    db_path: Path, clock: VirtualClock
) -> None:
    """The child may grow no file beyond 2 MiB (RLIMIT_FSIZE): the OS refuses the write itself."""
    db_path.parent.mkdir(parents=True)
    child = subprocess.run(
        [sys.executable, str(CHILD), "fill", str(db_path)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=with_file_size_limit(2 * 1024 * 1024),
    )
    lines = child.stdout.splitlines()
    assert lines and lines[-1].startswith("error "), child.stdout[-500:] + child.stderr[-2000:]
    message = lines[-1]
    assert str(db_path) in message and "cannot take writes" in message
    assert "full" in message or "disk I/O error" in message
    acknowledged = {line.split()[1] for line in lines if line.startswith("ack ")}
    assert len(acknowledged) > 10
    assert integrity(db_path) == "ok"
    with EmbeddedCluster(db_path, clock) as store:
        stored = {o["metadata"]["name"] for o in store.list("ConfigMap").items}
        assert stored >= acknowledged
        assert len(stored - acknowledged) <= 1, "at most the write whose acknowledgement was cut off"
        store.create(configmap("after-the-fault"))


def run_open(home: Path, *, preexec: Callable[[], None]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHILD), "open", str(home)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=preexec,
    )


def test_a_store_in_a_read_only_home_cannot_be_opened_and_says_why(
    tmp_path: Path, clock: VirtualClock
) -> None:
    home = tmp_path / "home"
    open_embedded_store(home, clock).close()
    with read_only(home):
        child = run_open(home, preexec=subject_to_file_modes)
    assert child.returncode == 0, child.stderr
    assert child.stdout.startswith("error the cluster store "), child.stdout + child.stderr
    assert str(home / STORE_FILE) in child.stdout
    assert f"the cluster home {home} must be writable" in child.stdout
    assert "Traceback" not in child.stderr
    assert integrity(home / STORE_FILE) == "ok"


def test_a_new_home_under_a_read_only_directory_says_which_file_cannot_be_made(tmp_path: Path) -> None:
    parent = tmp_path / "parent"
    parent.mkdir()
    with read_only(parent):
        child = run_open(parent / "home", preexec=subject_to_file_modes)
    assert child.stdout.startswith("error the cluster store "), child.stdout + child.stderr
    assert "Permission denied" in child.stdout and "must be writable" in child.stdout


def test_two_processes_opening_a_brand_new_home_at_once_both_succeed(
    tmp_path: Path, clock: VirtualClock
) -> None:
    """Two children, everything imported, are handed the same new home at the same moment, twelve times."""

    def opener() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, str(CHILD), "open", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    with opener() as first, opener() as second:
        children = (first, second)
        for attempt in range(TRIES):
            home = tmp_path / f"home-{attempt}"
            for child in children:
                assert child.stdin is not None
                child.stdin.write(f"{home}\n")
                child.stdin.flush()
            answers = []
            for child in children:
                assert child.stdout is not None
                answers.append(child.stdout.readline())
            assert all(a.startswith("ok ") for a in answers), f"try {attempt}: {answers}"
            assert answers[0] == answers[1], "both see the one seeded configuration"
            with EmbeddedCluster(home / STORE_FILE, clock) as store:
                namespaces = [o["metadata"]["name"] for o in store.list("Namespace").items]
            assert len(namespaces) == len(set(namespaces)), "each seeded object once"
        for child in children:
            assert child.stdin is not None
            child.stdin.close()
    assert (first.returncode, second.returncode) == (0, 0), (first.stderr, second.stderr)


def test_failures_that_are_not_the_disks_stay_what_they_are(tmp_path: Path) -> None:
    raw = sqlite3.connect(":memory:")
    raw.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    raw.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.IntegrityError) as caught:
        raw.execute("INSERT INTO t VALUES (1)")
    assert sqlite_storage_error(caught.value, tmp_path / STORE_FILE, "cannot take writes") is None
