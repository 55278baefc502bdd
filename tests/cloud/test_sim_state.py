"""A simulated region kept in a file outlives the program that drove it, as an EC2 region outlives its
clients: instances, launches by client token, due boots and reclaims and unpolled events all come back."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sparkfleet.api.scenario import parse_scenario
from sparkfleet.api.wire import CapacityType
from sparkfleet.clock import VirtualClock
from sparkfleet.cloud import SPOT_TERMINATION_REASON, CloudError, CloudEventKind, InstanceState, LaunchRequest
from sparkfleet.cloud.catalog import load_catalog
from sparkfleet.cloud.sim import SimulatedEC2

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def region(path: Path, clock: VirtualClock, scenario: str = "") -> SimulatedEC2:
    return SimulatedEC2(load_catalog(), parse_scenario(scenario), clock, state_file=path)


def spot(token: str, *, excluded: bool = False) -> LaunchRequest:
    from sparkfleet.api.instancetypes import OfferingKey

    skip = (
        frozenset({OfferingKey("r5d.4xlarge", "us-east-1b", CapacityType.SPOT)}) if excluded else frozenset()
    )
    return LaunchRequest(
        token,
        f"claim-{token}",
        ("r5d.4xlarge",),
        (CapacityType.SPOT,),
        tags={"karpenter.sh/nodepool": "spark"},
        excluded_offerings=skip,
    )


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


def test_a_launch_is_kept_before_it_returns_and_its_token_still_names_it(
    tmp_path: Path, clock: VirtualClock
) -> None:
    path = tmp_path / "ec2.json"
    first = region(path, clock).launch(spot("t1", excluded=True)).unwrap()
    reopened = region(path, clock)  # no other call of the first region: the launch was written at once
    assert reopened.launch(spot("t1", excluded=True)).unwrap() == first, "the same token, the same instance"
    assert [i.instance_id for i in reopened.list_instances()] == [first.instance_id]
    assert reopened.launch(spot("t2")).unwrap().instance_id == "i-00000000000000002", "ids keep counting"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_instance_boots_and_unpolled_events_are_polled_after_a_reopen(
    tmp_path: Path, clock: VirtualClock
) -> None:
    path = tmp_path / "ec2.json"
    instance_id = region(path, clock).launch(spot("t1")).unwrap().instance_id
    clock.advance(5)  # it booted while nothing ran
    reopened = region(path, clock)
    assert reopened.describe(instance_id).state is InstanceState.RUNNING
    events = reopened.poll_events()
    assert [(e.instance_id, e.previous_state, e.state) for e in events] == [
        (instance_id, None, InstanceState.PENDING),
        (instance_id, InstanceState.PENDING, InstanceState.RUNNING),
    ]
    assert region(path, clock).poll_events() == [], "an event is polled once, across reopens too"


def test_a_spot_notice_given_before_a_restart_still_reclaims_after_it(
    tmp_path: Path, clock: VirtualClock
) -> None:
    path = tmp_path / "ec2.json"
    scenario = "spotInterruptions: [{afterLaunch: 60}]"
    ec2 = region(path, clock, scenario)
    instance_id = ec2.launch(spot("t1")).unwrap().instance_id
    clock.advance(61)
    assert CloudEventKind.SPOT_INTERRUPTION_WARNING in {e.kind for e in ec2.poll_events()}
    clock.advance(200)
    reopened = region(path, clock, scenario)
    assert reopened.list_instances() == []
    gone = reopened.describe(instance_id)
    assert (gone.state, gone.state_reason) == (InstanceState.TERMINATED, SPOT_TERMINATION_REASON)


def test_a_region_reopened_under_another_scenario_keeps_its_instances_and_plans_interruptions_anew(
    tmp_path: Path, clock: VirtualClock
) -> None:
    path = tmp_path / "ec2.json"
    instance_id = region(path, clock).launch(spot("t1")).unwrap().instance_id
    clock.advance(100)
    reopened = region(path, clock, "spotInterruptions: [{at: 30}]")  # 30 s from now, not from the start
    assert [i.instance_id for i in reopened.list_instances()] == [instance_id]
    reopened.poll_events()
    clock.advance(29)
    assert CloudEventKind.SPOT_INTERRUPTION_WARNING not in {e.kind for e in reopened.poll_events()}
    clock.advance(1)
    assert [e.instance_id for e in reopened.poll_events()] == [instance_id]


def test_capacity_counts_the_instances_that_survived(tmp_path: Path, clock: VirtualClock) -> None:
    path = tmp_path / "ec2.json"
    scenario = "capacity: {r5d.4xlarge: 1}"
    region(path, clock, scenario).launch(spot("t1")).unwrap()
    failed = region(path, clock, scenario).launch(spot("t2"))
    assert not failed.ok, "the one r5d.4xlarge allowed still runs"


def test_a_state_file_that_does_not_parse_is_refused_with_the_way_out(
    tmp_path: Path, clock: VirtualClock
) -> None:
    path = tmp_path / "ec2.json"
    path.write_text('{"version": 1, "instances": "many"}')
    with pytest.raises(
        CloudError, match=r"ec2\.json: the simulated region's state does not parse.*move the file"
    ):
        region(path, clock)
