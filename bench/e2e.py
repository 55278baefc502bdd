"""End-to-end benchmark: the pyspark-pi job through `sparkfleet run` against bare `spark-submit`.

    python bench/e2e.py                # a table
    python bench/e2e.py --rounds 5     # more rounds (default 3)
    python bench/e2e.py --json         # {"sparkfleet_s": X, "spark_submit_s": X, "ratio": X} (medians)

Each round runs, one after the other on the same machine:
- `sparkfleet run examples/pyspark-pi-job.yaml` as a subprocess with a fresh SPARKFLEET_HOME in a temporary
  directory: config load, store, controllers, a simulated node launch, scheduling, the driver's real
  spark-submit, the report; the clock covers the whole command;
- the same pi script (the one the job's image path maps to) with the installed PySpark's
  `spark-submit --master local[2]` and the job's own `sparkConf` (event logs to a local directory instead
  of S3), so both sides do the same Spark work and the difference is the platform's.
The order alternates between rounds so neither side always runs on a warmer machine.
`ratio` = median sparkfleet time / median spark-submit time.
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


def _timed(argv: list[str], env: dict[str, str], check: Callable[[str], bool], what: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=ROOT, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or not check(done.stdout + done.stderr):
        sys.exit(f"{what} failed (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return elapsed


def run_sparkfleet(command: list[str]) -> float:
    with tempfile.TemporaryDirectory(prefix="sparkfleet-e2e-") as home:
        env = {**os.environ, "SPARKFLEET_HOME": home}
        return _timed([*command, "run", str(JOB)], env, lambda out: "COMPLETED" in out, "sparkfleet run")


def job_conf(event_dir: Path) -> list[str]:
    """`--conf` flags for the job's sparkConf, its S3 event-log directory replaced by a local one."""
    app = next(d for d in yaml.safe_load_all(JOB.read_text()) if d and d.get("kind") == "SparkApplication")
    flags: list[str] = []
    for key, value in (app["spec"].get("sparkConf") or {}).items():
        if key == "spark.eventLog.dir":
            value = event_dir.as_uri()
        flags += ["--conf", f"{key}={value}"]
    return flags


def run_spark_submit() -> float:
    with tempfile.TemporaryDirectory(prefix="sparkfleet-e2e-events-") as events:
        return _run_spark_submit(Path(events))


def _run_spark_submit(event_dir: Path) -> float:
    spark = find_spark()
    env = {**os.environ, "PYSPARK_PYTHON": spark.python, "PYSPARK_DRIVER_PYTHON": spark.python}
    if spark.java_home is not None:
        env["JAVA_HOME"] = str(spark.java_home)
    env.pop("SPARK_HOME", None)  # spark-submit finds its own home
    argv = [str(spark.spark_submit), "--master", "local[2]", *job_conf(event_dir), str(PI)]
    return _timed(argv, env, lambda out: "Pi is roughly 3.1" in out, "spark-submit")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3, help="Rounds of both runs (default 3).")
    parser.add_argument("--json", action="store_true", help="Print the medians as JSON only.")
    args = parser.parse_args()
    command = _sparkfleet_command()
    fleet: list[float] = []
    bare: list[float] = []
    for round_no in range(args.rounds):
        # Alternate which side goes first.
        if round_no % 2 == 0:
            fleet.append(run_sparkfleet(command))
            bare.append(run_spark_submit())
        else:
            bare.append(run_spark_submit())
            fleet.append(run_sparkfleet(command))
        if not args.json:
            print(f"round {round_no + 1}: sparkfleet run {fleet[-1]:.2f} s, spark-submit {bare[-1]:.2f} s")
    fleet_s = statistics.median(fleet)
    bare_s = statistics.median(bare)
    result = {
        "sparkfleet_s": round(fleet_s, 3),
        "spark_submit_s": round(bare_s, 3),
        "ratio": round(fleet_s / bare_s, 3),
    }
    if args.json:
        print(json.dumps(result))
        return
    print()
    print(f"{'':28} {'median s':>9} {'min s':>7} {'max s':>7}")
    print(f"{'sparkfleet run':28} {fleet_s:9.2f} {min(fleet):7.2f} {max(fleet):7.2f}")
    print(f"{'spark-submit --master local[2]':28} {bare_s:9.2f} {min(bare):7.2f} {max(bare):7.2f}")
    print(f"ratio (median / median): {result['ratio']:.2f}  (goal: at most 1.3)")


if __name__ == "__main__":
    main()
