"""The store under SIGKILL: a child process writes (creates, multi-row batches, patches, deletes) and is
killed at random moments, round after round, on one store file; after every kill the file passes
`PRAGMA integrity_check`, reopens, and holds every write the child acknowledged, and every transaction
is there whole or not at all. A torn write is also made on purpose: the child is killed in the middle of
one large transaction, after half of its rows were written (and, for the large one, spilled from SQLite's
page cache into the write-ahead log), and none of it survives.

The child is this file run as a script. It prints `begin <op>` before each write and `ack <op> ...`
after the call returned (after COMMIT), flushing each line; a line the kill cut off was not acknowledged.
Short form in the default run; the long form (many more rounds) is marked chaos_long.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import pytest

Obj = dict[str, Any]
SHORT_ROUNDS = 8
LONG_ROUNDS = 150
# Rows of the large torn transaction: about 24 MB, more than the 16 MB page cache, so SQLite writes
# uncommitted pages into the WAL before the kill.
TORN_LARGE = (300, 80_000)
TORN_SMALL = (40, 2_000)


# --- the child --------------------------------------------------------------------------------------


def configmap(name: str, labels: dict[str, str], payload: int, **data: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default", "labels": labels},
        "data": {"payload": "x" * payload, **data},
    }


class Announced(Sequence[Obj]):
    """The objects of one create_many that says when it is half-way through them and then waits to be
    killed: the transaction is open, half its rows written."""

    def __init__(self, objs: list[Obj]) -> None:
        self._objs = objs

    def __len__(self) -> int:
        return len(self._objs)

    @overload
    def __getitem__(self, index: int) -> Obj: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Obj]: ...

    def __getitem__(self, index: int | slice) -> Obj | Sequence[Obj]:
        return self._objs[index]

    def __iter__(self) -> Iterator[Obj]:
        for i, obj in enumerate(self._objs):
            if i == len(self._objs) // 2:
                print("midway", flush=True)
                time.sleep(600)
            yield obj


def child_stream(db: Path, tag: str, seed: int) -> None:
    """Write forever: singles, batches (some large), patches and deletes of singles."""
    from sparkfleet.clock import SystemClock
    from sparkfleet.cluster.embedded import EmbeddedCluster

    rng = random.Random(seed)
    store = EmbeddedCluster(db, SystemClock())
    singles: list[str] = []
    for i in range(1_000_000):
        roll = rng.random()
        if roll < 0.45 or not singles:
            name = f"{tag}-s-{i}"
            print("begin create", name, flush=True)
            store.create(configmap(name, {"kind": "single"}, rng.choice((100, 2_000, 20_000))))
            singles.append(name)
            print("ack create", name, flush=True)
        elif roll < 0.7:
            size = rng.choice((2, 10, 50, 300))
            batch = f"{tag}-b-{i}"
            objs = [
                configmap(f"{batch}-{k}", {"batch": batch, "size": str(size)}, rng.choice((100, 4_000)))
                for k in range(size)
            ]
            print("begin batch", batch, size, flush=True)
            store.create_many(objs)
            print("ack batch", batch, size, flush=True)
        elif roll < 0.9:
            name = rng.choice(singles)
            print("begin patch", name, i, flush=True)
            store.patch("ConfigMap", "default", name, {"data": {"rev": str(i)}})
            print("ack patch", name, i, flush=True)
        else:
            name = singles.pop(rng.randrange(len(singles)))
            print("begin delete", name, flush=True)
            store.delete("ConfigMap", "default", name)
            print("ack delete", name, flush=True)


def child_torn(db: Path, batch: str, size: int, payload: int) -> None:
    from sparkfleet.clock import SystemClock
    from sparkfleet.cluster.embedded import EmbeddedCluster

    store = EmbeddedCluster(db, SystemClock())
    objs = [configmap(f"{batch}-{k}", {"batch": batch, "size": str(size)}, payload) for k in range(size)]
    store.create_many(Announced(objs))
    print("ack batch", batch, size, flush=True)  # never reached: killed while waiting midway


# --- the parent -------------------------------------------------------------------------------------


@dataclass
class Expected:
    """What the acknowledgements promise: present singles (with their least patch rev), absent ones,
    whole batches."""

    present: dict[str, int] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    batches: dict[str, int] = field(default_factory=dict)
    in_flight: str | None = None  # the op begun but not acknowledged when the kill came

    def apply(self, line: str) -> None:
        words = line.split()
        if words[0] == "begin":
            self.in_flight = line
            return
        self.in_flight = None
        verb, name = words[1], words[2]
        if verb == "create":
            self.present[name] = -1
        elif verb == "batch":
            self.batches[name] = int(words[3])
        elif verb == "patch":
            self.present[name] = int(words[3])
        elif verb == "delete":
            self.present.pop(name, None)
            self.deleted.add(name)


@contextmanager
def spawn(*args: str) -> Iterator[subprocess.Popen[str]]:
    """This file run as the child; killed (and its pipes closed) however the block ends."""
    with subprocess.Popen(
        [sys.executable, __file__, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()


def kill_and_collect(process: subprocess.Popen[str], lines: list[str]) -> list[str]:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    assert process.stdout is not None and process.stderr is not None
    # Read through the text buffer readline() filled (communicate() would skip what it holds).
    rest, err = process.stdout.read(), process.stderr.read()
    assert process.returncode == -signal.SIGKILL, err[-2000:]
    # A line the kill cut off (no newline) was not acknowledged.
    return [ln.rstrip("\n") for ln in lines + rest.splitlines(keepends=True) if ln.endswith("\n")]


def run_round(db: Path, tag: str, rng: random.Random) -> list[str]:
    """Start the writer, let it acknowledge a random number of writes, kill it a random moment later."""
    with spawn("stream", str(db), tag, str(rng.randrange(1 << 30))) as process:
        assert process.stdout is not None
        target, lines = rng.randrange(1, 80), list[str]()
        while sum(ln.startswith("ack") for ln in lines) < target:
            line = process.stdout.readline()
            assert line, f"writer ended early: {process.stderr.read() if process.stderr else ''}"
            lines.append(line)
        time.sleep(rng.uniform(0, 0.05))
        return kill_and_collect(process, lines)


def torn_round(db: Path, batch: str, size: int, payload: int) -> None:
    with spawn("torn", str(db), batch, str(size), str(payload)) as process:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line == "midway\n", f"{line!r} {process.stderr.read() if process.stderr else ''}"
        assert kill_and_collect(process, [line]) == ["midway"]


def check_store(db: Path, expected: Expected) -> None:
    """The file is whole, objects and change log agree, and every acknowledged write is there."""
    raw = sqlite3.connect(db)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        head, compacted = raw.execute("SELECT resource_version, compacted_rv FROM meta").fetchone()
        rvs = [rv for (rv,) in raw.execute("SELECT rv FROM changes WHERE rv > ? ORDER BY rv", (compacted,))]
        assert rvs == list(range(compacted + 1, head + 1)), "every resourceVersion handed out has its change"
        rows = raw.execute("SELECT name, resource_version, body FROM objects WHERE kind = 'ConfigMap'")
        stored: dict[str, Obj] = {}
        for name, rv, text in rows:
            body = json.loads(text)
            assert body["metadata"]["resourceVersion"] == str(rv) and rv <= head
            stored[name] = body
    finally:
        raw.close()
    in_flight = expected.in_flight.split() if expected.in_flight else []
    for name, rev in list(expected.present.items()):
        if name not in stored:
            assert in_flight[1:3] == ["delete", name], f"acknowledged {name} is missing"
            # The unacknowledged delete was committed: from now on it is one like any other.
            del expected.present[name]
            expected.deleted.add(name)
            continue
        got = int(stored[name]["data"].get("rev", "-1"))
        assert got >= rev, f"{name}: acknowledged patch rev {rev}, stored {got}"
    for name in expected.deleted:
        assert name not in stored, f"acknowledged delete of {name} undone"
    counts: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for body in stored.values():
        labels = body["metadata"]["labels"]
        if "batch" in labels:
            counts[labels["batch"]] = counts.get(labels["batch"], 0) + 1
            sizes[labels["batch"]] = int(labels["size"])
    for batch, size in expected.batches.items():
        assert counts.get(batch) == size, f"acknowledged batch {batch} has {counts.get(batch)} of {size}"
    for batch, count in counts.items():
        assert count == sizes[batch], f"torn batch {batch}: {count} of {sizes[batch]} rows survived"


def reopen_and_write(db: Path, name: str) -> None:
    from sparkfleet.clock import SystemClock
    from sparkfleet.cluster.embedded import EmbeddedCluster

    with EmbeddedCluster(db, SystemClock()) as store:
        head = int(store.resource_version)
        created = store.create(configmap(name, {"kind": "probe"}, 10))
        assert int(created["metadata"]["resourceVersion"]) == head + 1


@dataclass
class Figures:
    rounds: int = 0
    acknowledged: int = 0
    killed_mid_write: int = 0
    torn: int = 0


def crash_rounds(tmp_path: Path, rounds: int, seed: int) -> Figures:
    db = tmp_path / "store.db"
    rng = random.Random(seed)
    expected, figures = Expected(), Figures()
    for r in range(rounds):
        lines = run_round(db, f"r{r}", rng)
        for line in lines:
            expected.apply(line)
        figures.rounds += 1
        figures.acknowledged += sum(ln.startswith("ack") for ln in lines)
        figures.killed_mid_write += expected.in_flight is not None
        check_store(db, expected)
        reopen_and_write(db, f"r{r}-after")
        expected.present[f"r{r}-after"] = -1
        expected.in_flight = None
    for size, payload in (TORN_SMALL, TORN_LARGE):
        torn_round(db, f"torn-{size}", size, payload)
        figures.torn += 1
        check_store(db, expected)
        reopen_and_write(db, f"torn-{size}-after")
        expected.present[f"torn-{size}-after"] = -1
    return figures


def test_sigkill_at_random_moments_loses_no_acknowledged_write_and_tears_no_transaction(
    tmp_path: Path,
) -> None:
    figures = crash_rounds(tmp_path, SHORT_ROUNDS, seed=17)
    assert figures.rounds == SHORT_ROUNDS and figures.torn == 2
    assert figures.acknowledged >= SHORT_ROUNDS


@pytest.mark.chaos_long
def test_sigkill_long_form(tmp_path: Path) -> None:
    figures = crash_rounds(tmp_path, LONG_ROUNDS, seed=int(os.environ.get("SPARKFLEET_CHAOS_SEED", "1")))
    print(f"store crash: {figures}")
    assert figures.killed_mid_write > 0, "some kills landed inside a write"


if __name__ == "__main__":
    mode, where = sys.argv[1], Path(sys.argv[2])
    if mode == "stream":
        child_stream(where, sys.argv[3], int(sys.argv[4]))
    else:
        child_torn(where, sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
