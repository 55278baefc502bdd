"""The NodeClaim lifecycle: idempotent launch, Launched -> Registered -> Initialized, time-outs, deletion."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest

from sparkfleet.api.blueprint import spark_compute_optimized
from sparkfleet.api.instancetypes import InstanceType, Offering
from sparkfleet.api.scenario import Scenario, UnavailableOffering
from sparkfleet.api.wire import CapacityType
from sparkfleet.api.wire.sparkfleet import ANNOTATION_PROVISIONING_ROUND
from sparkfleet.cloud import (
    CloudError,
    CloudEvent,
    Instance,
    InstanceState,
    LaunchRequest,
    LaunchResult,
)
from sparkfleet.cloud.sim import SimulatedEC2
from sparkfleet.cluster import WatchEvent, WatchEventType
from sparkfleet.controllers.nodeclaim import LAUNCH_TIMEOUT, REGISTRATION_TIMEOUT, nodeclaim_manifest
from sparkfleet.controllers.nodeclaim.context import FAILED_CLAIM_GRACE
from sparkfleet.engine.provisioning import PodRequest, ProvisioningRequest, Resources, launch_outcome, plan

from .karpenter_builders import COMPUTE, START, Platform, Platforms, condition, pyspark_pi

Obj = dict[str, Any]


class ProxyCloud:
    """The simulated EC2 behind a seam the tests control: launches can fail, or die after the call."""

    def __init__(self, inner: SimulatedEC2, *, fail: bool = False, die_after_launch: bool = False) -> None:
        self.inner = inner
        self.fail = fail
        self.die_after_launch = die_after_launch
        self.fail_terminate = False
        self.launches = 0
        self.requests: list[LaunchRequest] = []

    @property
    def region(self) -> str:
        return self.inner.region

    @property
    def registers_nodes(self) -> bool:
        return self.inner.registers_nodes

    def instance_types(self) -> list[InstanceType]:
        return self.inner.instance_types()

    def offerings(self, region: str) -> list[Offering]:
        return self.inner.offerings(region)

    def launch(self, request: LaunchRequest) -> LaunchResult:
        self.launches += 1
        self.requests.append(request)
        if self.fail:
            raise CloudError("RequestLimitExceeded: request limit exceeded")
        result = self.inner.launch(request)
        if self.die_after_launch:
            raise RuntimeError("the controller died before writing the launch down")
        return result

    def terminate(self, instance_ids: Sequence[str]) -> list[Instance]:
        if self.fail_terminate:
            raise CloudError("UnauthorizedOperation: not allowed to terminate")
        return self.inner.terminate(instance_ids)

    def list_instances(self) -> list[Instance]:
        return self.inner.list_instances()

    def poll_events(self) -> list[CloudEvent]:
        return self.inner.poll_events()


@pytest.fixture
def platform(build: Platforms) -> Platform:
    return build(scenario=Scenario(launchLatencySeconds=30))


def compute_claim(platform: Platform) -> Obj:
    """A NodeClaim for one 2-core pod of the compute-optimized pool, as something other than the
    provisioner (e.g. disruption, for a replacement) writes it."""
    view = platform.fleets.view()
    pod = PodRequest("spark-team-a/p", Resources(cpu=2000, memory=2**32, pods=1), node_selector=COMPUTE)
    planned = plan(ProvisioningRequest(view.fleet, [pod], START)).claims[0]
    return nodeclaim_manifest(planned, view.pools[spark_compute_optimized().name])


def awaited(claim: Obj) -> Obj:
    """The claim as a provisioning round writes it: the round waits for its launch's outcome."""
    claim["metadata"]["annotations"][ANNOTATION_PROVISIONING_ROUND] = "2026-01-05T09:00:00Z"
    return claim


def one_claim(platform: Platform) -> Obj:
    (claim,) = platform.claims()
    return claim


def launch_one(platform: Platform) -> Obj:
    platform.submit(pyspark_pi(selector=COMPUTE))
    platform.settle()
    platform.advance(1)
    return one_claim(platform)


