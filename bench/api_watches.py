"""The API under many idle watches: how promptly a plain list answers while N watches are held open.

    python bench/api_watches.py                  # a table: this tree and HEAD, side by side
    python bench/api_watches.py --json           # one line: {"watches": [...], "list_ms_p50": [...], ...}
    python bench/api_watches.py --watches 0,250,500 --before none

For each N, a fresh embedded cluster (SQLite store on the real clock, 100 ConfigMaps) is served with
`start_server` on loopback; N plain HTTP watches of pods are opened on raw sockets and left idle (the
clients spread over loopback addresses 127.0.0.2, 127.0.0.3, ... as pods' own addresses are, 200 per
address); then 20 lists of the ConfigMaps are timed one after another over one keep-alive connection.
Also measured while the watches are open: the CPU the process spends per second of idling, and the file
handles it holds per watch beyond the client's own socket; and after they are closed, the file handles
left over.

Each tree runs in a process of its own (this interpreter, PYTHONPATH at the tree's `src`); the "before"
tree is `git archive <rev>` unpacked into a temporary directory. The figures are wall-clock on a shared
machine: compare trees measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LISTS = 20
PER_ADDRESS = 200

_CHILD = r"""
import json, os, socket, statistics, sys, tempfile, threading, time
from pathlib import Path
import httpx
from sparkfleet.clock import SystemClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import create_app, start_server

watches, lists, per_address = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
token = "bench-token"
store = EmbeddedCluster(Path(tempfile.mkdtemp()) / "store.db", SystemClock())
store.create_many([
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{i}", "namespace": "default"},
     "data": {"key": "v" * 200}}
    for i in range(100)
])
handle = start_server(create_app(store, token), token)
def files():
    return len(os.listdir("/proc/self/fd"))
base_files = files()
request = (f"GET /api/v1/namespaces/default/pods?watch=true HTTP/1.1\r\nHost: x\r\n"
           f"Authorization: Bearer {token}\r\n\r\n").encode()
started = time.perf_counter()
socks = []
for i in range(watches):
    sock = socket.socket()
    sock.bind((f"127.0.0.{2 + i // per_address}", 0))
    sock.settimeout(120)
    sock.connect((handle.host, handle.port))
    sock.sendall(request)
    socks.append(sock)
statuses = [int(s.makefile("rb").readline().split()[1]) for s in socks]
open_s = time.perf_counter() - started
held_files = files() - base_files
cpu_before = time.process_time()
time.sleep(2.0)
idle_cpu = (time.process_time() - cpu_before) / 2.0
latencies = []
codes = set()
with httpx.Client(base_url=handle.url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as http:
    for _ in range(lists):
        t = time.perf_counter()
        codes.add(http.get("/api/v1/namespaces/default/configmaps").status_code)
        latencies.append((time.perf_counter() - t) * 1000)
for sock in socks:
    sock.close()
deadline = time.monotonic() + 30
while time.monotonic() < deadline and files() - base_files > 16:
    time.sleep(0.1)
time.sleep(1.0)
left_files = files() - base_files
handle.stop()
store.close()
latencies.sort()
print(json.dumps({
    "watches": watches,
    "watch_statuses": sorted(set(statuses)),
    "open_s": round(open_s, 2),
    "list_statuses": sorted(codes),
    "list_ms_p50": round(statistics.median(latencies), 1),
    "list_ms_max": round(latencies[-1], 1),
    "idle_cpu_s_per_s": round(idle_cpu, 2),
    "files_per_watch": round((held_files - watches) / watches, 2) if watches else 0.0,
    "files_left_after_close": left_files,
}))
"""


def unpack(rev: str, into: Path) -> Path:
    """`git archive REV` of this repository unpacked under `into`; returns its `src`."""
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def run(src: Path, watches: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(watches), str(LISTS), str(PER_ADDRESS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the measurement of {watches} watches failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


COLUMNS = (
    ("watch_statuses", "watch HTTP"),
    ("open_s", "open (s)"),
    ("list_ms_p50", "list p50 ms"),
    ("list_ms_max", "list max ms"),
    ("idle_cpu_s_per_s", "idle CPU s/s"),
    ("files_per_watch", "fds/watch"),
    ("files_left_after_close", "fds left"),
)


def table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    header = ["tree", "watches", *(title for _, title in COLUMNS)]
    lines = [header] + [[tree, str(r["watches"]), *(str(r[key]) for key, _ in COLUMNS)] for tree, r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True)) for line in lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--watches", default="0,100,250,500", help="Comma-separated counts (default 0,100,250,500)."
    )
    parser.add_argument(
        "--before", default="HEAD", help="Revision to compare with (default HEAD; none: no comparison)."
    )
    parser.add_argument("--json", action="store_true", help="One line of JSON instead of the table.")
    args = parser.parse_args()
    counts = [int(n) for n in args.watches.split(",") if n.strip()]
    with tempfile.TemporaryDirectory() as scratch:
        trees = {"this tree": ROOT / "src"}
        if args.before != "none":
            before = Path(scratch) / "before"
            before.mkdir()
            trees[args.before] = unpack(args.before, before)
        rows = [(name, run(src, n)) for n in counts for name, src in trees.items()]
    if args.json:
        mine = [r for name, r in rows if name == "this tree"]
        summary: dict[str, Any] = {
            key: [r[key] for r in mine] for key in ("watches", *(k for k, _ in COLUMNS))
        }
        if args.before != "none":
            theirs = [r for name, r in rows if name != "this tree"]
            summary["before_list_ms_p50"] = [r["list_ms_p50"] for r in theirs]
            summary["before_idle_cpu_s_per_s"] = [r["idle_cpu_s_per_s"] for r in theirs]
        print(json.dumps(summary))
    else:
        print(table(rows))
        print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 cores); medians of {LISTS} lists")
    if any(r["list_statuses"] != [200] for _, r in rows):
        raise SystemExit("a list failed while the watches were open")


if __name__ == "__main__":
    main()
