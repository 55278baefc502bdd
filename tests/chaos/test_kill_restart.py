"""SIGKILL of the cluster process at random moments while applications are applied, held in a queue,
provisioned and run, then `up` again: nothing acknowledged is lost, nothing runs twice.

The workload mixes quick real Spark jobs (a SparkSession counting rows) in an open queue with jobs held
by a YuniKorn queue limit (`maxapplications`) whose drivers are short `spark-submit` runs of a script
that starts no session, so most of them wait in the queue at every kill. After each restart every
applied application exists; at the end each has reached a final state; at no sample does an
application have two driver pods, nor over the whole run more driver pods or submission attempts than
its restartPolicy allows.

The short form runs in CI (30 applications, 3 kills); the long form (`-m chaos_long`) applies more and
kills more often, and its figures are in RELIABILITY.md.
"""

from __future__ import annotations

import random
import shutil
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sparkfleet.api.wire import LABEL_APP_NAME, LABEL_SPARK_ROLE
from support.background import NS, Background, app_state, retried, spark_app
from support.cli import EXAMPLES
from support.platforms import local_spark_config

FINAL = {"COMPLETED", "FAILED"}
QUICK_JOB = """\
from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("chaos-quick").getOrCreate()
print("rows:", spark.range(1000).count(), flush=True)
spark.stop()
"""
HELD_JOB = "print('held job ran', flush=True)\n"
QUEUES = """\
partitions:
- name: default
  queues:
  - name: root
    submitacl: '*'
    queues:
    - name: quick
    - name: held
      maxapplications: {held_limit}
  nodesortpolicy:
    type: binpacking
"""
RETRY = {"type": "OnFailure", "onFailureRetries": 1, "onFailureRetryInterval": 1}


@dataclass(frozen=True)
class Workload:
    apps: int
    quick: int
    kills: int
    held_limit: int
    seed: int
    finish_timeout: float


@dataclass
class Observed:
    """What the sampler saw of the driver pods, across every restart."""

    driver_uids: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    most_at_once: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: int = 0


def allowed_attempts(app: dict[str, Any]) -> int:
    policy = app["spec"].get("restartPolicy") or {}
    return 1 + int(policy.get("onFailureRetries", 0)) if policy.get("type") == "OnFailure" else 1


def sample(cluster: Background, seen: Observed, stop: threading.Event) -> None:
    """Record every driver pod of every application, about twice a second, whether or not the API is up."""
    while not stop.is_set():
        try:
            pods = cluster.api.list("Pod", NS, label_selector={LABEL_SPARK_ROLE: "driver"}).items
        except Exception:
            time.sleep(0.1)  # killed or restarting: nothing to see
            continue
        now: dict[str, int] = defaultdict(int)
        for pod in pods:
            app = (pod["metadata"].get("labels") or {}).get(LABEL_APP_NAME, "")
            seen.driver_uids[app].add(pod["metadata"]["uid"])
            now[app] += 1
        for app, count in now.items():
            seen.most_at_once[app] = max(seen.most_at_once[app], count)
        seen.samples += 1
        stop.wait(0.5)


def explain(cluster: Background, names: list[str]) -> list[str]:
    """Each application's state with its pods' phases and container states, and its last events."""
    lines = []
    events = cluster.api.list("Event", NS).items
    for name in names:
        app = cluster.api.get("SparkApplication", NS, name)
        pods = cluster.api.list("Pod", NS, label_selector={LABEL_APP_NAME: name}).items
        seen = [
            f"{p['metadata']['name']}:{(p.get('status') or {}).get('phase')}:"
            f"{[c.get('state') for c in (p.get('status') or {}).get('containerStatuses') or []]}"
            for p in pods
        ]
        told = [e["reason"] for e in events if e["involvedObject"]["name"].startswith(name)][-8:]
        lines.append(f"{name}={app_state(app)} pods={seen} events={told}")
    return lines


def config_dir(tmp_path: Path, held_limit: int) -> Path:
    config = tmp_path / "config"
    shutil.copytree(EXAMPLES / "config", config)
    (config / "queues.yaml").write_text(QUEUES.format(held_limit=held_limit))
    return local_spark_config(config)  # the drivers' own JVMs: many jobs on two cores


