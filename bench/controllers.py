"""Benchmark of scheduling through the real scheduler controller and the embedded store.

    python bench/controllers.py                 # a table
    python bench/controllers.py --json          # {"store_pods_per_s": X, "gang_pods_per_s": X, ...}
    python bench/controllers.py --pods 10000    # a smaller run

Fleet: 2,000 Ready nodes (16 cpu, 64 GiB allocatable, 110 pods) and queues of the blueprint's shape with
room for everything (the cases measure scheduling through the store, not quota). Cases:
  store) 500 applications x 100 plain pending pods (500m / 1 GiB, schedulerName yunikorn) created in the
         store; the controller (watch, records, engine, binds and PodScheduled conditions written back) runs
         on this thread until every pod is bound. pods/s counts from the first create to the last bind.
  gang)  500 Spark-style gangs of 100 (task-group annotations on every member): the controller creates
         the placeholders, binds them, then the members are created and swap into their places; pods/s
         counts the real pods, from the first create to the last real pod bound.
The engine's share is the time spent inside `engine.scheduling.schedule` over the whole case. Each case
runs twice in the same process: as the controller runs (a cycle's effects in one store transaction) and,
as the baseline, with every effect a transaction of its own (the path before cycles were batched).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sparkfleet.api.wire import ANNOTATION_TASK_GROUP_NAME, ANNOTATION_TASK_GROUPS, LABEL_PLACEHOLDER
from sparkfleet.api.yunikorn import CONFIGMAP_NAMES
from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.controllers.scheduler import effects as effects_module
from sparkfleet.controllers.scheduler import reconciler as scheduler_module
from sparkfleet.controllers.scheduler.reconciler import SchedulerReconciler
from sparkfleet.reconcile import Controller

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NS = "spark-team-a"
NODES = 2000
CREATE_BATCH = 1000
QUEUES = """
partitions:
  - name: default
    nodesortpolicy: {type: binpacking}
    queues:
      - name: root
        submitacl: '*'
        queues:
          - name: test
            resources: {guaranteed: {memory: 1000T, vcore: 100000}, max: {memory: 1000T, vcore: 100000}}
"""


def node(i: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": f"node-{i:05d}", "labels": {"kubernetes.io/hostname": f"node-{i:05d}"}},
        "status": {
            "allocatable": {"cpu": "16", "memory": "64Gi", "pods": "110"},
            "capacity": {"cpu": "16", "memory": "64Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


def pod(app: int, i: int, *, gang: bool) -> dict[str, Any]:
    app_id = f"app-{app:04d}"
    annotations: dict[str, str] = {}
    if gang:
        annotations[ANNOTATION_TASK_GROUP_NAME] = "members"
        annotations[ANNOTATION_TASK_GROUPS] = json.dumps(
            [{"name": "members", "minMember": PODS_PER_APP, "minResource": {"cpu": "500m", "memory": "1Gi"}}]
        )
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"{app_id}-{i:03d}",
            "namespace": NS,
            "labels": {"applicationId": app_id, "queue": "root.test"},
            "annotations": annotations,
        },
        "spec": {
            "schedulerName": "yunikorn",
            "containers": [{"name": "main", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}}],
        },
    }


PODS_PER_APP = 100


@dataclass
class Outcome:
    pods: int
    seconds: float
    engine_seconds: float

    @property
    def pods_per_s(self) -> float:
        return self.pods / self.seconds

    @property
    def engine_share(self) -> float:
        return self.engine_seconds / self.seconds


@contextmanager
def engine_timer() -> Iterator[list[float]]:
    """Time spent in the engine's `schedule`, as the controller calls it."""
    spent = [0.0]
    original: Callable[..., Any] = scheduler_module.schedule

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    scheduler_module.schedule = timed
    try:
        yield spent
    finally:
        scheduler_module.schedule = original


@contextmanager
def one_write_per_effect() -> Iterator[None]:
    """The baseline: the scheduler's effects applied without a surrounding transaction."""
    original = effects_module.one_transaction
    effects_module.one_transaction = lambda cluster: nullcontext()
    try:
        yield
    finally:
        effects_module.one_transaction = original


def bound(store: EmbeddedCluster, *, real_only: bool) -> int:
    count = 0
    for item in store.list("Pod", NS).items:
        if real_only and (item["metadata"].get("labels") or {}).get(LABEL_PLACEHOLDER) == "true":
            continue
        count += bool(item["spec"].get("nodeName"))
    return count


def run_case(apps: int, *, gang: bool, batched: bool = True) -> Outcome:
    with nullcontext() if batched else one_write_per_effect():
        return _run_case(apps, gang=gang)


def _run_case(apps: int, *, gang: bool) -> Outcome:
    workdir = Path(tempfile.mkdtemp(prefix="sparkfleet-bench-"))
    try:
        clock = VirtualClock(START)
        store = EmbeddedCluster(workdir / "store.db", clock)
        store.create(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": CONFIGMAP_NAMES[1], "namespace": "yunikorn"},
                "data": {"queues.yaml": QUEUES},
            }
        )
        store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
        nodes = [node(i) for i in range(NODES)]
        for i in range(0, len(nodes), CREATE_BATCH):
            store.create_many(nodes[i : i + CREATE_BATCH])
        controller = Controller(SchedulerReconciler(store, clock), store, clock)
        controller.enqueue_all()
        controller.run_until_idle()
        pods = [pod(a, i, gang=gang) for a in range(apps) for i in range(PODS_PER_APP)]
        with engine_timer() as spent:
            started = time.perf_counter()
            for i in range(0, len(pods), CREATE_BATCH):
                store.create_many(pods[i : i + CREATE_BATCH])
                controller.run_until_idle()
            while bound(store, real_only=True) < len(pods):
                controller.enqueue_all()
                controller.run_until_idle()
                clock.advance(1.0)
            seconds = time.perf_counter() - started
        store.close()
        return Outcome(len(pods), seconds, spent[0])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--pods", type=int, default=50_000, help="pods per case (multiple of 100)")
    args = parser.parse_args()
    apps = max(1, args.pods // PODS_PER_APP)
    cases = {
        (name, batched): run_case(apps, gang=name == "gang", batched=batched)
        for name in ("store", "gang")
        for batched in (True, False)
    }
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.json:
        figures: dict[str, Any] = {"nodes": NODES, "pods": cases["store", True].pods}
        for name in ("store", "gang"):
            now, before = cases[name, True], cases[name, False]
            figures[f"{name}_pods_per_s"] = round(now.pods_per_s)
            figures[f"{name}_engine_share"] = round(now.engine_share, 3)
            figures[f"{name}_baseline_pods_per_s"] = round(before.pods_per_s)
            figures[f"{name}_ratio"] = round(now.pods_per_s / before.pods_per_s, 2)
        figures["peak_rss_mb"] = round(peak_rss_mb)
        print(json.dumps(figures))
        return
    print(f"{NODES} nodes; {apps} applications x {PODS_PER_APP} pods per case")
    print(f"{'case':<8}{'effects':<22}{'pods':>8}{'seconds':>10}{'pods/s':>10}{'engine share':>14}")
    for (name, batched), case in cases.items():
        how = "one transaction/cycle" if batched else "one per effect"
        print(
            f"{name:<8}{how:<22}{case.pods:>8}{case.seconds:>10.2f}{case.pods_per_s:>10.0f}"
            f"{case.engine_share:>14.0%}"
        )
    print(f"peak RSS {peak_rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
