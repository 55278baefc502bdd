"""The provisioner: pods the scheduler marked Unschedulable are batched and planned, and their NodeClaims
written in one round; the NodeClaim controller launches them, and the round falls back at once when EC2
has no capacity."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from sparkfleet.api.blueprint import (
    SPARK_COMPUTE_OPTIMIZED,
    SPARK_GRAVITON_MEMORY_OPTIMIZED,
    SPARK_MEMORY_OPTIMIZED,
    spark_graviton_memory_optimized,
    spark_memory_optimized,
)
from sparkfleet.api.scenario import Scenario, UnavailableOffering
from sparkfleet.api.wire import ANNOTATION_PLANNED_INSTANCE_TYPE, CapacityType
from sparkfleet.config import PlatformConfig
from sparkfleet.controllers.scheduler import SchedulerReconciler
from sparkfleet.engine.provisioning import gang_of, is_provisionable
from sparkfleet.platform import seed
from sparkfleet.reconcile import Controller

from .karpenter_builders import (
    COMPUTE,
    GRAVITON,
    MULTI_ARCH,
    NAMESPACE,
    NO_GRAVITON,
    START,
    Platform,
    Platforms,
    condition,
    plain_pod,
    pyspark_pi,
)


@pytest.fixture
def platform(build: Platforms) -> Platform:
    return build(scenario=Scenario(launchLatencySeconds=30))


def event_messages(platform: Platform, kind: str, reason: str) -> list[str]:
    """The messages of every `reason` Event about a `kind`, in the order they were recorded."""
    events = platform.store.list("Event", None).items
    return [e["message"] for e in events if e["involvedObject"]["kind"] == kind and e["reason"] == reason]


def claims_with_events(platform: Platform) -> list[str]:
    """Every NodeClaim an Event speaks of, deleted ones included, in order of their first Event."""
    objects = [e["involvedObject"] for e in platform.store.list("Event", None).items]
    return list(dict.fromkeys(o["name"] for o in objects if o["kind"] == "NodeClaim"))


def nominated(platform: Platform, pod_names: list[str]) -> set[str]:
    """Those of the pods the provisioner nominated onto capacity."""
    return {n for n in pod_names if "Nominated" in platform.reasons("Pod", n, NAMESPACE)}


def names(objs: list[dict[str, Any]]) -> list[str]:
    return [o["metadata"]["name"] for o in objs]


def test_pyspark_pi_gets_one_c5d_nodeclaim_and_its_node_registers_after_the_launch_latency(
    platform: Platform,
) -> None:
    pods = platform.submit(pyspark_pi(selector=COMPUTE))
    platform.settle()
    assert platform.claims() == []  # the batch window is still open

    platform.advance(1)
    (claim,) = platform.claims()
    labels = claim["metadata"]["labels"]
    assert labels["karpenter.sh/nodepool"] == SPARK_COMPUTE_OPTIMIZED
    assert labels["node.kubernetes.io/instance-type"].startswith("c5d.")
    assert float(claim["metadata"]["annotations"]["sparkfleet.io/price-per-hour"]) > 0
    requirements = {r["key"]: r for r in claim["spec"]["requirements"]}
    assert requirements["node.kubernetes.io/instance-type"]["operator"] == "In"
    assert all(t.startswith("c5d.") for t in requirements["node.kubernetes.io/instance-type"]["values"])
    assert condition(claim, "Launched")["status"] == "True"  # type: ignore[index]
    assert platform.nodes() == []

    platform.advance(25)
    assert platform.nodes() == []  # still booting
    platform.advance(6)
    (node,) = platform.nodes()
    (claim,) = platform.claims()
    node_labels = node["metadata"]["labels"]
    for key in (
        "node.kubernetes.io/instance-type",
        "karpenter.sh/capacity-type",
        "topology.kubernetes.io/zone",
        "karpenter.sh/nodepool",
        "kubernetes.io/arch",
    ):
        assert node_labels[key] == claim["metadata"]["labels"][key]
    assert node_labels["NodeGroupType"] == "SparkComputeOptimized"  # the pool's template labels
    assert node["status"]["allocatable"] == claim["status"]["allocatable"]
    assert node["metadata"]["ownerReferences"][0]["uid"] == claim["metadata"]["uid"]
    mounts = json.loads(node["metadata"]["annotations"]["sparkfleet.io/scratch-mounts"])
    assert mounts == [{"path": "/mnt/k8s-disks/0", "sizeBytes": 400_000_000_000, "source": "nvme-raid0"}]
    for cond in ("Launched", "Registered", "Initialized", "Ready"):
        assert condition(claim, cond)["status"] == "True"  # type: ignore[index]

    # the stand-in scheduler binds the pods once the node is there
    assert {platform.pod(n)["spec"].get("nodeName") for n in names(pods)} == {node["metadata"]["name"]}  # type: ignore[index]
    for name in names(pods):
        assert (
            "Nominated",
            f"Pod should schedule on: nodeclaim/{claim['metadata']['name']}",
        ) in platform.events("Pod", name, NAMESPACE)
    assert "Provisioned" in platform.reasons("NodePool", SPARK_COMPUTE_OPTIMIZED)


def test_pods_arriving_while_the_window_is_open_are_planned_together(platform: Platform) -> None:
    platform.store.create(plain_pod("first", "4", "8Gi"))
    platform.settle()
    platform.advance(0.5)
    platform.store.create(plain_pod("second", "4", "8Gi"))
    platform.settle()
    platform.advance(0.5)
    assert platform.claims() == []  # 1 s since the first pod, but only 0.5 s since the second

    platform.advance(0.5)
    assert nominated(platform, ["first", "second"]) == {"first", "second"}
    assert len(platform.claims()) == 1
    (provisioned,) = event_messages(platform, "NodePool", "Provisioned")
    assert " for 2 pods: " in provisioned


def test_the_window_closes_ten_seconds_after_it_opened_even_while_pods_keep_coming(
    platform: Platform,
) -> None:
    for i in range(25):
        platform.store.create(plain_pod(f"p{i}", "100m", "100Mi"))
        platform.advance(0.5, step=0.5)
        if platform.claims():
            break
    assert timedelta(seconds=10) <= platform.clock.now() - START <= timedelta(seconds=10.5)
    # one pod every 0.5 s from 0 s to 10 s inclusive: 21 pods in one round, one claim
    (provisioned,) = event_messages(platform, "NodePool", "Provisioned")
    assert " for 21 pods: " in provisioned


def test_graviton_falls_back_to_intel_r5d_within_one_round(build: Platforms) -> None:
    platform = build(
        scenario=NO_GRAVITON,
        pools=[spark_graviton_memory_optimized(), spark_memory_optimized()],
    )
    pods = platform.submit(pyspark_pi(selector=MULTI_ARCH, cores=2, memory="8g"))
    platform.settle()
    platform.advance(1)

    (claim,) = platform.claims()
    assert claim["metadata"]["labels"]["karpenter.sh/nodepool"] == SPARK_MEMORY_OPTIMIZED
    assert claim["metadata"]["labels"]["node.kubernetes.io/instance-type"].startswith("r5d.")
    # the Graviton claim was created, refused by EC2 and deleted, all in the same round
    failed = [n for n in claims_with_events(platform) if n != claim["metadata"]["name"]]
    assert failed and all(n.startswith(SPARK_GRAVITON_MEMORY_OPTIMIZED) for n in failed)
    events = platform.events("NodeClaim", failed[0])
    assert [reason for reason, _ in events] == ["Planned", "InsufficientCapacityError", "Fallback"]
    assert "InsufficientInstanceCapacity" in events[1][1]
    assert events[2][1].startswith("InsufficientInstanceCapacity for r")
    pool_events = platform.events("NodePool", SPARK_GRAVITON_MEMORY_OPTIMIZED)
    assert any(r == "Fallback" and SPARK_MEMORY_OPTIMIZED in m for r, m in pool_events)
    assert SPARK_MEMORY_OPTIMIZED in [m for r, m in pool_events if r == "Fallback"][-1]
    assert any(o.instanceType.startswith(GRAVITON) for o in platform.offerings.active(platform.clock.now()))

    platform.advance(2)
    (node,) = platform.nodes()
    assert node["metadata"]["labels"]["kubernetes.io/arch"] == "amd64"
    assert {platform.pod(n)["spec"].get("nodeName") for n in names(pods)} == {node["metadata"]["name"]}  # type: ignore[index]
    assert len(platform.sim.list_instances()) == 1


def test_insufficient_capacity_polled_from_the_claim_feeds_the_next_plan_of_the_same_round(
    build: Platforms,
) -> None:
    # the provisioner only writes claims; the NodeClaim controller launches and reports EC2's refusal
    # on the Graviton claim, and the round, still open at the same instant, plans r5d instead
    platform = build(
        scenario=NO_GRAVITON,
        pools=[spark_graviton_memory_optimized(), spark_memory_optimized()],
    )
    platform.submit(pyspark_pi(selector=MULTI_ARCH, cores=2, memory="8g"))
    platform.settle()
    platform.clock.advance(1)
    platform.settle()  # no time passes from here to the end of the round

    *failed, replacement = claims_with_events(platform)
    (claim,) = platform.claims()
    assert claim["metadata"]["name"] == replacement
    assert claim["metadata"]["creationTimestamp"] == "2026-01-05T09:00:01Z"
    assert condition(claim, "Launched")["status"] == "True"  # type: ignore[index]
    assert claim["metadata"]["labels"]["node.kubernetes.io/instance-type"].startswith("r5d.")
    assert failed and all(name.startswith(SPARK_GRAVITON_MEMORY_OPTIMIZED) for name in failed)
    for name in failed:
        assert platform.reasons("NodeClaim", name) == ["Planned", "InsufficientCapacityError", "Fallback"]
    assert platform.reasons("NodePool", SPARK_MEMORY_OPTIMIZED).count("Provisioned") == 1
    assert "Provisioned" not in platform.reasons("NodePool", SPARK_GRAVITON_MEMORY_OPTIMIZED)
    assert len(platform.sim.list_instances()) == 1


def test_spot_without_capacity_launches_on_demand(build: Platforms) -> None:
    no_spot = Scenario(
        unavailableOfferings=[UnavailableOffering(instanceFamily="c5d", capacityType=CapacityType.SPOT)]
    )
    platform = build(scenario=no_spot)
    platform.submit(pyspark_pi(selector=COMPUTE))
    platform.settle()
    platform.advance(1)
    (claim,) = platform.claims()
    assert claim["metadata"]["labels"]["karpenter.sh/capacity-type"] == "on-demand"
    assert claim["metadata"]["labels"]["karpenter.sh/nodepool"] == SPARK_COMPUTE_OPTIMIZED
    # every spot offering EC2 tried is held unavailable for the next plans
    active = platform.offerings.active(platform.clock.now())
    assert active and all(o.capacityType is CapacityType.SPOT for o in active)


def test_a_node_overlay_in_the_store_changes_the_price_order(platform: Platform) -> None:
    # Without the overlay the pi job's node is planned as a c5d.4xlarge (the cheapest that holds it).
    platform.store.create(
        {
            "apiVersion": "karpenter.sh/v1alpha1",
            "kind": "NodeOverlay",
            "metadata": {"name": "expensive-4xlarge"},
            "spec": {
                "requirements": [
                    {"key": "node.kubernetes.io/instance-type", "operator": "In", "values": ["c5d.4xlarge"]}
                ],
                "price": "99",
            },
        }
    )
    platform.submit(pyspark_pi(selector=COMPUTE))
    platform.settle()
    platform.advance(1)
    (claim,) = platform.claims()
    planned = claim["metadata"]["annotations"][ANNOTATION_PLANNED_INSTANCE_TYPE]
    assert planned.startswith("c5d.") and planned != "c5d.4xlarge"
    candidates = next(
        r for r in claim["spec"]["requirements"] if r["key"] == "node.kubernetes.io/instance-type"
    )
    assert candidates["values"][-1] == "c5d.4xlarge", "candidates in the modelled price order"


def test_a_gang_that_fits_nowhere_gets_no_nodeclaim_and_says_why(platform: Platform) -> None:
    # executors of 200 GiB: no c5d holds one, so the whole application (one YuniKorn gang) gets nothing
    pods = platform.submit(pyspark_pi(selector=COMPUTE, memory="200g"))
    platform.settle()
    platform.advance(2)
    assert platform.claims() == []
    assert platform.sim.list_instances() == []
    for name in names(pods):
        events = platform.events("Pod", name, NAMESPACE)
        failed = [m for r, m in events if r == "FailedProvisioning"]
        assert failed, events
        assert "no capacity is planned for any pod of the gang" in failed[0]
    # the driver alone would fit: it is left without capacity with its gang
    assert event_messages(platform, "NodePool", "Provisioned") == []


def test_pods_that_fit_on_an_existing_node_are_nominated_and_get_no_new_claim(platform: Platform) -> None:
    platform.submit(pyspark_pi("first", selector=COMPUTE))
    platform.settle()
    platform.advance(32)
    (node,) = platform.nodes()
    pods = platform.submit(pyspark_pi("second", selector=COMPUTE))
    platform.settle()
    platform.advance(2)
    assert len(platform.claims()) == 1
    assert {platform.pod(n)["spec"].get("nodeName") for n in names(pods)} == {node["metadata"]["name"]}  # type: ignore[index]


def test_pods_waiting_on_an_in_flight_claim_are_not_provisioned_again(platform: Platform) -> None:
    pods = platform.submit(pyspark_pi(selector=COMPUTE))
    platform.settle()
    platform.advance(1)
    assert len(platform.claims()) == 1
    platform.advance(10)  # still booting; the pods stay Unschedulable
    assert all(is_provisionable(platform.pod(n) or {}) for n in names(pods))
    assert len(platform.claims()) == 1
    assert len(platform.sim.list_instances()) == 1


def test_placeholders_are_provisioned_for_their_gang_instead_of_the_real_pods(platform: Platform) -> None:
    real = platform.submit(pyspark_pi(selector=COMPUTE))
    app = real[0]["metadata"]["labels"]["applicationId"]
    groups = {"spark-driver": 1, "spark-executor": 2}
    for group, count in groups.items():
        for i in range(count):
            annotations = {
                "yunikorn.apache.org/placeholder": "true",
                "yunikorn.apache.org/task-group-name": group,
            }
            labels = {"applicationId": app, "placeholder": "true"}
            platform.store.create(
                plain_pod(f"tg-{group}-{i}", "1", "1Gi", labels=labels, annotations=annotations)
            )
    assert {gang_of(p) for p in real} == {f"{NAMESPACE}/{app}"}
    platform.settle()
    platform.advance(1)

    placeholders = ["tg-spark-driver-0", "tg-spark-executor-0", "tg-spark-executor-1"]
    assert nominated(platform, names(real) + placeholders) == set(placeholders)
    (provisioned,) = event_messages(platform, "NodePool", "Provisioned")
    assert " for 3 pods: " in provisioned


def yunikorn_platform(build: Platforms) -> Platform:
    """A platform with the real scheduler controller, which makes the gangs' placeholders."""
    platform = build(scenario=Scenario(launchLatencySeconds=5), seed=False)
    seed(platform.store, PlatformConfig())
    platform.controllers.insert(
        0, Controller(SchedulerReconciler(platform.store, platform.clock), platform.store, platform.clock)
    )
    return platform