def test_conditions_go_launched_registered_initialized_ready_with_their_transition_times(
    platform: Platform,
) -> None:
    claim = launch_one(platform)
    assert condition(claim, "Launched")["lastTransitionTime"] == "2026-01-05T09:00:01Z"  # type: ignore[index]
    assert condition(claim, "Registered") is None
    assert claim["status"]["providerID"].startswith("aws:///us-east-1")
    assert claim["status"]["allocatable"]["cpu"] == "15890m"

    platform.advance(31)
    claim = one_claim(platform)
    registered = condition(claim, "Registered")
    assert registered is not None and registered["status"] == "True"
    assert registered["lastTransitionTime"] == "2026-01-05T09:00:31Z"  # launched at 1 s + 30 s latency
    assert condition(claim, "Initialized")["status"] == "True"  # type: ignore[index]
    assert condition(claim, "Ready")["status"] == "True"  # type: ignore[index]
    assert claim["status"]["nodeName"] == claim["metadata"]["name"]
    reasons = platform.reasons("NodeClaim", claim["metadata"]["name"])
    assert reasons == ["Planned", "Launched", "Registered", "Initialized"]


def test_a_launch_is_not_repeated_after_the_controller_dies_before_writing_it_down(
    platform: Platform,
) -> None:
    platform.start_controllers(ProxyCloud(platform.sim, die_after_launch=True))
    provisioner, nodeclaims = platform.controllers[0], platform.controllers[1]
    platform.submit(pyspark_pi(selector=COMPUTE))
    platform.scheduler.step()
    provisioner.enqueue_all()
    provisioner.run_until_idle()
    platform.clock.advance(1)
    provisioner.run_until_idle()  # the round writes the claim
    platform.deliver()
    nodeclaims.run_until_idle()  # the NodeClaim controller launches it, and dies
    claim = one_claim(platform)
    assert condition(claim, "Launched") is None
    assert len(platform.sim.list_instances()) == 1

    platform.start_controllers(platform.sim)  # a new process: nothing remembered
    platform.advance(2)
    claim = one_claim(platform)
    assert condition(claim, "Launched")["status"] == "True"  # type: ignore[index]
    (instance,) = platform.sim.list_instances()
    assert instance.client_token == claim["metadata"]["uid"]
    assert claim["status"]["providerID"].endswith(instance.instance_id)
    launched = dict(platform.events("NodeClaim", claim["metadata"]["name"]))["Launched"]
    assert launched.startswith("found the instance launched for it")
    platform.advance(30)
    assert len(platform.nodes()) == 1
    assert len(platform.sim.list_instances()) == 1


def test_a_claim_is_launched_once_though_the_provisioner_and_the_nodeclaim_controller_both_see_it(
    platform: Platform,
) -> None:
    proxy = ProxyCloud(platform.sim)
    platform.start_controllers(proxy)
    claim = launch_one(platform)
    assert condition(claim, "Launched")["status"] == "True"  # type: ignore[index]
    # every change of the claim goes to both controllers, again and again
    for _ in range(3):
        for obj in platform.claims():
            for controller in platform.controllers:
                controller.handle(WatchEvent(WatchEventType.MODIFIED, obj))
        platform.settle()
    platform.advance(31)

    assert proxy.launches == 1
    (instance,) = platform.sim.list_instances()
    assert instance.client_token == claim["metadata"]["uid"]
    assert platform.reasons("NodeClaim", claim["metadata"]["name"]).count("Launched") == 1
    assert len(platform.nodes()) == 1


