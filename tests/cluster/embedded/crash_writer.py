"""Writes to a store until killed, printing each acknowledged write: `<rv> <name>[,<name>...]`.

Used by test_crash.py; every 10th write is a create_many of three objects (one transaction), the rest
single creates, and every 7th also patches the latest single.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sparkfleet.clock import SystemClock
from sparkfleet.cluster.embedded import EmbeddedCluster


def _config(name: str, i: int) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": {"batch": str(i)}},
        "data": {"payload": "x" * 2000, "index": str(i)},
    }


def main() -> None:
    store = EmbeddedCluster(Path(sys.argv[1]), SystemClock())
    i = 0
    last_single = ""
    while True:
        if i % 10 == 9:
            names = [f"batch-{i}-{k}" for k in range(3)]
            created = store.create_many([_config(n, i) for n in names])
            rv = created[-1]["metadata"]["resourceVersion"]
        else:
            names = [f"single-{i}"]
            rv = store.create(_config(names[0], i))["metadata"]["resourceVersion"]
            last_single = names[0]
        print(rv, ",".join(names), flush=True)
        if i % 7 == 6:
            patched = store.patch("ConfigMap", "default", last_single, {"data": {"patched": "yes"}})
            print(patched["metadata"]["resourceVersion"], f"patched:{last_single}", flush=True)
        i += 1


if __name__ == "__main__":
    main()
