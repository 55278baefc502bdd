"""Benchmark of scheduling through the real scheduler controller and the embedded store.

    python bench/controllers.py                 # a table
    python bench/controllers.py --json          # {"store_pods_per_s": X, "gang_pods_per_s": X, ...}
    python bench/controllers.py --pods 10000    # a smaller run (--api-pods N for the api case, 0 skips it)

Fleet: 2,000 Ready nodes (16 cpu, 64 GiB allocatable, 110 pods) and queues of the blueprint's shape with
room for everything (the cases measure scheduling through the store, not quota). Cases:
  store) 500 applications x 100 plain pending pods (500m / 1 GiB, schedulerName yunikorn) created in the
         store; the controller (watch, records, engine, binds and PodScheduled conditions written back) runs
         on this thread until every pod is bound. pods/s counts from the first create to the last bind.
  gang)  500 Spark-style gangs of 100 (task-group annotations on every member): the controller creates
         the placeholders, binds them, then the members are created and swap into their places; pods/s
         counts the real pods, from the first create to the last real pod bound.
  api)   the same plain pods, scheduled by `sparkfleet controller --controllers scheduler` in a process
         of its own through the HTTP API (served here over HTTPS with a token, as `up` serves it): it
         watches the pods and binds each through pods/binding. The pods are created in the store; pods/s
         counts from the first create to the last bind, and the API server's share is this process's CPU
         time (the server) over the CPU time of both processes.
The engine's share is the time spent inside `engine.scheduling.schedule` over the whole case. The store
and gang cases run twice in the same process: as the controller runs (a cycle's effects in one store
transaction) and, as the baseline, with every effect a transaction of its own (the path before cycles
were batched).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from sparkfleet.api.wire import ANNOTATION_TASK_GROUP_NAME, ANNOTATION_TASK_GROUPS, LABEL_PLACEHOLDER
from sparkfleet.api.yunikorn import CONFIGMAP_NAMES
from sparkfleet.clock import SystemClock, VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.controllers.scheduler import effects as effects_module
from sparkfleet.controllers.scheduler import reconciler as scheduler_module
from sparkfleet.controllers.scheduler.reconciler import SchedulerReconciler
from sparkfleet.reconcile import Controller
from sparkfleet.server import create_app, ensure_pki, new_token, start_server

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
        _seed(store)
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


def _seed(store: EmbeddedCluster) -> None:
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


@dataclass
class ApiOutcome:
    pods: int
    seconds: float
    server_cpu: float
    controller_cpu: float
    requests: int
    """HTTP requests the API server answered while the pods were scheduled (watches included)."""

    @property
    def requests_per_pod(self) -> float:
        return self.requests / self.pods

    @property
    def pods_per_s(self) -> float:
        return self.pods / self.seconds

    @property
    def server_share(self) -> float:
        return self.server_cpu / max(1e-9, self.server_cpu + self.controller_cpu)


class RequestCounter:
    """ASGI middleware counting the HTTP requests an app answers and the bindings it accepted, so the
    benchmark knows when every pod is bound without listing them (a list of every pod competes with the
    server for this process). The app's `state` stays reachable, for the server to end its streams."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = app.state
        self.count = 0
        self.bindings = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.count += 1
        if scope["method"] != "POST" or not scope["path"].endswith("/binding"):
            await self.app(scope, receive, send)
            return

        async def counted(message: Any) -> None:
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                self.bindings += 1
            await send(message)

        await self.app(scope, receive, counted)


def run_api_case(apps: int, timeout: float = 1800.0) -> ApiOutcome:
    """The scheduler as `sparkfleet controller` over HTTPS against this process's API server."""
    workdir = Path(tempfile.mkdtemp(prefix="sparkfleet-bench-api-"))
    store = EmbeddedCluster(workdir / "store.db", SystemClock())
    handle = None
    child: subprocess.Popen[bytes] | None = None
    try:
        _seed(store)
        token = new_token()
        counter = RequestCounter(create_app(store, token))
        handle = start_server(counter, token, tls=ensure_pki(workdir / "pki", datetime.now(UTC)))
        (workdir / "kubeconfig").write_text(yaml.safe_dump(handle.kubeconfig()))
        log = (workdir / "controller.log").open("wb")
        command = [sys.executable, "-m", "sparkfleet.cli.main", "controller", "--controllers", "scheduler"]
        command += ["--kubeconfig", str(workdir / "kubeconfig"), "--listen", "127.0.0.1:0"]
        child = subprocess.Popen([*command, "--log-format", "text"], stdout=log, stderr=log)
        # Ready once it wrote its state ConfigMap: its watches are open.
        while not store.list("ConfigMap", "yunikorn", field_selector="metadata.name=yunikorn-state").items:
            if child.poll() is not None:
                raise RuntimeError((workdir / "controller.log").read_text()[-2000:])
            time.sleep(0.2)
        pods = [pod(a, i, gang=False) for a in range(apps) for i in range(PODS_PER_APP)]
        cpu_before, requests_before = time.process_time(), counter.count
        started = time.perf_counter()
        for i in range(0, len(pods), CREATE_BATCH):
            store.create_many(pods[i : i + CREATE_BATCH])
        while counter.bindings < len(pods):
            if time.perf_counter() - started > timeout or child.poll() is not None:
                raise RuntimeError(f"{counter.bindings} of {len(pods)} pods bound")
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        server_cpu, requests = time.process_time() - cpu_before, counter.count - requests_before
        if bound(store, real_only=True) != len(pods):  # each accepted binding bound a pod of its own
            raise RuntimeError(f"{len(pods)} bindings accepted, {bound(store, real_only=True)} pods bound")
        child.terminate()
        child.wait(60)
        controller = resource.getrusage(resource.RUSAGE_CHILDREN)
        return ApiOutcome(len(pods), seconds, server_cpu, controller.ru_utime + controller.ru_stime, requests)
    finally:
        if child is not None and child.poll() is None:
            child.kill()
        if handle is not None:
            handle.stop()
        store.close()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--pods", type=int, default=50_000, help="pods per case (multiple of 100)")
    parser.add_argument("--api-pods", type=int, default=10_000, help="pods of the api case (0: skip it)")
    args = parser.parse_args()
    apps = max(1, args.pods // PODS_PER_APP)
    api = run_api_case(max(1, args.api_pods // PODS_PER_APP)) if args.api_pods else None
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
        if api is not None:
            figures["api_pods"] = api.pods
            figures["api_pods_per_s"] = round(api.pods_per_s)
            figures["api_server_share"] = round(api.server_share, 3)
            figures["api_requests_per_pod"] = round(api.requests_per_pod, 2)
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
    if api is not None:
        print(
            f"{'api':<8}{'sparkfleet controller':<22}{api.pods:>8}{api.seconds:>10.2f}{api.pods_per_s:>10.0f}"
            f"{'':>14}  API server's CPU share {api.server_share:.0%},"
            f" {api.requests_per_pod:.2f} requests per pod"
        )
    print(f"peak RSS {peak_rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
