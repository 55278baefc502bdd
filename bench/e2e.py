"""End-to-end benchmark: the pyspark-pi job through `sparkfleet run` against bare `spark-submit`, in both
ways sparkfleet runs Spark.

    python bench/e2e.py                # a table
    python bench/e2e.py --rounds 5     # more rounds (default 3)
    python bench/e2e.py --json         # one line: the medians and ratios (keys below)

Each round runs four whole processes, one after the other on the same machine:
- `sparkfleet run examples/pyspark-pi-job.yaml --spark-mode kubernetes`: the driver and two real executor
  JVMs that Spark creates through the run's API (sparkfleet_s), against the same pi script with the
  installed PySpark's `spark-submit --master local-cluster[2,1,1024]`, two executor JVMs of Spark's own
  standalone mini-cluster (local_cluster_s): `k8s_ratio`;
- `sparkfleet run ... --spark-mode local` (sparkfleet_local_s) against `spark-submit --master local[2]`
  (spark_submit_s): `local_ratio`.
Each sparkfleet run has a fresh SPARKFLEET_HOME in a temporary directory (config load, store,
controllers, a simulated node launch, scheduling, the driver, the report); the clock covers the whole
command. The bare runs get the job's own `sparkConf` (event logs to a local directory instead of S3), so
both sides do the same Spark work. The order of the pairs alternates between rounds.
`control_plane_peak_rss_mb`: the highest peak RSS (VmHWM) of the `sparkfleet run` process itself (the
whole control plane runs in it; the JVMs and Python workers it starts are not counted), over all runs.
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

import yaml

from sparkfleet.runtime.local.install import find_spark

ROOT = Path(__file__).resolve().parents[1]
JOB = ROOT / "examples" / "pyspark-pi-job.yaml"
PI = ROOT / "src/sparkfleet/runtime/local/image/opt/spark/examples/src/main/python/pi.py"


def _sparkfleet_command() -> list[str]:
    beside = Path(sys.executable).parent / "sparkfleet"
    found = str(beside) if beside.is_file() else shutil.which("sparkfleet")
    if found is None:
        sys.exit("the `sparkfleet` command is not installed (pip install -e .)")
    return [found]


def _peak_rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _timed(
    argv: list[str], env: dict[str, str], check: Callable[[str], bool], what: str
) -> tuple[float, int]:
    """(wall seconds, the process's own peak RSS in KiB as last seen while it ran)."""
    with tempfile.TemporaryFile("w+") as out:
        start = time.perf_counter()
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _peak_rss_kib(process.pid))
            time.sleep(0.1)
        elapsed = time.perf_counter() - start
        out.seek(0)
        text = out.read()
    if process.returncode != 0 or not check(text):
        sys.exit(f"{what} failed (exit {process.returncode}):\n{text[-5000:]}")
    return elapsed, peak


def run_sparkfleet(command: list[str], mode: str) -> tuple[float, int]:
    with tempfile.TemporaryDirectory(prefix="sparkfleet-e2e-") as home:
        env = {**os.environ, "SPARKFLEET_HOME": home}
        argv = [*command, "run", str(JOB), "--spark-mode", mode]
        return _timed(argv, env, lambda out: "COMPLETED" in out, f"sparkfleet run --spark-mode {mode}")


def job_conf(event_dir: Path) -> list[str]:
    """`--conf` flags for the job's sparkConf, its S3 event-log directory replaced by a local one."""
    app = next(d for d in yaml.safe_load_all(JOB.read_text()) if d and d.get("kind") == "SparkApplication")
    flags: list[str] = []
    for key, value in (app["spec"].get("sparkConf") or {}).items():
        if key == "spark.eventLog.dir":
            value = event_dir.as_uri()
        flags += ["--conf", f"{key}={value}"]
    return flags


def run_spark_submit(master: str) -> float:
    with tempfile.TemporaryDirectory(prefix="sparkfleet-e2e-events-") as events:
        return _run_spark_submit(Path(events), master)


def _run_spark_submit(event_dir: Path, master: str) -> float:
    spark = find_spark()
    env = {**os.environ, "PYSPARK_PYTHON": spark.python, "PYSPARK_DRIVER_PYTHON": spark.python}
    if spark.java_home is not None:
        env["JAVA_HOME"] = str(spark.java_home)
    env.pop("SPARK_HOME", None)  # spark-submit finds its own home
    argv = [str(spark.spark_submit), "--master", master, *job_conf(event_dir), str(PI)]
    return _timed(argv, env, lambda out: "Pi is roughly 3.1" in out, f"spark-submit --master {master}")[0]


LOCAL_CLUSTER = "local-cluster[2,1,1024]"


def _row(name: str, values: list[float]) -> str:
    return f"{name:42} {statistics.median(values):9.2f} {min(values):7.2f} {max(values):7.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3, help="Rounds of all four runs (default 3).")
    parser.add_argument("--json", action="store_true", help="Print the medians as JSON only.")
    args = parser.parse_args()
    command = _sparkfleet_command()
    times: dict[str, list[float]] = {k: [] for k in ("k8s", "cluster", "local", "bare")}
    peaks: list[int] = []

    def fleet(mode: str, key: str) -> None:
        elapsed, peak = run_sparkfleet(command, mode)
        times[key].append(elapsed)
        peaks.append(peak)

    def k8s() -> None:
        fleet("kubernetes", "k8s")

    def cluster() -> None:
        times["cluster"].append(run_spark_submit(LOCAL_CLUSTER))

    def local() -> None:
        fleet("local", "local")

    def bare() -> None:
        times["bare"].append(run_spark_submit("local[2]"))

    pairs: list[tuple[Callable[[], None], Callable[[], None]]] = [(k8s, cluster), (local, bare)]
    for round_no in range(args.rounds):
        for pair in pairs:  # which side goes first alternates between rounds
            for run in pair if round_no % 2 == 0 else pair[::-1]:
                run()
        if not args.json:
            print(
                f"round {round_no + 1}: kubernetes {times['k8s'][-1]:.2f} s, local-cluster "
                f"{times['cluster'][-1]:.2f} s, local {times['local'][-1]:.2f} s, "
                f"local[2] {times['bare'][-1]:.2f} s"
            )
    med = {k: statistics.median(v) for k, v in times.items()}
    result = {
        "sparkfleet_s": round(med["k8s"], 3),
        "local_cluster_s": round(med["cluster"], 3),
        "k8s_ratio": round(med["k8s"] / med["cluster"], 3),
        "sparkfleet_local_s": round(med["local"], 3),
        "spark_submit_s": round(med["bare"], 3),
        "local_ratio": round(med["local"] / med["bare"], 3),
        "control_plane_peak_rss_mb": round(max(peaks) / 1024, 1),
    }
    if args.json:
        print(json.dumps(result))
        return
    print()
    print(f"{'':42} {'median s':>9} {'min s':>7} {'max s':>7}")
    print(_row("sparkfleet run --spark-mode kubernetes", times["k8s"]))
    print(_row(f"spark-submit --master {LOCAL_CLUSTER}", times["cluster"]))
    print(_row("sparkfleet run --spark-mode local", times["local"]))
    print(_row("spark-submit --master local[2]", times["bare"]))
    print(
        f"k8s ratio {result['k8s_ratio']:.2f}, local ratio {result['local_ratio']:.2f} "
        "(goal: at most 1.3 each)"
    )
    print(f"control plane peak RSS: {result['control_plane_peak_rss_mb']:.1f} MB")


if __name__ == "__main__":
    main()
