"""A writer killed with SIGKILL mid-stream loses nothing it acknowledged and leaves no torn write."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster

WRITER = Path(__file__).with_name("crash_writer.py")
ACKS_BEFORE_KILL = 250


def run_until_killed(db_path: Path) -> list[tuple[int, str]]:
    """Start the writer, SIGKILL it after enough acknowledgements, return every acknowledgement."""
    command = [sys.executable, str(WRITER), str(db_path)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        lines: list[str] = []
        try:
            while len(lines) < ACKS_BEFORE_KILL:
                line = process.stdout.readline()
                assert line, f"writer ended early: {process.stderr.read() if process.stderr else ''}"
                lines.append(line)
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=60)
            # Read through the text buffer readline() filled (communicate() would skip what it holds).
            rest = process.stdout.read()
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == -signal.SIGKILL
    # A torn last line was not acknowledged; everything that ended with a newline was.
    complete = [ln for ln in lines + rest.splitlines(keepends=True) if ln.endswith("\n")]
    acks = []
    for ln in complete:
        rv, names = ln.split()
        acks.append((int(rv), names))
    return acks


def test_every_acknowledged_write_survives_sigkill(db_path: Path, clock: VirtualClock) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    acks = run_until_killed(db_path)
    assert len(acks) >= ACKS_BEFORE_KILL

    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    bodies = [json.loads(text) for (text,) in raw.execute("SELECT body FROM objects")]
    changes = [json.loads(text) for (text,) in raw.execute("SELECT body FROM changes")]
    (head,) = raw.execute("SELECT resource_version FROM meta").fetchone()
    raw.close()
    assert all(b["kind"] == "ConfigMap" for b in bodies + changes)
    assert head >= acks[-1][0]

    with EmbeddedCluster(db_path, clock) as store:
        stored = {c["metadata"]["name"]: c for c in store.list("ConfigMap").items}
        for rv, names in acks:
            if names.startswith("patched:"):
                patched = stored[names.removeprefix("patched:")]
                assert patched["data"]["patched"] == "yes"
                assert int(patched["metadata"]["resourceVersion"]) >= rv
                continue
            for name in names.split(","):
                assert name in stored, f"acknowledged {name} at rv {rv} is missing"
                assert stored[name]["data"]["payload"] == "x" * 2000
        # Batches are all-or-nothing, acknowledged or not.
        batches: dict[str, int] = {}
        for name in stored:
            if name.startswith("batch-"):
                prefix = name.rsplit("-", 1)[0]
                batches[prefix] = batches.get(prefix, 0) + 1
        assert set(batches.values()) <= {3}
        # The store carries on where the writer stopped.
        after = store.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "after-crash"}})
        assert int(after["metadata"]["resourceVersion"]) == head + 1
        history = list(store.watch("ConfigMap", resource_version=str(acks[-1][0]), timeout_seconds=0))
        assert history[-1].object["metadata"]["name"] == "after-crash"