def test_a_batch_of_whole_gangs_is_planned_within_a_fifth_of_a_second_of_its_placeholders(
    build: Platforms,
) -> None:
    platform = yunikorn_platform(build)
    platform.submit(pyspark_pi(selector=COMPUTE))
    platform.advance(0.2, step=0.05, scheduler=False)
    assert len(platform.claims()) == 1  # not the 1 s a batch with other pods waits

    platform.advance(2, scheduler=False)
    (provisioned,) = event_messages(platform, "NodePool", "Provisioned")
    assert " for 3 pods: " in provisioned


def test_a_pod_of_no_gang_in_the_batch_keeps_the_one_second_window_for_all(build: Platforms) -> None:
    platform = yunikorn_platform(build)
    platform.submit(pyspark_pi(selector=COMPUTE))
    platform.store.create(plain_pod("lonely", "1", "1Gi"))
    platform.advance(0.9, step=0.1, scheduler=False)
    assert platform.claims() == []

    platform.advance(0.3, step=0.1, scheduler=False)
    assert len(platform.claims()) == 1

    platform.advance(2, scheduler=False)
    (provisioned,) = event_messages(platform, "NodePool", "Provisioned")
    assert " for 4 pods: " in provisioned


def test_with_the_yunikorn_scheduler_the_gang_placeholders_get_the_node_and_the_real_pods_take_it(
    build: Platforms,
) -> None:
    # the real scheduler controller instead of the stand-in: it creates the gang's placeholders and marks
    # only them Unschedulable; the provisioner plans for them; the real pods replace them on the node
    platform = yunikorn_platform(build)
    pods = platform.submit(pyspark_pi(selector=COMPUTE))
    platform.advance(10, scheduler=False)

    (provisioned,) = event_messages(platform, "NodePool", "Provisioned")
    assert " for 3 pods: " in provisioned  # the placeholders only
    assert nominated(platform, names(pods)) == set()
    (node,) = platform.nodes()
    assert {platform.pod(n)["spec"].get("nodeName") for n in names(pods)} == {node["metadata"]["name"]}  # type: ignore[index]
    assert len(platform.claims()) == 1
