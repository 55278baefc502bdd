"""A child process for test_disk.py, which starts it under a real fault (read-only home, file size limit).

`open <home>`: open the cluster home as `up` does (store and seeding), print `ok <objects>`, or
`error <message>` for a StorageError. `open -`: the same for every home read from stdin, one a line, each
as soon as its line arrives (so that two children given the same line open that home at once).
`fill <store>`: create ConfigMaps until the store refuses one; print `ack <name>` after each
acknowledged write, then `error <message>`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sparkfleet.clock import SystemClock
from sparkfleet.cluster import StorageError
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.platform import open_embedded_store


def _open(home: Path) -> None:
    try:
        store = open_embedded_store(home, SystemClock())
    except StorageError as exc:
        print("error", exc.message, flush=True)
        return
    try:
        count = sum(len(store.list(kind).items) for kind in ("Namespace", "NodePool", "ConfigMap"))
    finally:
        store.close()
    print("ok", count, flush=True)


def _fill(path: Path) -> None:
    with EmbeddedCluster(path, SystemClock()) as store:
        for i in range(100_000):
            name = f"fill-{i}"
            store.create(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": name},
                    "data": {"x": "y" * 4000},
                }
            )
            print("ack", name, flush=True)


def main() -> None:
    verb, where = sys.argv[1], sys.argv[2]
    if verb == "fill":
        try:
            _fill(Path(where))
        except StorageError as exc:
            print("error", exc.message, flush=True)
    elif where != "-":
        _open(Path(where))
    else:
        for line in sys.stdin:
            _open(Path(line.strip()))


if __name__ == "__main__":
    main()