def test_a_terminate_the_cloud_refuses_is_a_warning_on_the_claim_and_is_tried_again(
    platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    proxy = ProxyCloud(platform.sim)
    platform.start_controllers(proxy)
    claim = launch_one(platform)
    name = claim["metadata"]["name"]
    platform.advance(31)
    (instance,) = platform.sim.list_instances()

    proxy.fail_terminate = True
    platform.store.delete("NodeClaim", None, name)
    platform.settle()
    warnings = [m for r, m in platform.events("NodeClaim", name) if r == "TerminationFailed"]
    assert warnings == [
        f"terminating {instance.instance_id} failed: UnauthorizedOperation: not allowed to terminate; "
        "tried again while it runs without a claim"
    ]
    assert any(r.levelname == "WARNING" and instance.instance_id in r.getMessage() for r in caplog.records)
    assert platform.sim.describe(instance.instance_id).state is InstanceState.RUNNING

    proxy.fail_terminate = False
    platform.advance(1)
    assert platform.sim.describe(instance.instance_id).state is InstanceState.TERMINATED
    assert "InstanceTerminated" in platform.reasons("NodeClaim", name)
    assert platform.nodes() == []


def test_a_claim_not_launched_within_five_minutes_is_deleted(platform: Platform) -> None:
    failing = ProxyCloud(platform.sim, fail=True)
    platform.start_controllers(failing)
    platform.submit(pyspark_pi(selector=COMPUTE))
    platform.settle()
    platform.advance(1)
    name = one_claim(platform)["metadata"]["name"]
    assert "LaunchFailed" in platform.reasons("NodeClaim", name)

    platform.advance(LAUNCH_TIMEOUT.total_seconds() - 10, step=10)
    assert [c["metadata"]["name"] for c in platform.claims()] == [name]
    platform.advance(20, step=10)
    assert name not in [c["metadata"]["name"] for c in platform.claims()]
    assert ("LaunchTimeout", "not launched within 5m of its creation") in platform.events("NodeClaim", name)
    assert failing.launches > 1  # retried meanwhile


def test_a_claim_not_registered_within_fifteen_minutes_is_deleted_and_its_instance_terminated(
    build: Platforms,
) -> None:
    platform = build(scenario=Scenario(launchLatencySeconds=3600))
    claim = launch_one(platform)
    name = claim["metadata"]["name"]
    (instance,) = platform.sim.list_instances()

    platform.advance(REGISTRATION_TIMEOUT.total_seconds() - 30, step=30)
    assert name in [c["metadata"]["name"] for c in platform.claims()]
    platform.advance(60, step=30)
    assert name not in [c["metadata"]["name"] for c in platform.claims()]
    assert platform.sim.describe(instance.instance_id).state is InstanceState.TERMINATED
    assert "RegistrationTimeout" in platform.reasons("NodeClaim", name)


def test_deleting_a_nodeclaim_terminates_its_instance_and_removes_its_node(platform: Platform) -> None:
    claim = launch_one(platform)
    platform.advance(31)
    (node,) = platform.nodes()
    (instance,) = platform.sim.list_instances()

    platform.store.delete("NodeClaim", None, claim["metadata"]["name"])
    platform.settle()
    assert platform.nodes() == []
    assert platform.sim.describe(instance.instance_id).state is InstanceState.TERMINATED
    assert "InstanceTerminated" in platform.reasons("NodeClaim", claim["metadata"]["name"])
    assert node["metadata"]["name"] == claim["metadata"]["name"]


def test_an_instance_that_stops_on_its_own_takes_its_claim_and_node_with_it(platform: Platform) -> None:
    claim = launch_one(platform)
    platform.advance(31)
    (instance,) = platform.sim.list_instances()
    platform.sim.terminate([instance.instance_id])
    platform.advance(1)
    assert platform.claims() == []
    assert platform.nodes() == []
    assert "InstanceTerminated" in platform.reasons("NodeClaim", claim["metadata"]["name"])


def test_a_claim_without_capacity_is_deleted_with_an_insufficient_capacity_event(build: Platforms) -> None:
    # a claim the provisioner did not launch itself (e.g. a disruption replacement) meets no capacity
    no_c5d = Scenario(unavailableOfferings=[UnavailableOffering(instanceFamily="c5d")])
    platform = build(scenario=no_c5d)
    created = platform.store.create(compute_claim(platform))
    platform.settle(scheduler=False)

    assert platform.claims() == []
    events = platform.events("NodeClaim", created["metadata"]["name"])
    assert events[0][0] == "InsufficientCapacityError"
    active = platform.offerings.active(platform.clock.now())
    assert active and all(o.instanceType.startswith("c5d.") for o in active)
    assert {o.capacityType for o in active} == {CapacityType.SPOT, CapacityType.ON_DEMAND}
    later = platform.clock.now() + timedelta(minutes=3)
    assert platform.offerings.active(later) == frozenset()  # held for three minutes


def test_a_claim_a_provisioning_round_awaits_keeps_why_it_got_no_capacity_for_the_round_to_read(
    build: Platforms,
) -> None:
    no_c5d = Scenario(unavailableOfferings=[UnavailableOffering(instanceFamily="c5d")])
    platform = build(scenario=no_c5d)
    created = platform.store.create(awaited(compute_claim(platform)))
    platform.settle(scheduler=False)

    (claim,) = platform.claims()
    assert condition(claim, "Launched")["reason"] == "InsufficientCapacity"  # type: ignore[index]
    assert platform.reasons("NodeClaim", created["metadata"]["name"]) == ["InsufficientCapacityError"]
    # the round that created it learns why from the claim, though the NodeClaim controller launched it
    active = platform.offerings.active(platform.clock.now())
    outcome = launch_outcome(claim)
    assert outcome.insufficient_capacity and set(outcome.unavailable) == active

    # a round that never comes back for it: the claim goes after the grace
    platform.advance(FAILED_CLAIM_GRACE.total_seconds() - 1, step=10, scheduler=False)
    assert len(platform.claims()) == 1
    platform.advance(2, scheduler=False)
    assert platform.claims() == []
    assert platform.sim.list_instances() == []
