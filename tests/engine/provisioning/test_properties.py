"""Properties of every plan: pods fit every candidate of their claim after overhead, limits hold, every
pod is accounted for once, gangs are all or nothing."""

from __future__ import annotations

import functools
from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sparkfleet.api.blueprint import blueprint_ec2nodeclasses, blueprint_nodepools
from sparkfleet.api.karpenter import NodePool
from sparkfleet.api.quantity import cpu_millis, memory_bytes
from sparkfleet.engine.provisioning.overhead import NodeResources, node_resources
from sparkfleet.engine.provisioning.plan import plan
from sparkfleet.engine.provisioning.pods import PodRequest
from sparkfleet.engine.provisioning.resources import Resources
from sparkfleet.engine.provisioning.tables import Fleet

from .builders import catalog_types, instance_type, offerings, pod, request

SELECTORS = [
    {},
    {"NodeGroupType": "SparkComputeOptimized"},
    {"NodeGroupType": "SparkComputeOptimized", "karpenter.sh/capacity-type": "on-demand"},
    {"NodeGroupType": "SparkGravitonMemoryOptimized"},
    {"NodeGroupType": "SparkMemoryOptimized"},
    {"multiArch": "Spark"},
    {"kubernetes.io/arch": "arm64"},
    {"topology.kubernetes.io/zone": "us-east-1b"},
]
CLASSES = {c.name: c for c in blueprint_ec2nodeclasses()}
TYPES = catalog_types()
OFFERINGS = offerings(TYPES)
DAEMON = pod("agent", "200m", "256Mi")


@functools.cache
def _fleet(limits: tuple[int, ...]) -> Fleet:
    return Fleet(_pools(limits), CLASSES, TYPES, OFFERINGS, (DAEMON,))


@functools.cache
def _resources(type_name: str, class_name: str) -> NodeResources:
    return node_resources(instance_type(type_name), CLASSES[class_name])


def _pools(limits: tuple[int, ...]) -> tuple[NodePool, ...]:
    pools = []
    for pool, cpu in zip(blueprint_nodepools(), limits, strict=True):
        data = pool.model_dump()
        data["spec"]["limits"] = {"cpu": cpu, "memory": f"{cpu * 8}Gi"}
        pools.append(NodePool.model_validate(data))
    return tuple(pools)


@st.composite
def workloads(draw: st.DrawFn) -> tuple[Fleet, list[PodRequest]]:
    limits = draw(st.tuples(*[st.sampled_from([48, 200, 1000])] * 4))
    fleet = _fleet(limits)
    app = st.tuples(
        st.integers(1, 12), st.integers(1, 8), st.integers(1, 64), st.integers(0, 7), st.booleans()
    )
    apps = draw(st.lists(app, min_size=1, max_size=5))
    pending: list[PodRequest] = []
    for i, (n, cores, gib, selector, is_gang) in enumerate(apps):
        gang = f"app-{i}" if is_gang else None
        chosen = SELECTORS[selector]
        pending.append(pod(f"app-{i}-driver", 1, "4Gi", selector=chosen, gang=gang))
        pending.extend(
            pod(f"app-{i}-exec-{e}", cores, f"{gib}Gi", selector=chosen, gang=gang) for e in range(n)
        )
    return fleet, pending


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workloads())
def test_every_planned_pod_fits_every_candidate_type_of_its_claim_after_overhead(
    case: tuple[Fleet, list[PodRequest]],
) -> None:
    fleet, pending = case
    result = plan(request(fleet, pending))
    by_id = {p.id: p for p in pending}
    for claim in result.claims:
        total = Resources()
        for pod_id in claim.pods:
            total = total + by_id[pod_id].requests
        total = total + DAEMON.requests
        for name in claim.instance_types:
            assert total.fits_in(_resources(name, claim.node_class).allocatable), (claim.name, name)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workloads())
def test_no_nodepool_limit_is_exceeded_whichever_candidate_launches(
    case: tuple[Fleet, list[PodRequest]],
) -> None:
    fleet, pending = case
    result = plan(request(fleet, pending))
    used: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for claim in result.claims:
        caps = [_resources(t, claim.node_class).capacity for t in claim.instance_types]
        used[claim.node_pool][0] += max(c.cpu for c in caps)
        used[claim.node_pool][1] += max(c.memory for c in caps)
    for pool in fleet.node_pools:
        cpu, memory = used[pool.name]
        assert cpu <= cpu_millis(pool.spec.limits["cpu"])
        assert memory <= memory_bytes(pool.spec.limits["memory"])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workloads())
def test_every_pod_is_planned_once_and_gangs_are_all_or_nothing(case: tuple[Fleet, list[PodRequest]]) -> None:
    fleet, pending = case
    result = plan(request(fleet, pending))
    placed = [p for c in result.claims for p in c.pods] + [n.pod for n in result.nominations]
    failed = [u.pod for u in result.unschedulable]
    assert sorted(placed + failed) == sorted(p.id for p in pending)
    assert len(set(placed)) == len(placed)
    gangs: dict[str, set[bool]] = defaultdict(set)
    for p in pending:
        if p.gang is not None:
            gangs[p.gang].add(p.id in set(placed))
    assert all(len(outcomes) == 1 for outcomes in gangs.values())