def manifests(tmp_path: Path, workload: Workload) -> list[dict[str, Any]]:
    quick, held = tmp_path / "quick.py", tmp_path / "held.py"
    quick.write_text(QUICK_JOB)
    held.write_text(HELD_JOB)
    apps: list[tuple[dict[str, Any], int]] = []
    for n in range(workload.apps):
        if n % (workload.apps // workload.quick) == 0 and sum(a[1] for a in apps) < workload.quick:
            apps.append((spark_app(f"quick-{n:03d}", quick, queue="root.quick", restart=RETRY), 1))
        else:
            apps.append((spark_app(f"held-{n:03d}", held, queue="root.held"), 0))
    return [a for a, _ in apps]


@pytest.fixture
def cluster(home: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Background]:
    workload: Workload = request.param
    background = Background(home, config_dir(tmp_path, workload.held_limit))
    try:
        yield background
    finally:
        background.close()


def run_chaos(cluster: Background, tmp_path: Path, workload: Workload) -> dict[str, Any]:
    rng = random.Random(workload.seed)
    apps = manifests(tmp_path, workload)
    names = [a["metadata"]["name"] for a in apps]
    batches = [apps[i :: workload.kills] for i in range(workload.kills)]
    started = time.monotonic()
    cluster.up()
    seen, stop = Observed(), threading.Event()
    sampler = threading.Thread(target=sample, args=(cluster, seen, stop), daemon=True)
    sampler.start()
    applied: list[str] = []
    try:
        for batch in batches:
            for app in batch:
                cluster.api.create(app)  # acknowledged: it must survive every kill from now on
                applied.append(app["metadata"]["name"])
            time.sleep(rng.uniform(1.0, 8.0))  # a random moment: scheduling, provisioning, running
            cluster.kill()
            cluster.up()
            present = {
                a["metadata"]["name"] for a in retried(lambda: cluster.api.list("SparkApplication", NS).items)
            }
            assert sorted(set(applied) - present) == [], "acknowledged applications lost at a restart"
        deadline = time.monotonic() + workload.finish_timeout
        while True:
            final = retried(lambda: cluster.api.list("SparkApplication", NS).items)
            if all(app_state(a) in FINAL for a in final) and len(final) == len(names):
                break
            if time.monotonic() > deadline:
                stuck = [a["metadata"]["name"] for a in final if app_state(a) not in FINAL]
                raise AssertionError(
                    f"not final after {workload.finish_timeout} s: {explain(cluster, stuck)}"
                )
            time.sleep(0.5)
    finally:
        stop.set()
        sampler.join(5)
    by_name = {a["metadata"]["name"]: a for a in final}
    assert sorted(by_name) == sorted(names), "every applied application exists"
    over_attempts = [
        n for n, a in by_name.items() if a["status"].get("submissionAttempts", 0) > allowed_attempts(a)
    ]
    over_drivers = [n for n, a in by_name.items() if len(seen.driver_uids[n]) > allowed_attempts(a)]
    doubled = [n for n, count in seen.most_at_once.items() if count > 1]
    states = [app_state(a) for a in final]
    figures = {
        "applications": len(names),
        "quick": workload.quick,
        "held": len(names) - workload.quick,
        "kills": workload.kills,
        "completed": states.count("COMPLETED"),
        "failed": states.count("FAILED"),
        "reruns": sum(1 for a in final if a["status"].get("submissionAttempts", 0) > 1),
        "two_drivers_at_once": len(doubled),
        "over_attempts": len(over_attempts),
        "samples": seen.samples,
        "seconds": round(time.monotonic() - started, 1),
    }
    print(f"chaos: {figures}")
    assert doubled == [], f"two driver pods at once: {doubled}"
    assert over_attempts == [], f"more submission attempts than the restartPolicy allows: {over_attempts}"
    assert over_drivers == [], f"more driver pods than the restartPolicy allows: {over_drivers}"
    return figures


SHORT = Workload(apps=30, quick=5, kills=3, held_limit=4, seed=17, finish_timeout=180.0)
LONG = Workload(apps=100, quick=20, kills=10, held_limit=4, seed=1017, finish_timeout=900.0)


@pytest.mark.e2e
@pytest.mark.parametrize("cluster", [SHORT], indirect=True, ids=["short"])
def test_kills_during_thirty_applications_lose_nothing_and_run_nothing_twice(
    cluster: Background, tmp_path: Path
) -> None:
    figures = run_chaos(cluster, tmp_path, SHORT)
    assert figures["completed"] == SHORT.apps, f"a kill made an application fail: {figures}"


@pytest.mark.e2e
@pytest.mark.chaos_long
@pytest.mark.parametrize("cluster", [LONG], indirect=True, ids=["long"])
def test_many_kills_during_a_hundred_applications_lose_nothing_and_run_nothing_twice(
    cluster: Background, tmp_path: Path
) -> None:
    figures = run_chaos(cluster, tmp_path, LONG)
    assert figures["completed"] + figures["failed"] == LONG.apps
