"""Command-line start-up: how long whole `sparkfleet` processes take, beside `kubectl`.

    python bench/cli.py                  # a table
    python bench/cli.py --runs 11        # more runs of each command (default 7)
    python bench/cli.py --json           # one line: {"help_s": X, "validate_s": X, "get_s": X,
                                         #   "kubectl_s": X, "before_help_s": X, ...} (medians)
    python bench/cli.py --before none    # only this tree's figures

Each command runs as a process of its own, the clock covering the whole process:
- `sparkfleet --help`;
- `sparkfleet validate -f examples/pyspark-pi-job.yaml`;
- `sparkfleet get nodepools`, with a fresh SPARKFLEET_HOME in a temporary directory per run (no server,
  so the command opens the embedded store and seeds it with the blueprint first);
- `kubectl version --client` (when kubectl is installed), the yardstick.

Both trees run the same way: this interpreter, `-c "from sparkfleet.cli.main import app; app()"` and
PYTHONPATH at the tree's `src`. The "before" tree is `git archive <rev>` (default HEAD, the last commit)
unpacked into a temporary directory, so working-tree changes are measured against the commit they start
from without touching the repository. Compiled bytecode goes to a temporary PYTHONPYCACHEPREFIX and each
command runs once untimed first, so every timed run starts as an installed tool does (with its .pyc files;
`--no-bytecode` times compiling too). Runs of the two trees alternate so neither has the warmer machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JOB = "examples/pyspark-pi-job.yaml"
LAUNCH = "import sys; from sparkfleet.cli.main import app; sys.argv[0] = 'sparkfleet'; sys.exit(app())"
WHERE = "import sparkfleet; print(sparkfleet.__file__)"

COMMANDS: dict[str, list[str]] = {
    "help": ["--help"],
    "validate": ["validate", "-f", JOB],
    "get": ["get", "nodepools"],
}
"""What each measure runs, as `sparkfleet` arguments."""


def _env(src: Path, pycache: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SPARKFLEET_CLUSTER")}
    env["PYTHONPATH"] = str(src)
    if pycache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def _timed(argv: list[str], env: dict[str, str], what: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=ROOT, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{what} failed (exit {done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed


def sparkfleet_run(src: Path, pycache: Path | None, args: list[str]) -> Callable[[], float]:
    """One timed run of `sparkfleet ARGS` from the tree at `src` (fresh SPARKFLEET_HOME each time)."""

    def once() -> float:
        with tempfile.TemporaryDirectory(prefix="sparkfleet-cli-home-") as home:
            env = {**_env(src, pycache), "SPARKFLEET_HOME": home}
            return _timed([sys.executable, "-c", LAUNCH, *args], env, f"sparkfleet {' '.join(args)}")

    return once


def kubectl_run(kubectl: str) -> Callable[[], float]:
    return lambda: _timed([kubectl, "version", "--client"], dict(os.environ), "kubectl version --client")


def check_tree(src: Path, pycache: Path | None) -> None:
    """Refuse to time a tree whose package is not the one imported (an install shadowing PYTHONPATH)."""
    done = subprocess.run(
        [sys.executable, "-c", WHERE], env=_env(src, pycache), capture_output=True, text=True, check=True
    )
    if not Path(done.stdout.strip()).resolve().is_relative_to(src.resolve()):
        sys.exit(f"PYTHONPATH={src} imports sparkfleet from {done.stdout.strip()}, not from that tree")


def unpack(rev: str, into: Path) -> Path:
    """`git archive REV` of this repository unpacked under `into`; returns its `src`."""
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def measure(runs: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Each run once untimed, then `rounds` rounds of all of them, interleaved."""
    for once in runs.values():
        once()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, once in runs.items():
            times[name].append(once())
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7, help="Timed runs of each command (default 7).")
    parser.add_argument(
        "--before", default="HEAD", help="Revision to compare with (default HEAD; none: no comparison)."
    )
    parser.add_argument("--no-bytecode", action="store_true", help="Run with PYTHONDONTWRITEBYTECODE=1.")
    parser.add_argument("--json", action="store_true", help="Print the medians as one JSON line only.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sparkfleet-cli-bench-") as scratch:
        pycache = None if args.no_bytecode else Path(scratch) / "pycache"
        trees = {"": ROOT / "src"}
        if args.before != "none":
            before = Path(scratch) / "before"
            before.mkdir()
            trees["before_"] = unpack(args.before, before)
        runs: dict[str, Callable[[], float]] = {}
        for prefix, src in trees.items():
            check_tree(src, pycache)
            for name, command in COMMANDS.items():
                runs[f"{prefix}{name}"] = sparkfleet_run(src, pycache, command)
        kubectl = shutil.which("kubectl")
        if kubectl is not None:
            runs["kubectl"] = kubectl_run(kubectl)
        times = measure(runs, args.runs)

    medians = {name: statistics.median(values) for name, values in times.items()}
    result: dict[str, object] = {"runs": args.runs, "bytecode": not args.no_bytecode}
    result.update({f"{name}_s": round(value, 3) for name, value in medians.items()})
    if kubectl is None:
        result["kubectl_s"] = None
    if args.json:
        print(json.dumps(result))
        return
    labels = {
        "help": "sparkfleet --help",
        "validate": f"sparkfleet validate -f {JOB}",
        "get": "sparkfleet get nodepools (fresh home)",
        "kubectl": "kubectl version --client",
    }
    print(f"{'command':<58} {'median s':>9} {'min-max s':>12}")
    for prefix, tree in (("", "this tree"), ("before_", f"{args.before}")):
        for name in (*COMMANDS, "kubectl"):
            key = f"{prefix}{name}"
            if key not in times or (prefix and name == "kubectl"):
                continue
            label = labels[name] if not prefix else f"{labels[name]} [{tree}]"
            values = times[key]
            print(f"{label:<58} {medians[key]:>9.3f} {min(values):>5.3f}-{max(values):<6.3f}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
