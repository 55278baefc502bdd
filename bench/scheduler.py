"""Benchmark of the batch scheduler's pure core on 2000 nodes of mixed shapes.

    python bench/scheduler.py            # a table
    python bench/scheduler.py --json     # {"nodes": 2000, "cases": {"a": {"pods", "pods_per_s"}, ...},
                                         #  "peak_rss_mb": X}

Fleet: 2000 nodes, 500 each of four shapes with the blueprint's labels (allocatable after kubelet
reserves): m5.4xlarge (16 cpu, 64 GiB), r5.8xlarge (32, 256), c5d.9xlarge (36, 72), r6g.4xlarge
(16, 128); 110 pods per node. Queues: the blueprint's tree (root.default/prod/test/dev) with guaranteed
and max scaled up 1000x so that the cases measure scheduling, not quota (limits are still checked up the
tree for every batch). Node sorting: binpacking, as in the blueprint.

Cases (every pod is placed from the snapshot in one `schedule` call unless stated):
  a) 1 application x 50,000 pods (a driver and 49,999 executors of 500m / 2 GiB);
  b) 25 applications x 2,000 pods spread over the four queues (fair ordering between queues), four
     executor sizes;
  c) 500 gang applications (1 driver + 99 executors, task groups for both): cycle 1 creates and places
     50,000 placeholders, cycle 2 swaps the 50,000 real pods into them; pods/s counts the real pods over
     both cycles;
  d) case b where every application needs a tainted node group (NodeGroupType via required node affinity,
     with the toleration) or a nodeSelector on the architecture.
Timing covers `schedule()` only: records are built directly, as the controller's converter would.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import time
from collections.abc import Callable
from dataclasses import replace

from sparkfleet.api.placement import NodeSelectorRequirement, NodeSelectorTerm, Taint, TaintEffect, Toleration
from sparkfleet.api.yunikorn import parse_queues_yaml
from sparkfleet.engine.scheduling import (
    Constraints,
    NodeRecord,
    PodRecord,
    Resources,
    SchedulingDecision,
    Snapshot,
    schedule,
)

GIB = 2**30
NODES = 2000
NOW = 1_767_600_000.0

SHAPES = (
    # (instance type, cpu millis, memory GiB, NodeGroupType, arch, taint key)
    ("m5.4xlarge", 15_890, 57, "SparkComputeOptimized", "amd64", "spark-compute-optimized"),
    ("r5.8xlarge", 31_850, 241, "SparkMemoryOptimized", "amd64", "spark-memory-optimized"),
    ("c5d.9xlarge", 35_850, 63, "SparkComputeOptimized", "amd64", "spark-compute-optimized"),
    ("r6g.4xlarge", 15_890, 118, "SparkGravitonMemoryOptimized", "arm64", None),
)

QUEUES = """
partitions:
  - name: default
    nodesortpolicy: {type: binpacking}
    queues:
      - name: root
        submitacl: '*'
        queues:
          - name: default
            resources: {guaranteed: {memory: 1000T, vcore: 100000}, max: {memory: 1000T, vcore: 100000}}
          - name: prod
            resources: {guaranteed: {memory: 500T, vcore: 50000}, max: {memory: 800T, vcore: 300000}}
          - name: test
            resources: {guaranteed: {memory: 100T, vcore: 10000}, max: {memory: 800T, vcore: 50000}}
          - name: dev
            resources: {guaranteed: {memory: 100T, vcore: 10000}, max: {memory: 100T, vcore: 10000}}
