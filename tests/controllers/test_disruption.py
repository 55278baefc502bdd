"""The disruption controller: empty and underutilized nodes go after consolidateAfter, running Spark pods are
never evicted to consolidate, expired nodes wait for them, and spot interruptions replace the node."""

from __future__ import annotations

from typing import Any

import pytest

from sparkfleet.api.blueprint import blueprint_nodepools, spark_compute_optimized
from sparkfleet.api.instancetypes import OfferingKey
from sparkfleet.api.scenario import Scenario, SpotInterruption, UnavailableOffering
from sparkfleet.api.wire import ANNOTATION_DISRUPTION, CapacityType
from sparkfleet.cloud import InstanceState

from .karpenter_builders import (
    COMPUTE,
    NAMESPACE,
    KubeletsJoin,
    Platform,
    Platforms,
    StandInKubelets,
    plain_pod,
    pyspark_pi,
)

Obj = dict[str, Any]


@pytest.fixture
def platform(build: Platforms) -> Platform:
    return build()


class EvictionWatch:
    """Records every pod that disappears while it was Running: no Spark pod may be among them."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.running: dict[str, Obj] = {}
        self.evicted_running: list[Obj] = []

    def look(self) -> None:
        now = {p["metadata"]["name"]: p for p in self.platform.pods()}
        for name, pod in self.running.items():
            if name not in now:
                self.evicted_running.append(pod)
        self.running = {n: p for n, p in now.items() if p.get("status", {}).get("phase") == "Running"}

    def spark(self) -> list[str]:
        return [
            p["metadata"]["name"] for p in self.evicted_running if "spark-role" in p["metadata"]["labels"]
        ]


def advance_watching(platform: Platform, watch: EvictionWatch, seconds: float, step: float = 5) -> None:
    for _ in range(int(seconds / step)):
        platform.advance(step, step=step)
        watch.look()


def run_all(platform: Platform, pods: list[Obj]) -> None:
    for pod in pods:
        current = platform.pod(pod["metadata"]["name"])
        assert current is not None and current["spec"].get("nodeName"), "pod not bound"
        platform.set_phase(current, "Running")


def node_of(platform: Platform, pod: Obj) -> str:
    current = platform.pod(pod["metadata"]["name"])
    assert current is not None
    return str(current["spec"]["nodeName"])


def test_an_empty_node_goes_after_consolidate_after_and_never_while_spark_pods_run(
    platform: Platform,
) -> None:
    pods = platform.submit(pyspark_pi(selector=COMPUTE))
    platform.settle()
    platform.advance(3)
    (node,) = platform.nodes()
    (claim,) = platform.claims()
    (instance,) = platform.sim.list_instances()
    run_all(platform, pods)
    watch = EvictionWatch(platform)
    watch.look()

    advance_watching(platform, watch, 300)  # five minutes of passes with the job running
    assert [n["metadata"]["name"] for n in platform.nodes()] == [node["metadata"]["name"]]
    assert watch.evicted_running == []
    blocked = [m for r, m in platform.events("Node", node["metadata"]["name"]) if r == "DisruptionBlocked"]
    assert any("Spark" in m and "never evicted" in m for m in blocked)

    for pod in pods:
        platform.set_phase(platform.pod(pod["metadata"]["name"]) or {}, "Succeeded")
    advance_watching(platform, watch, 45)
    assert len(platform.nodes()) == 1  # consolidateAfter (1m) has not passed since the pods finished
    advance_watching(platform, watch, 40)
    assert platform.nodes() == []
    assert platform.claims() == []
    assert platform.sim.describe(instance.instance_id).state is InstanceState.TERMINATED
    reasons = platform.reasons("Node", node["metadata"]["name"])
    assert "DisruptionEmptiness" in reasons and "DisruptionTerminating" in reasons
    assert "InstanceTerminated" in platform.reasons("NodeClaim", claim["metadata"]["name"])
    assert watch.spark() == []


def test_an_underutilized_node_is_consolidated_but_a_running_spark_pod_is_not_moved(
    platform: Platform,
) -> None:
    # node 1: a Spark job of 12 cores on a 16-vCPU c5d; node 2: a 4-core service that no longer fit there
    app = platform.submit(pyspark_pi(selector=COMPUTE, cores=4))
    platform.settle()
    platform.advance(3)
    run_all(platform, app)
    service = platform.store.create(plain_pod("service", "4", "4Gi"))
    platform.settle()
    platform.advance(3)
    assert len(platform.nodes()) == 2
    spark_node, service_node = node_of(platform, app[0]), node_of(platform, service)
    assert spark_node != service_node
    platform.set_phase(platform.pod("service") or {}, "Running")
    # the driver and one executor finish: node 1 keeps one running 4-core executor, room for the service
    platform.set_phase(platform.pod(app[0]["metadata"]["name"]) or {}, "Succeeded")
    platform.set_phase(platform.pod(app[1]["metadata"]["name"]) or {}, "Succeeded")
    watch = EvictionWatch(platform)
    watch.look()

    advance_watching(platform, watch, 120)
    assert [n["metadata"]["name"] for n in platform.nodes()] == [spark_node]
    assert platform.pod("service") is None  # evicted: its controller would recreate it on node 1
    assert "Evicted" in platform.reasons("Pod", "service", NAMESPACE)
    executor = platform.pod(app[2]["metadata"]["name"])
    assert executor is not None and executor["spec"]["nodeName"] == spark_node
    assert watch.spark() == []
    reasons = platform.reasons("Node", service_node)
    assert reasons[-2:] == ["DisruptionSingleNodeConsolidation", "DisruptionTerminating"]
    assert dict(platform.events("Node", service_node))["DisruptionSingleNodeConsolidation"].startswith(
        f"delete {service_node}: their 1 pods fit on other nodes"
    )
    blocked = [m for r, m in platform.events("Node", spark_node) if r == "DisruptionBlocked"]
    assert any(m.startswith("Spark executor") for m in blocked)


def test_an_expired_node_is_cordoned_and_waits_for_its_running_spark_pods(build: Platforms) -> None:
    pool = spark_compute_optimized()
    pool.spec.template.spec.expireAfter = "10m"
    others = [p for p in blueprint_nodepools() if p.name != pool.name]
    platform = build(pools=[pool, *others])
    pods = platform.submit(pyspark_pi(selector=COMPUTE))
    platform.settle()
    platform.advance(3)
    run_all(platform, pods)
    (node,) = platform.nodes()
    name = node["metadata"]["name"]
    watch = EvictionWatch(platform)
    watch.look()

    advance_watching(platform, watch, 620)
    (node,) = platform.nodes()
    assert ANNOTATION_DISRUPTION in node["metadata"]["annotations"]
    assert {"key": "karpenter.sh/disrupted", "effect": "NoSchedule"} in node["spec"]["taints"]
    assert node["spec"]["unschedulable"] is True
    assert watch.evicted_running == []

    for pod in pods:
        platform.set_phase(platform.pod(pod["metadata"]["name"]) or {}, "Succeeded")
    advance_watching(platform, watch, 20)
    assert name not in [n["metadata"]["name"] for n in platform.nodes()]
    assert "DisruptionExpiration" in platform.reasons("Node", name)


def test_a_spot_interruption_drains_the_node_and_replaces_it_on_another_offering(build: Platforms) -> None:
    interrupt = SpotInterruption(afterLaunch=120, instanceFamily="c5d", count=1)
    platform = build(scenario=Scenario(spotInterruptions=[interrupt]))
    pods = platform.submit(pyspark_pi(selector=COMPUTE))
    platform.settle()
    platform.advance(3)
    run_all(platform, pods)
    (claim,) = platform.claims()
    (instance,) = platform.sim.list_instances()
    assert instance.capacity_type is CapacityType.SPOT
    interrupted = OfferingKey(instance.instance_type, instance.zone, instance.capacity_type)

    platform.advance(120, step=5)  # the notice comes 2 minutes after the launch
    name = claim["metadata"]["name"]
    assert "SpotInterrupted" in platform.reasons("NodeClaim", name)
    platform.advance(15, step=5)
    assert name not in [c["metadata"]["name"] for c in platform.claims()]
    assert "DisruptionInterruption" in platform.reasons("Node", name)
    # terminated by us before the two minutes ran out, and the offering is kept out of new plans
    assert platform.sim.describe(instance.instance_id).state is InstanceState.TERMINATED
    assert platform.sim.describe(instance.instance_id).state_reason != "Server.SpotInstanceTermination"
    assert interrupted in platform.offerings.active(platform.clock.now())
    for pod in pods:
        assert platform.pod(pod["metadata"]["name"]) is None
        assert "Evicted" in platform.reasons("Pod", pod["metadata"]["name"], NAMESPACE)
    (replacement,) = platform.claims()
    labels = replacement["metadata"]["labels"]
    launched = OfferingKey(
        labels["node.kubernetes.io/instance-type"],
        labels["topology.kubernetes.io/zone"],
        CapacityType(labels["karpenter.sh/capacity-type"]),
    )
    assert launched != interrupted
    platform.advance(3)
    assert [n["metadata"]["name"] for n in platform.nodes()] == [replacement["metadata"]["name"]]


def test_a_spot_interruption_drains_and_deletes_the_node_its_kubelet_registered(build: Platforms) -> None:
    interrupt = SpotInterruption(afterLaunch=120, instanceFamily="c5d", count=1)
    platform = build(scenario=Scenario(spotInterruptions=[interrupt]))
    platform.start_controllers(KubeletsJoin(platform.sim))
    kubelets = StandInKubelets(platform)
    pods = platform.submit(pyspark_pi(selector=COMPUTE))
    platform.settle()
    kubelets.advance(4)
    run_all(platform, pods)
    (claim,) = platform.claims()
    (node,) = platform.nodes()
    name = node["metadata"]["name"]
    assert name == claim["status"]["nodeName"] != claim["metadata"]["name"]
    assert {node_of(platform, pod) for pod in pods} == {name}

    kubelets.advance(120, step=5)
    assert "SpotInterrupted" in platform.reasons("Node", name)
    kubelets.advance(15, step=5)
    assert claim["metadata"]["name"] not in [c["metadata"]["name"] for c in platform.claims()]
    assert name not in [n["metadata"]["name"] for n in platform.nodes()]
    assert {"DisruptionInterruption", "DisruptionTerminating"} <= set(platform.reasons("Node", name))
    for pod in pods:
        assert platform.pod(pod["metadata"]["name"]) is None
        assert "Evicted" in platform.reasons("Pod", pod["metadata"]["name"], NAMESPACE)
    kubelets.advance(3)
    (replacement,) = platform.claims()
    assert [n["metadata"]["name"] for n in platform.nodes()] == [replacement["status"]["nodeName"]]


def oversized_node(platform: Platform) -> str:
    """An on-demand 36-vCPU node left running only a 1-core service (a 20-core batch pod has finished)."""
    on_demand = {**COMPUTE, "karpenter.sh/capacity-type": "on-demand"}
    platform.store.create(plain_pod("batch", "20", "8Gi", selector=on_demand))
    platform.settle()
    platform.advance(32)
    (node,) = platform.nodes()
    assert node["metadata"]["labels"]["node.kubernetes.io/instance-type"] == "c5d.9xlarge"
    service = platform.store.create(plain_pod("service", "1", "1Gi", selector=on_demand))
    platform.settle()
    assert node_of(platform, service) == node["metadata"]["name"]
    platform.set_phase(platform.pod("service") or {}, "Running")
    platform.set_phase(platform.pod("batch") or {}, "Succeeded")
    return str(node["metadata"]["name"])


def test_a_cheaper_replacement_is_ready_before_pods_move_and_the_action_survives_a_restart(
    build: Platforms,
) -> None:
    platform = build(scenario=Scenario(launchLatencySeconds=30))
    big = oversized_node(platform)
    for _ in range(30):
        platform.advance(5, step=5)
        if len(platform.claims()) == 2:
            break
    (old,) = [n for n in platform.nodes() if n["metadata"]["name"] == big]
    assert ANNOTATION_DISRUPTION in old["metadata"]["annotations"]
    assert platform.pod("service") is not None  # not evicted while the replacement boots
    (replacement,) = [c for c in platform.claims() if c["metadata"]["name"] != big]

    platform.start_controllers()  # a restart: the action is carried on from the node's annotation
    platform.advance(45, step=5)
    assert platform.pod("service") is None
    assert [n["metadata"]["name"] for n in platform.nodes()] == [replacement["metadata"]["name"]]
    price = float(replacement["metadata"]["annotations"]["sparkfleet.io/price-per-hour"])
    assert price < float(old["metadata"]["annotations"]["sparkfleet.io/price-per-hour"])
    reasons = platform.reasons("Node", big)
    assert reasons.index("DisruptionSingleNodeConsolidation") < reasons.index("DisruptionTerminating")


def test_a_replacement_that_cannot_launch_abandons_the_disruption_and_the_node_stays(
    build: Platforms,
) -> None:
    no_small = Scenario(
        unavailableOfferings=[
            UnavailableOffering(instanceType="c5d.4xlarge", capacityType=CapacityType.ON_DEMAND)
        ]
    )
    platform = build(scenario=no_small)
    big = oversized_node(platform)
    platform.advance(120, step=5)

    assert [n["metadata"]["name"] for n in platform.nodes()] == [big]
    (node,) = platform.nodes()
    assert ANNOTATION_DISRUPTION not in node["metadata"]["annotations"]
    assert not any(t["key"] == "karpenter.sh/disrupted" for t in node["spec"]["taints"])
    assert platform.pod("service") is not None
    reasons = platform.reasons("Node", big)
    assert "DisruptionAbandoned" in reasons
    assert reasons.count("DisruptionSingleNodeConsolidation") == 1  # not tried again on that offering
