"""Benchmark of the provisioning engine: 20,000 pending Spark pods against the blueprint's NodePools.

    python bench/provisioner.py            # a table (plan time: median of --repeat 5 plans)
    python bench/provisioner.py --json     # {"pods", "plan_s", "nodes", "price_per_hour",
                                           #  "ffd_price_per_hour", "lp_bound_per_hour"}

Workload (seeded): Spark applications until the pod count is reached; each has a driver (1-4 cores,
2-16 GiB) and 10-200 executors (1, 2, 4, 5 or 8 cores; 2, 4 or 8 GiB per core, so 2-64 GiB), pod memory
including Spark's overhead (10%, at least 384 MiB). Half the applications select no pool, the others the
blueprint's labels (NodeGroupType of a pool, or multiArch: Spark), compute-optimized drivers on-demand
as in the blueprint's jobs; 30% are gangs. A daemonset (200m, 256Mi) runs on every node.

Fleet: the blueprint's four NodePools and EC2NodeClasses, the 376-type catalog, offerings in three zones
with the simulator's prices. The pools' limits (1000 cpu, 1000Gi each) are removed: 20,000 pods need
far more, and limits are tested on their own; with them, most pods would just be unschedulable.

Compared against, in the same run:
- the FFD baseline (bench/ffd_baseline.py): Karpenter's first-fit-decreasing simulation;
- a lower bound on cost: the LP relaxation (HiGHS via scipy) of "each pod on a node of an offering its
  first NodePool (by Karpenter's order) allows, nodes fractional": min sum(price_k x_k) s.t. every group's
  pods are assigned (y), and on every offering k the assigned requests fit x_k nodes' allocatable.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from ffd_baseline import ffd_plan
from sparkfleet.api.blueprint import blueprint_ec2nodeclasses, blueprint_nodepools
from sparkfleet.api.instancetypes import Offering
from sparkfleet.api.karpenter import NodePool
from sparkfleet.api.wire import CapacityType
from sparkfleet.cloud.catalog import load_catalog
from sparkfleet.cloud.pricing import offering_price
from sparkfleet.engine.provisioning.compat import Placement, PriceView, place
from sparkfleet.engine.provisioning.model import Fleet, PodRequest, ProvisioningRequest
from sparkfleet.engine.provisioning.plan import plan
from sparkfleet.engine.provisioning.resources import Resources

GIB = 2**30
MIB = 2**20
ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PROFILES = (
    ({}, 0.5),
    ({"NodeGroupType": "SparkComputeOptimized"}, 0.2),
    ({"NodeGroupType": "SparkGravitonMemoryOptimized"}, 0.1),
    ({"multiArch": "Spark"}, 0.1),
    ({"NodeGroupType": "SparkMemoryOptimized"}, 0.1),
)


def spark_pod_memory(gib: int) -> int:
    """Executor or driver memory plus Spark's overhead (10%, at least 384 MiB), in whole MiB."""
    mem = gib * GIB
    return -(-(mem + max(384 * MIB, mem // 10)) // MIB) * MIB


def blueprint_fleet() -> Fleet:
    catalog = load_catalog()
    pools = []
    for pool in blueprint_nodepools():
        data = pool.model_dump()
        data["spec"]["limits"] = {}
        pools.append(NodePool.model_validate(data))
    offerings = tuple(
        Offering(it.name, zone, ct, offering_price(it, zone, ct), True)
        for it in catalog
        for zone in ZONES
        for ct in CapacityType
    )
    daemon = PodRequest("kube-system/node-agent", Resources(200, 256 * MIB, 0, 1))
    classes = {c.name: c for c in blueprint_ec2nodeclasses()}
    return Fleet(tuple(pools), classes, tuple(catalog), offerings, (daemon,))


def workload(n_pods: int, seed: int) -> list[PodRequest]:
    rng = np.random.default_rng(seed)
    pods: list[PodRequest] = []
    app = 0
    weights = [w for _, w in PROFILES]
    while len(pods) < n_pods:
        app += 1
        selector = dict(PROFILES[rng.choice(len(PROFILES), p=weights)][0])
        gang = f"app-{app}" if rng.random() < 0.3 else None
        executors = int(rng.choice([10, 20, 36, 50, 100, 200], p=[0.2, 0.25, 0.2, 0.15, 0.12, 0.08]))
        cores = int(rng.choice([1, 2, 4, 5, 8], p=[0.15, 0.25, 0.3, 0.15, 0.15]))
        per_core = int(rng.choice([2, 4, 8]))
        d_cores = int(rng.choice([1, 2, 4], p=[0.5, 0.35, 0.15]))
        d_mem = int(rng.choice([2, 4, 8, 16]))
        d_selector = dict(selector)
        if selector.get("NodeGroupType") == "SparkComputeOptimized":
            d_selector["karpenter.sh/capacity-type"] = "on-demand"
        role = {"spark-role": "driver"}
        pods.append(
            PodRequest(
                f"spark/app-{app}-driver",
                Resources(d_cores * 1000, spark_pod_memory(d_mem), 0, 1),
                node_selector=d_selector,
                gang=gang,
                labels=role,
            )
        )
        req = Resources(cores * 1000, spark_pod_memory(cores * per_core), 0, 1)
        role = {"spark-role": "executor"}
        for e in range(min(executors, n_pods - len(pods))):
            pods.append(
                PodRequest(f"spark/app-{app}-exec-{e}", req, node_selector=selector, gang=gang, labels=role)
            )
    return pods[:n_pods]


def lp_bound(request: ProvisioningRequest, *, tighten: bool = False) -> float:
    """The LP relaxation's optimum (USD/hour): a lower bound on any plan's cost.

    With `tighten`, each offering's allocatable is first rounded down to a multiple of the greatest
    common divisor of the requests of the pods that may use it (no set of those pods can fill the
    remainder, so no integer plan is cut off): whole-core executors cannot use the 0.85 core left on
    a 32-vCPU node after kube-reserved, and the plain relaxation counts it as used.
    """
    compiled = request.fleet.compiled
    prices = PriceView(compiled.prices(request.unavailable, request.now))
    groups: dict[tuple[object, ...], tuple[PodRequest, int]] = {}
    for pod in request.pods:
        key = (pod.requests, pod.constraint_key)
        rep, n = groups.get(key, (pod, 0))
        groups[key] = (rep, n + 1)
    scale = np.array([1000.0, GIB, GIB, 1.0])
    kinds: dict[tuple[int, int, int, int], int] = {}
    kind_price: list[float] = []
    kind_alloc: list[np.ndarray] = []
    pairs: list[tuple[int, int]] = []
    demand: list[np.ndarray] = []
    counts: list[int] = []
    for rep, n in groups.values():
        placement = next(
            (
                p
                for pool in compiled.pools
                if isinstance(p := place(compiled, pool, prices, rep, rep.requests), Placement)
            ),
            None,
        )
        if placement is None:
            continue
        g = len(counts)
        counts.append(n)
        demand.append(rep.requests.vector() / scale)
        pool = placement.pool
        for t in np.flatnonzero(placement.fits):
            for ct in placement.capacity_types:
                for z in placement.zones:
                    price = prices.prices[t, ct, z]
                    if not np.isfinite(price):
                        continue
                    key = (pool.rank, int(t), ct, z)
                    k = kinds.get(key)
                    if k is None:
                        k = kinds[key] = len(kind_price)
                        kind_price.append(float(price))
                        kind_alloc.append(pool.allocatable[t] / scale)
                    pairs.append((g, k))
    n_kinds, n_pairs, n_groups = len(kind_price), len(pairs), len(counts)
    if tighten:
        raw = [np.zeros(4, dtype=np.int64) for _ in range(n_kinds)]
        for g, k in pairs:
            raw[k] = np.gcd(raw[k], (demand[g] * scale).astype(np.int64))
        for k in range(n_kinds):
            unit = np.where(raw[k] > 0, raw[k], 1) / scale
            kind_alloc[k] = np.floor(kind_alloc[k] / unit + 1e-9) * unit
    # variables: x_k (n_kinds), then y_p for each (group, kind) pair
    c = np.concatenate([np.array(kind_price), np.zeros(n_pairs)])
    eq_rows = np.array([g for g, _ in pairs])
    eq_cols = n_kinds + np.arange(n_pairs)
    a_eq = coo_matrix((np.ones(n_pairs), (eq_rows, eq_cols)), shape=(n_groups, n_kinds + n_pairs))
    rows, cols, vals = [], [], []
    for p, (g, k) in enumerate(pairs):
        for r in range(4):
            if demand[g][r] > 0:
                rows.append(4 * k + r)
                cols.append(n_kinds + p)
                vals.append(demand[g][r])
    for k in range(n_kinds):
        for r in range(4):
            rows.append(4 * k + r)
            cols.append(k)
            vals.append(-kind_alloc[k][r])
    a_ub = coo_matrix((vals, (rows, cols)), shape=(4 * n_kinds, n_kinds + n_pairs))
    result = linprog(
        c, A_ub=a_ub.tocsr(), b_ub=np.zeros(4 * n_kinds), A_eq=a_eq.tocsr(), b_eq=np.array(counts, float),
        bounds=(0, None), method="highs",
    )  # fmt: skip
    if result.status != 0:
        raise RuntimeError(f"LP failed: {result.message}")
    return float(result.fun)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5, help="plans timed; the median is reported")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    fleet = blueprint_fleet()
    pods = workload(args.pods, args.seed)
    request = ProvisioningRequest(fleet, pods, NOW, claim_prefix="b")
    fleet.compiled  # noqa: B018 - compile the fleet (catalog tables) outside the timed plan
    times = []
    for _ in range(max(args.repeat, 1)):
        start = time.perf_counter()
        result = plan(request)
        times.append(time.perf_counter() - start)
    plan_s = statistics.median(times)
    ffd = ffd_plan(request)
    bound = lp_bound(request)
    tight = lp_bound(request, tighten=True)
    out = {
        "pods": len(pods),
        "plan_s": round(plan_s, 4),
        "nodes": len(result.claims),
        "price_per_hour": round(result.price_per_hour, 4),
        "ffd_price_per_hour": round(ffd.price_per_hour, 4),
        "lp_bound_per_hour": round(bound, 4),
    }
    if args.json:
        print(json.dumps(out))
        return 0
    placed = sum(len(c.pods) for c in result.claims)
    print(f"{len(pods)} pending pods, {len(fleet.node_pools)} NodePools, {len(fleet.instance_types)} types")
    rows = [
        ("LP lower bound", "", bound, ""),
        ("LP, capacity tightened", "", tight, ""),
        ("sparkfleet plan", str(len(result.claims)), result.price_per_hour, str(len(result.unschedulable))),
        ("FFD baseline", str(ffd.nodes), ffd.price_per_hour, str(ffd.unschedulable)),
    ]
    print(f"{'':24} {'nodes':>7} {'$/hour':>10} {'vs LP':>7} {'unschedulable':>14}")
    for label, nodes, price, unschedulable in rows:
        print(f"{label:24} {nodes:>7} {price:10.2f} {price / bound:7.3f} {unschedulable:>14}")
    print(
        f"plan time {plan_s:.3f} s median of {len(times)} (min {min(times):.3f}, max {max(times):.3f}); "
        f"{placed} pods on new nodes"
    )
    top = Counter(c.instance_type for c in result.claims).most_common(6)
    print("most planned types: " + ", ".join(f"{name} x{n}" for name, n in top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