"""
LEAVES = ("root.prod", "root.test", "root.default", "root.dev")
SIZES = ((500, 2), (1000, 4), (1000, 2), (500, 4))


def fleet(tainted: bool) -> list[NodeRecord]:
    nodes = []
    for i in range(NODES):
        itype, cpu, mem, group, arch, taint = SHAPES[i % len(SHAPES)]
        labels = {
            "node.kubernetes.io/instance-type": itype,
            "NodeGroupType": group,
            "kubernetes.io/arch": arch,
            "karpenter.sh/capacity-type": "spot" if i % 3 else "on-demand",
            "topology.kubernetes.io/zone": f"us-east-1{'abc'[i % 3]}",
            "kubernetes.io/hostname": f"node-{i:04d}",
        }
        taints = (Taint(key=taint, effect=TaintEffect.NO_SCHEDULE),) if tainted and taint else ()
        nodes.append(
            NodeRecord(
                f"node-{i:04d}", Resources({"cpu": cpu, "memory": mem * GIB, "pods": 110}), labels, taints
            )
        )
    return nodes


def requests(cpu: int, mem_gib: int) -> Resources:
    return Resources({"cpu": cpu, "memory": mem_gib * GIB, "pods": 1})


def spark_app(
    app_id: str, queue: str, executors: int, size: tuple[int, int], created: float, constraints: Constraints
) -> list[PodRecord]:
    driver = PodRecord(
        f"{app_id}-d",
        "spark",
        f"{app_id}-driver",
        app_id,
        requests(1000, 4),
        constraints,
        queue,
        created=created,
    )
    executor_requests = requests(*size)
    return [driver] + [
        PodRecord(
            f"{app_id}-e{j}",
            "spark",
            f"{app_id}-exec-{j}",
            app_id,
            executor_requests,
            constraints,
            queue,
            created=created + 1,
        )
        for j in range(executors)
    ]


def case_a() -> tuple[list[NodeRecord], list[PodRecord]]:
    return fleet(False), spark_app("app-a", "root.default", 49_999, (500, 2), NOW - 60, Constraints())


def case_b(constrained: bool = False) -> tuple[list[NodeRecord], list[PodRecord]]:
    choices = [Constraints()]
    if constrained:
        choices = []
        for group, taint in (
            ("SparkMemoryOptimized", "spark-memory-optimized"),
            ("SparkComputeOptimized", "spark-compute-optimized"),
        ):
            term = NodeSelectorTerm(
                matchExpressions=[NodeSelectorRequirement(key="NodeGroupType", operator="In", values=[group])]
            )
            tol = Toleration(key=taint, operator="Exists", effect=TaintEffect.NO_SCHEDULE)
            choices.append(Constraints({}, [tol], [term]))
        choices.append(Constraints({"kubernetes.io/arch": "arm64"}))
    pods: list[PodRecord] = []
    for i in range(25):
        pods += spark_app(
            f"app-b{i:02d}",
            LEAVES[i % len(LEAVES)],
            1999,
            SIZES[i % len(SIZES)],
            NOW - 600 + i,
            choices[i % len(choices)],
        )
    return fleet(constrained), pods


def case_c_pods() -> list[PodRecord]:
    groups = json.dumps(
        [
            {"name": "spark-driver", "minMember": 1, "minResource": {"cpu": "1", "memory": "4Gi"}},
            {"name": "spark-executor", "minMember": 99, "minResource": {"cpu": "500m", "memory": "2Gi"}},
        ]
    )
    pods: list[PodRecord] = []
    for i in range(500):
        app_id = f"gang-{i:03d}"
        queue = LEAVES[i % len(LEAVES)]
        created = NOW - 900 + i
        driver = PodRecord(
            f"{app_id}-d",
            "spark",
            f"{app_id}-driver",
            app_id,
            requests(1000, 4),
            queue=queue,
            created=created,
            task_group="spark-driver",
            task_groups=groups,
        )
        executor_requests = requests(500, 2)
        pods.append(driver)
        pods += [
            PodRecord(
                f"{app_id}-e{j}",
                "spark",
                f"{app_id}-exec-{j}",
                app_id,
                executor_requests,
                queue=queue,
                created=created + 1,
                task_group="spark-executor",
            )
            for j in range(99)
        ]
    return pods


def apply(pods: list[PodRecord], decision: SchedulingDecision, now: float) -> list[PodRecord]:
    """What the controller does with a decision, on records: create placeholders, bind, release."""
    bound = {(b.pod.namespace, b.pod.name): b.node for b in decision.binds}
    released = {(r.pod.namespace, r.pod.name) for r in decision.releases}
    out = []
    for pod in pods:
        key = (pod.namespace, pod.name)
        if key in released:
            continue
        node = bound.get(key)
        out.append(replace(pod, node_name=node) if node else pod)
    for ph in decision.placeholders_to_create:
        record = replace(ph.record(now), uid=f"uid-{ph.name}")
        node = bound.get((ph.namespace, ph.name))
        out.append(replace(record, node_name=node) if node else record)
    return out


def timed(snapshot: Snapshot) -> tuple[SchedulingDecision, float]:
    # The collector paused, as the scheduler controller runs a cycle.
    collecting = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        decision = schedule(snapshot)
        return decision, time.perf_counter() - start
    finally:
        if collecting:
            gc.enable()


def run_simple(build: Callable[[], tuple[list[NodeRecord], list[PodRecord]]]) -> dict[str, float]:
    partition = parse_queues_yaml(QUEUES).partitions[0]
    nodes, pods = build()
    decision, seconds = timed(Snapshot(NOW, nodes, pods, partition))
    placed = len(decision.binds)
    return {"pods": placed, "pods_per_s": round(placed / seconds), "seconds": round(seconds, 3)}


def run_gangs() -> dict[str, float]:
    partition = parse_queues_yaml(QUEUES).partitions[0]
    nodes = fleet(False)
    pods = case_c_pods()
    first, s1 = timed(Snapshot(NOW, nodes, pods, partition))
    pods = apply(pods, first, NOW)
    second, s2 = timed(Snapshot(NOW + 5, nodes, pods, partition, first.apps))
    swapped = sum(1 for b in second.binds if b.replaces is not None)
    real = sum(1 for b in first.binds if not b.placeholder) + len(
        [b for b in second.binds if not b.placeholder]
    )
    seconds = s1 + s2
    return {
        "pods": real,
        "pods_per_s": round(real / seconds),
        "seconds": round(seconds, 3),
        "placeholders": len(first.placeholders_to_create),
        "swapped": swapped,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    cases = {
        "a": run_simple(case_a),
        "b": run_simple(case_b),
        "c": run_gangs(),
        "d": run_simple(lambda: case_b(constrained=True)),
    }
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.json:
        out = {
            "nodes": NODES,
            "cases": {k: {"pods": v["pods"], "pods_per_s": v["pods_per_s"]} for k, v in cases.items()},
            "peak_rss_mb": round(peak, 1),
        }
        print(json.dumps(out))
        return
    from rich.console import Console
    from rich.table import Table

    titles = {
        "a": "1 app x 50,000 pods",
        "b": "25 apps x 2,000 pods",
        "c": "500 gangs x 100 pods (placeholders)",
        "d": "25 apps x 2,000 pods, taints + affinity",
    }
    table = Table(title=f"scheduler core, {NODES} nodes (peak RSS {peak:.0f} MB)")
    table.add_column("case")
    table.add_column("pods placed", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("pods/s", justify="right")
    for key, result in cases.items():
        table.add_row(
            f"{key}) {titles[key]}",
            f"{result['pods']:,}",
            f"{result['seconds']:.3f}",
            f"{result['pods_per_s']:,}",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
