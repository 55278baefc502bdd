"""The `Cluster` port two ways in one run: the embedded store in this process, and the same calls through
the HTTP API with `RemoteCluster` (reached with `connect` from the kubeconfig the server writes).

    python bench/api.py                    # a table: embedded, HTTP and their ratio per operation
    python bench/api.py --json             # one line: {"embedded": {...}, "http": {...}, "ratio": {...}}
    python bench/api.py --objects 1000     # a smaller store (the default is 10,000)

Operations, each on a fresh store (SQLite on the real clock) of its own:
- create: N ConfigMaps (200 bytes of data each), one call each, one after another;
- get: `--gets` of them by name, one after another;
- list: all N in one `list` call (`--lists` times, median); over HTTP RemoteCluster pages it by 500, as
  client-go's pager does, so that is N/500 requests;
- watch fan-out: `--watchers` watches of ConfigMaps in their own namespace, each read by a thread of its
  own; then `--events` ConfigMaps created there one after another; the time from the first create until
  every watcher has seen all of them.

The HTTP server runs in a process of its own (`start_server` over TLS with the cluster's CA, as
`sparkfleet up` serves it), so the client and the server do not share one interpreter lock; the machine
has 2 cores, shared. Figures are wall-clock: compare the two columns of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sparkfleet.clock import SystemClock  # noqa: E402
from sparkfleet.cluster import Cluster  # noqa: E402
from sparkfleet.cluster.embedded import EmbeddedCluster  # noqa: E402
from sparkfleet.server import RemoteCluster, connect  # noqa: E402

NAMESPACE = "bench"
FANOUT_NAMESPACE = "fanout"
TOKEN = "bench-token"
WATCH_DEADLINE_S = 300.0

_SERVER = r"""
import sys
from datetime import UTC, datetime
from pathlib import Path
from sparkfleet.api.yamlio import dump_yaml
from sparkfleet.clock import SystemClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import create_app, start_server
from sparkfleet.server.tls import ensure_pki

