"""The simulated EC2: ids, launch latency, capacity caps and spot interruptions on a virtual clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from sparkfleet.api.base import ManifestError
from sparkfleet.api.scenario import Scenario, parse_scenario
from sparkfleet.api.wire import CapacityType
from sparkfleet.clock import VirtualClock
from sparkfleet.cloud import (
    SPOT_TERMINATION_REASON,
    CloudError,
    CloudEvent,
    CloudEventKind,
    InstanceState,
    LaunchRequest,
)
from sparkfleet.cloud.catalog import load_catalog
from sparkfleet.cloud.sim import SPOT_INTERRUPTION_NOTICE, SimulatedEC2

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SPOT = CapacityType.SPOT
ON_DEMAND = CapacityType.ON_DEMAND


def sim(yaml_text: str = "", clock: VirtualClock | None = None) -> tuple[SimulatedEC2, VirtualClock]:
    clock = clock or VirtualClock(START)
    return SimulatedEC2(load_catalog(), parse_scenario(yaml_text), clock), clock


def spot(token: str, instance_type: str = "r5d.4xlarge", zone: str = "us-east-1a") -> LaunchRequest:
    return LaunchRequest(token, f"claim-{token}", (instance_type,), (SPOT,), (zone,))


def kinds(events: list[CloudEvent]) -> list[tuple[CloudEventKind, str | None, InstanceState | None]]:
    return [(e.kind, e.instance_id, e.state) for e in events]


def test_instance_ids_count_launches_in_seventeen_hex_digits():
    ec2, _ = sim()
    ids = [ec2.launch(spot(f"t{n}")).unwrap().instance_id for n in range(1, 18)]
    assert ids[0] == "i-00000000000000001"
    assert ids[16] == "i-00000000000000011"


def test_default_region_and_zones_are_us_east_1_a_b_c():
    ec2, _ = sim()
    assert ec2.region == "us-east-1"
    assert ec2.zones == ("us-east-1a", "us-east-1b", "us-east-1c")
    assert len(ec2.offerings("us-east-1")) == 376 * 3 * 2


def test_offerings_of_another_region_are_refused():
    ec2, _ = sim()
    with pytest.raises(CloudError, match="us-west-2"):
        ec2.offerings("us-west-2")


def test_instance_types_are_the_catalog():
    ec2, _ = sim()
    assert [it.name for it in ec2.instance_types()] == list(load_catalog().names)


def test_an_instance_stays_pending_until_the_launch_latency_has_passed():
    ec2, clock = sim("launchLatencySeconds: 45")
    instance_id = ec2.launch(spot("t1")).unwrap().instance_id
    clock.advance(44.9)
    assert ec2.describe(instance_id).state is InstanceState.PENDING
    clock.advance(0.1)
    assert ec2.describe(instance_id).state is InstanceState.RUNNING


def test_the_default_launch_latency_is_one_second():
    ec2, clock = sim()
    instance_id = ec2.launch(spot("t1")).unwrap().instance_id
    clock.advance(1)
    events = ec2.poll_events()
    assert events[-1].state is InstanceState.RUNNING
    assert events[-1].time == START + timedelta(seconds=1)
    assert ec2.describe(instance_id).state is InstanceState.RUNNING


def test_a_capacity_cap_runs_out_and_comes_back_when_an_instance_terminates():
    ec2, _ = sim("capacity: {r5d.4xlarge: 2}")
    first = ec2.launch(spot("t1")).unwrap()
    ec2.launch(spot("t2", zone="us-east-1b")).unwrap()
    third = ec2.launch(spot("t3", zone="us-east-1c"))
    assert not third.ok
    assert [f.offering.zone for f in third.errors] == ["us-east-1c"]
    ec2.terminate([first.instance_id])
    assert ec2.launch(spot("t3", zone="us-east-1c")).ok


def test_a_spot_interruption_at_a_time_warns_two_minutes_before_reclaiming():
    ec2, clock = sim("spotInterruptions: [{at: 600, instanceFamily: r5d}]")
    victim = ec2.launch(spot("t1")).unwrap().instance_id
    other_family = ec2.launch(spot("t2", "r5.4xlarge")).unwrap().instance_id
    clock.advance(599)
    ec2.poll_events()
    clock.advance(1)
    [warning] = ec2.poll_events()
    assert warning.kind is CloudEventKind.SPOT_INTERRUPTION_WARNING
    assert warning.instance_id == victim
    assert warning.time == START + timedelta(seconds=600)
    assert warning.deadline == START + timedelta(seconds=600) + SPOT_INTERRUPTION_NOTICE
    clock.advance(119)
    assert ec2.poll_events() == []
    assert victim in [i.instance_id for i in ec2.list_instances()]
    clock.advance(1)
    [reclaimed] = ec2.poll_events()
    assert (reclaimed.instance_id, reclaimed.state, reclaimed.previous_state) == (
        victim,
        InstanceState.TERMINATED,
        InstanceState.RUNNING,
    )
    assert reclaimed.reason == SPOT_TERMINATION_REASON
    assert [i.instance_id for i in ec2.list_instances()] == [other_family]
    clock.advance(3600)
    assert ec2.poll_events() == []


def test_events_of_a_long_jump_in_time_come_stamped_with_when_they_were_due():
    ec2, clock = sim("spotInterruptions: [{at: 60}]")
    victim = ec2.launch(spot("t1")).unwrap().instance_id
    clock.advance(3600)
    events = ec2.poll_events()
    assert kinds(events) == [
        (CloudEventKind.STATE_CHANGE, victim, InstanceState.PENDING),
        (CloudEventKind.STATE_CHANGE, victim, InstanceState.RUNNING),
        (CloudEventKind.SPOT_INTERRUPTION_WARNING, victim, InstanceState.RUNNING),
        (CloudEventKind.STATE_CHANGE, victim, InstanceState.TERMINATED),
    ]
    assert [e.time - START for e in events] == [
        timedelta(0),
        timedelta(seconds=1),
        timedelta(seconds=60),
        timedelta(seconds=180),
    ]


def test_interruptions_never_hit_on_demand_instances():
    ec2, clock = sim("spotInterruptions: [{at: 10}]")
    request = LaunchRequest("od", "claim-od", ("r5d.4xlarge",), (ON_DEMAND,))
    instance_id = ec2.launch(request).unwrap().instance_id
    clock.advance(600)
    assert CloudEventKind.SPOT_INTERRUPTION_WARNING not in {e.kind for e in ec2.poll_events()}
    assert ec2.describe(instance_id).state is InstanceState.RUNNING


def test_an_interruption_after_launch_hits_only_count_matching_instances_in_launch_order():
    ec2, clock = sim("spotInterruptions: [{afterLaunch: 300, zone: us-east-1b, count: 1}]")
    ec2.launch(spot("a", zone="us-east-1a"))
    first_b = ec2.launch(spot("b1", zone="us-east-1b")).unwrap().instance_id
    clock.advance(10)
    second_b = ec2.launch(spot("b2", zone="us-east-1b")).unwrap().instance_id
    clock.advance(1000)
    warned = [e.instance_id for e in ec2.poll_events() if e.kind is CloudEventKind.SPOT_INTERRUPTION_WARNING]
    assert warned == [first_b]
    assert ec2.describe(first_b).state is InstanceState.TERMINATED
    assert ec2.describe(second_b).state is InstanceState.RUNNING


def test_a_terminated_instance_is_not_warned():
    ec2, clock = sim("spotInterruptions: [{afterLaunch: 300}]")
    instance_id = ec2.launch(spot("t1")).unwrap().instance_id
    ec2.terminate([instance_id])
    clock.advance(1000)
    assert CloudEventKind.SPOT_INTERRUPTION_WARNING not in {e.kind for e in ec2.poll_events()}


def test_the_same_scenario_replays_the_same_history():
    text = "spotInterruptions: [{at: 90, count: 2}]\nunavailableOfferings: [{instanceType: r5d.2xlarge}]"

    def run() -> list[CloudEvent]:
        ec2, clock = sim(text)
        for n in range(4):
            types = ("r5d.2xlarge", "r5d.4xlarge", "r5.4xlarge")
            ec2.launch(LaunchRequest(f"t{n}", f"c{n}", types, (SPOT, ON_DEMAND)))
            clock.advance(20)
        clock.advance(600)
        return ec2.poll_events()

    first = run()
    assert first == run()
    assert sum(e.kind is CloudEventKind.SPOT_INTERRUPTION_WARNING for e in first) == 2


def test_concurrent_launches_never_share_an_id_and_one_token_gives_one_instance():
    ec2, _ = sim()
    ids: list[str] = []
    lock = threading.Lock()

    def launch(token: str) -> None:
        instance_id = ec2.launch(spot(token)).unwrap().instance_id
        with lock:
            ids.append(instance_id)

    threads = [threading.Thread(target=launch, args=(f"t{n % 10}",)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 40
    assert len(set(ids)) == 10
    assert len(ec2.list_instances()) == 10


def test_a_scenario_naming_an_unknown_type_is_refused_with_the_field_path():
    with pytest.raises(ManifestError, match=r"unavailableOfferings\[0\]\.instanceType"):
        SimulatedEC2(
            load_catalog(),
            parse_scenario("unavailableOfferings: [{instanceType: r5d.5xlarge}]"),
            VirtualClock(START),
        )


def test_zones_of_another_region_are_refused():
    with pytest.raises(ManifestError, match=r"zones\[1\]"):
        SimulatedEC2(load_catalog(), Scenario(zones=["us-east-1a", "us-west-2a"]), VirtualClock(START))


def test_another_region_can_be_simulated_with_its_own_zones():
    ec2 = SimulatedEC2(
        load_catalog(), Scenario(zones=["eu-west-1a"]), VirtualClock(START), region="eu-west-1"
    )
    request = LaunchRequest("t", "c", ("m5.large",), (ON_DEMAND,))
    assert ec2.launch(request).unwrap().zone == "eu-west-1a"


def test_an_instances_tags_cannot_be_changed_behind_the_simulators_back():
    ec2, _ = sim()
    request = LaunchRequest("t", "c", ("m5.large",), (ON_DEMAND,), tags={"team": "a"})
    instance = ec2.launch(request).unwrap()
    with pytest.raises(TypeError):
        instance.tags["team"] = "b"  # type: ignore[index]
    assert ec2.list_instances()[0].tags == {"team": "a"}