work, token = Path(sys.argv[1]), sys.argv[2]
store = EmbeddedCluster(work / "store.db", SystemClock())
handle = start_server(create_app(store, token), token, tls=ensure_pki(work / "pki", datetime.now(UTC)))
(work / "kubeconfig").write_text(dump_yaml(handle.kubeconfig("sparkfleet-bench")))
print(handle.url, flush=True)
sys.stdin.read()  # until the benchmark closes our stdin
handle.stop()
store.close()
"""


def configmap(name: str, namespace: str = NAMESPACE) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": {"key": "v" * 200},
    }


class HttpServer:
    """The embedded API served over TLS by a child process; `open()` connects through its kubeconfig."""

    def __init__(self, work: Path) -> None:
        self._work = work
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        self._process = subprocess.Popen(
            [sys.executable, "-c", _SERVER, str(work), TOKEN],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        assert self._process.stdout is not None
        if not self._process.stdout.readline().startswith("https://"):
            raise SystemExit("the API server did not start")

    def open(self) -> RemoteCluster:
        return connect(self._work / "kubeconfig", timeout=120.0)

    def stop(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(60)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def fan_out(cluster: Cluster, watchers: int, events: int) -> float:
    """Seconds from the first of `events` creates until each of `watchers` watches has seen them all."""
    start_rv = cluster.list("ConfigMap", FANOUT_NAMESPACE).resourceVersion
    watches = [
        cluster.watch("ConfigMap", FANOUT_NAMESPACE, resource_version=start_rv) for _ in range(watchers)
    ]
    done = [threading.Event() for _ in watches]

    def read(index: int) -> None:
        for seen, _event in enumerate(watches[index], start=1):
            if seen == events:
                break
        done[index].set()

    readers = [threading.Thread(target=read, args=(i,), daemon=True) for i in range(watchers)]
    for reader in readers:
        reader.start()
    started = time.perf_counter()
    for i in range(events):
        cluster.create(configmap(f"event-{i}", FANOUT_NAMESPACE))
    deadline = time.monotonic() + WATCH_DEADLINE_S
    for flag in done:
        if not flag.wait(max(0.0, deadline - time.monotonic())):
            raise SystemExit(f"the watchers had not seen {events} events after {WATCH_DEADLINE_S:.0f} s")
    elapsed = time.perf_counter() - started
    for watch in watches:
        watch.close()
    return elapsed


def measure(cluster: Cluster, args: argparse.Namespace) -> dict[str, float]:
    n = args.objects
    create_s = timed(lambda: [cluster.create(configmap(f"cm-{i}")) for i in range(n)])
    step = max(1, n // args.gets)
    names = [f"cm-{(i * step) % n}" for i in range(args.gets)]
    get_s = timed(lambda: [cluster.get("ConfigMap", NAMESPACE, name) for name in names])

    def list_all() -> None:
        items = cluster.list("ConfigMap", NAMESPACE).items
        # The embedded store hands out items lazily: touch each, as a caller would.
        if sum(1 for item in items if item["metadata"]["name"]) != n:
            raise SystemExit(f"a list answered fewer than {n} ConfigMaps")

    list_s = statistics.median(timed(list_all) for _ in range(args.lists))
    fanout_s = fan_out(cluster, args.watchers, args.events)
    return {
        "create_per_s": round(n / create_s, 1),
        "create_ms": round(create_s * 1000 / n, 3),
        "get_ms": round(get_s * 1000 / args.gets, 3),
        "list_ms": round(list_s * 1000, 1),
        "fanout_ms": round(fanout_s * 1000, 1),
    }


ROWS = (
    ("create_ms", "create, ms each"),
    ("create_per_s", "creates per second"),
    ("get_ms", "get, ms each"),
    ("list_ms", "list all, ms"),
    ("fanout_ms", "watch fan-out, ms"),
)


def table(embedded: dict[str, float], http: dict[str, float], ratio: dict[str, float]) -> str:
    lines = [["operation", "embedded", "HTTP", "HTTP / embedded"]]
    lines += [[title, f"{embedded[key]:,}", f"{http[key]:,}", f"{ratio[key]:,}"] for key, title in ROWS]
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--objects", type=int, default=10_000, help="ConfigMaps created and listed (10,000).")
    parser.add_argument("--gets", type=int, default=1_000, help="Gets by name (1,000).")
    parser.add_argument("--lists", type=int, default=3, help="Lists of all objects, median taken (3).")
    parser.add_argument("--watchers", type=int, default=50, help="Watches in the fan-out (50).")
    parser.add_argument("--events", type=int, default=100, help="Events each watcher must see (100).")
    parser.add_argument("--json", action="store_true", help="One line of JSON instead of the table.")
    args = parser.parse_args()
    if min(args.objects, args.gets, args.lists, args.watchers, args.events) < 1:
        parser.error("--objects, --gets, --lists, --watchers and --events must be at least 1")
    with tempfile.TemporaryDirectory() as scratch:
        with EmbeddedCluster(Path(scratch) / "embedded.db", SystemClock()) as store:
            embedded = measure(store, args)
        work = Path(scratch) / "http"
        work.mkdir()
        server = HttpServer(work)
        try:
            with server.open() as remote:
                http = measure(remote, args)
        finally:
            server.stop()
    ratio = {key: round(http[key] / embedded[key], 2) if embedded[key] else 0.0 for key, _ in ROWS}
    if args.json:
        print(
            json.dumps(
                {
                    "objects": args.objects,
                    "watchers": args.watchers,
                    "events": args.events,
                    "embedded": embedded,
                    "http": http,
                    "ratio": ratio,
                }
            )
        )
    else:
        print(table(embedded, http, ratio))
        print(
            f"{args.objects:,} ConfigMaps, {args.gets:,} gets, median of {args.lists} lists, "
            f"{args.watchers} watchers x {args.events} events; "
            f"load average at the end: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)"
        )


if __name__ == "__main__":
    main()
