"""The Cloud port contract: what every adapter (the simulator, AWS on moto) must do the same way."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sparkfleet.api.ec2nodeclass import EC2NodeClass, EC2NodeClassConditionType
from sparkfleet.api.instancetypes import OfferingKey
from sparkfleet.api.scenario import Scenario, SpotInterruption, UnavailableOffering
from sparkfleet.api.wire import CapacityType
from sparkfleet.cloud import (
    INSUFFICIENT_CAPACITY,
    USER_TERMINATION_REASON,
    CloudEventKind,
    IdempotentParameterMismatch,
    InstanceNotFound,
    InstanceState,
    InsufficientCapacityError,
    InvalidLaunchRequest,
    LaunchRequest,
)
from support.awsmoto import CLUSTER, DISCOVERY, ROLE

SPOT = CapacityType.SPOT
ON_DEMAND = CapacityType.ON_DEMAND
ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")


def request(token: str = "tok-1", **overrides: object) -> LaunchRequest:
    fields: dict[str, object] = {
        "client_token": token,
        "node_claim_name": f"claim-{token}",
        "instance_types": ("r5d.4xlarge",),
        "capacity_types": (ON_DEMAND,),
        "zones": ZONES,
        "tags": {"karpenter.sh/nodepool": "spark-memory-optimized"},
    }
    fields.update(overrides)
    return LaunchRequest(**fields)  # type: ignore[arg-type]


def scenario(*unavailable: UnavailableOffering, latency: float = 1.0) -> Scenario:
    return Scenario(unavailableOfferings=list(unavailable), launchLatencySeconds=latency)


def unavailable(**selector: str) -> UnavailableOffering:
    return UnavailableOffering.model_validate(selector)


def test_launch_starts_one_pending_instance_from_an_allowed_offering(make_cloud):
    cloud = make_cloud(scenario()).cloud
    result = cloud.launch(request(zones=("us-east-1b",)))
    instance = result.unwrap()
    assert result.ok and result.errors == ()
    assert (instance.instance_type, instance.zone, instance.capacity_type) == (
        "r5d.4xlarge",
        "us-east-1b",
        ON_DEMAND,
    )
    assert instance.state is InstanceState.PENDING
    assert instance.node_claim_name == "claim-tok-1"
    # The request's tags are on the instance; an adapter may add its own (AWS adds Karpenter's keys).
    assert instance.tags.items() >= {"karpenter.sh/nodepool": "spark-memory-optimized"}.items()
    assert instance.instance_id.startswith("i-")
    assert [i.instance_id for i in cloud.list_instances()] == [instance.instance_id]


def test_launch_records_the_price_the_offering_had(make_cloud):
    cloud = make_cloud(scenario()).cloud
    instance = cloud.launch(request(capacity_types=(SPOT,))).unwrap()
    prices = {o.key: o.price for o in cloud.offerings(cloud.region)}
    assert instance.price == prices[instance.offering]


def test_the_same_client_token_twice_gives_the_same_instance_never_two(make_cloud):
    cloud = make_cloud(scenario()).cloud
    first = cloud.launch(request("tok-same")).unwrap()
    second = cloud.launch(request("tok-same")).unwrap()
    assert second.instance_id == first.instance_id
    assert len(cloud.list_instances()) == 1


def test_a_client_token_reused_with_a_different_request_is_refused(make_cloud):
    cloud = make_cloud(scenario()).cloud
    cloud.launch(request("tok-same"))
    with pytest.raises(IdempotentParameterMismatch):
        cloud.launch(request("tok-same", instance_types=("r5d.8xlarge",)))
    assert len(cloud.list_instances()) == 1


def test_different_client_tokens_give_different_instances(make_cloud):
    cloud = make_cloud(scenario()).cloud
    a = cloud.launch(request("tok-a")).unwrap()
    b = cloud.launch(request("tok-b")).unwrap()
    assert a.instance_id != b.instance_id
    assert [i.instance_id for i in cloud.list_instances()] == [a.instance_id, b.instance_id]


def test_terminate_removes_the_instance_from_the_list_and_may_be_repeated(make_cloud):
    cloud = make_cloud(scenario()).cloud
    keep = cloud.launch(request("tok-keep")).unwrap()
    gone = cloud.launch(request("tok-gone")).unwrap()
    [after] = cloud.terminate([gone.instance_id])
    # EC2 answers shutting-down and gets to terminated soon after; either way the instance is ending.
    assert after.state in (InstanceState.SHUTTING_DOWN, InstanceState.TERMINATED)
    assert after.state_reason == USER_TERMINATION_REASON
    assert [i.instance_id for i in cloud.list_instances()] == [keep.instance_id]
    [again] = cloud.terminate([gone.instance_id])
    assert again.state in (InstanceState.SHUTTING_DOWN, InstanceState.TERMINATED)


def test_terminating_an_unknown_instance_fails_and_changes_nothing(make_cloud):
    cloud = make_cloud(scenario()).cloud
    live = cloud.launch(request()).unwrap()
    with pytest.raises(InstanceNotFound) as excinfo:
        cloud.terminate([live.instance_id, "i-0123456789abcdef0"])
    assert excinfo.value.instance_ids == ("i-0123456789abcdef0",)
    assert [i.instance_id for i in cloud.list_instances()] == [live.instance_id]


def test_no_capacity_in_any_candidate_is_an_insufficient_capacity_error_naming_each_offering(make_cloud):
    cloud = make_cloud(scenario(unavailable(instanceFamily="r5d"))).cloud
    result = cloud.launch(
        request(instance_types=("r5d.4xlarge", "r5d.8xlarge"), capacity_types=(SPOT, ON_DEMAND))
    )
    assert result.instance is None
    assert {f.code for f in result.errors} == {INSUFFICIENT_CAPACITY}
    expected = {
        OfferingKey(t, z, c) for t in ("r5d.4xlarge", "r5d.8xlarge") for z in ZONES for c in (SPOT, ON_DEMAND)
    }
    assert {f.offering for f in result.errors} == expected
    with pytest.raises(InsufficientCapacityError) as excinfo:
        result.unwrap()
    assert set(excinfo.value.offerings) == expected
    assert cloud.list_instances() == []


def test_a_failed_launch_can_be_retried_with_the_same_token(make_cloud):
    cloud = make_cloud(scenario(unavailable(instanceType="r5d.4xlarge"))).cloud
    assert not cloud.launch(request("tok-retry")).ok
    retried = cloud.launch(request("tok-retry", instance_types=("r5d.4xlarge", "r5d.8xlarge")))
    assert retried.unwrap().instance_type == "r5d.8xlarge"


def test_the_fleet_moves_past_offerings_without_capacity_and_reports_them(make_cloud):
    cloud = make_cloud(scenario(unavailable(instanceType="r5d.4xlarge", zone="us-east-1a"))).cloud
    result = cloud.launch(request(zones=("us-east-1a", "us-east-1b")))
    assert result.unwrap().offering == OfferingKey("r5d.4xlarge", "us-east-1b", ON_DEMAND)
    assert [f.offering for f in result.errors] == [OfferingKey("r5d.4xlarge", "us-east-1a", ON_DEMAND)]


def test_spot_is_preferred_when_both_capacity_types_are_allowed(make_cloud):
    cloud = make_cloud(scenario()).cloud
    instance = cloud.launch(request(capacity_types=(ON_DEMAND, SPOT))).unwrap()
    assert instance.capacity_type is SPOT


def test_on_demand_is_the_fallback_when_no_spot_offering_has_capacity(make_cloud):
    cloud = make_cloud(scenario(unavailable(instanceFamily="r5d", capacityType="spot"))).cloud
    result = cloud.launch(request(capacity_types=(SPOT, ON_DEMAND)))
    assert result.unwrap().capacity_type is ON_DEMAND
    assert {f.capacity_type for f in result.errors} == {SPOT}
    assert len(result.errors) == len(ZONES)


def test_spot_launches_from_the_cheapest_spot_offering_among_the_candidates(make_cloud):
    cloud = make_cloud(scenario()).cloud
    candidates = ("r5d.2xlarge", "r5d.4xlarge", "r5.4xlarge")
    spot = [
        o for o in cloud.offerings(cloud.region) if o.capacityType is SPOT and o.instanceType in candidates
    ]
    cheapest = min(spot, key=lambda o: o.price)
    instance = cloud.launch(request(instance_types=candidates, capacity_types=(SPOT,))).unwrap()
    assert instance.offering == cheapest.key


def test_on_demand_launches_the_lowest_priced_candidate(make_cloud):
    cloud = make_cloud(scenario()).cloud
    instance = cloud.launch(request(instance_types=("r5d.8xlarge", "r5d.2xlarge", "r5d.4xlarge"))).unwrap()
    assert instance.instance_type == "r5d.2xlarge"


def test_excluded_offerings_are_not_tried(make_cloud):
    cloud = make_cloud(scenario()).cloud
    excluded = frozenset(OfferingKey("r5d.4xlarge", z, ON_DEMAND) for z in ("us-east-1a", "us-east-1b"))
    instance = cloud.launch(request(excluded_offerings=excluded)).unwrap()
    assert instance.zone == "us-east-1c"


def test_a_request_with_nothing_left_to_try_is_invalid(make_cloud):
    cloud = make_cloud(scenario()).cloud
    excluded = frozenset(OfferingKey("r5d.4xlarge", z, ON_DEMAND) for z in ZONES)
    with pytest.raises(InvalidLaunchRequest):
        cloud.launch(request(excluded_offerings=excluded))


def test_unknown_instance_types_and_zones_are_invalid_requests(make_cloud):
    cloud = make_cloud(scenario()).cloud
    with pytest.raises(InvalidLaunchRequest, match=r"r5d\.5xlarge"):
        cloud.launch(request(instance_types=("r5d.5xlarge",)))
    with pytest.raises(InvalidLaunchRequest, match=r"eu-west-1a"):
        cloud.launch(request(zones=("eu-west-1a",)))


def test_offerings_list_what_exists_with_prices_and_capacity_shows_only_at_launch(make_cloud):
    cloud = make_cloud(
        scenario(unavailable(instanceType="m5.large", capacityType="spot", zone="us-east-1c"))
    ).cloud
    offerings = {o.key: o for o in cloud.offerings(cloud.region)}
    # Like DescribeInstanceTypeOfferings: no capacity is promised, so the provisioner learns by launching.
    assert offerings[OfferingKey("m5.large", "us-east-1c", SPOT)].available
    assert not cloud.launch(
        request(instance_types=("m5.large",), capacity_types=(SPOT,), zones=("us-east-1c",))
    ).ok
    assert offerings[OfferingKey("m5.large", "us-east-1a", SPOT)].available
    assert offerings[OfferingKey("m5.large", "us-east-1c", ON_DEMAND)].available
    assert offerings[OfferingKey("m5.large", "us-east-1c", ON_DEMAND)].price == pytest.approx(0.096)
    assert 0 < offerings[OfferingKey("m5.large", "us-east-1c", SPOT)].price < 0.096


def test_events_report_launch_boot_and_termination_once_each_in_order(make_cloud):
    env = make_cloud(scenario(latency=30.0))
    cloud = env.cloud
    instance = cloud.launch(request()).unwrap()
    [pending] = cloud.poll_events()
    assert (pending.kind, pending.instance_id, pending.state, pending.previous_state) == (
        CloudEventKind.STATE_CHANGE,
        instance.instance_id,
        InstanceState.PENDING,
        None,
    )
    assert cloud.poll_events() == []
    env.clock.advance(30)
    [running] = cloud.poll_events()
    assert (running.state, running.previous_state) == (InstanceState.RUNNING, InstanceState.PENDING)
    assert running.time == instance.launch_time + timedelta(seconds=30)
    assert cloud.list_instances()[0].state is InstanceState.RUNNING
    cloud.terminate([instance.instance_id])
    [terminated] = cloud.poll_events()
    assert (terminated.state, terminated.reason) == (InstanceState.TERMINATED, USER_TERMINATION_REASON)
    assert cloud.poll_events() == []


def test_insufficient_capacity_is_also_polled_as_events(make_cloud):
    cloud = make_cloud(scenario(unavailable(instanceType="r5d.4xlarge"))).cloud
    cloud.launch(request(zones=("us-east-1a",)))
    [event] = cloud.poll_events()
    assert event.kind is CloudEventKind.INSUFFICIENT_CAPACITY
    assert event.offering == OfferingKey("r5d.4xlarge", "us-east-1a", ON_DEMAND)
    assert event.node_claim_name == "claim-tok-1"
    assert event.instance_id is None
    assert cloud.poll_events() == []


def test_a_spot_interruption_is_warned_two_minutes_ahead_and_then_the_instance_ends(make_cloud):
    env = make_cloud(Scenario(spotInterruptions=[SpotInterruption(afterLaunch=60, instanceFamily="r5d")]))
    cloud = env.cloud
    instance = cloud.launch(request(capacity_types=(SPOT,))).unwrap()
    env.clock.advance(60)
    [warning] = [e for e in cloud.poll_events() if e.kind is CloudEventKind.SPOT_INTERRUPTION_WARNING]
    assert (warning.instance_id, warning.node_claim_name) == (instance.instance_id, "claim-tok-1")
    assert warning.offering == instance.offering
    assert warning.deadline == warning.time + timedelta(minutes=2)
    assert warning.time == instance.launch_time + timedelta(seconds=60)
    env.clock.advance(120)
    ended = [e for e in cloud.poll_events() if e.kind is CloudEventKind.STATE_CHANGE]
    assert [(e.instance_id, e.state) for e in ended] == [(instance.instance_id, InstanceState.TERMINATED)]
    assert ended[0].time == warning.deadline
    assert cloud.list_instances() == []


def test_on_demand_instances_are_never_interrupted(make_cloud):
    env = make_cloud(Scenario(spotInterruptions=[SpotInterruption(afterLaunch=0)]))
    cloud = env.cloud
    cloud.launch(request(capacity_types=(ON_DEMAND,))).unwrap()
    env.clock.advance(300)
    assert [e.kind for e in cloud.poll_events()] == [CloudEventKind.STATE_CHANGE] * 2  # pending, running


def node_class(**spec: object) -> EC2NodeClass:
    """A node class as the blueprint writes one: discovery tags, the AL2023 alias, a node role."""
    body: dict[str, object] = {
        "amiSelectorTerms": [{"alias": "al2023@latest"}],
        "role": ROLE,
        "subnetSelectorTerms": [{"tags": {DISCOVERY: CLUSTER}}],
        "securityGroupSelectorTerms": [{"tags": {DISCOVERY: CLUSTER}}],
    }
    body.update(spec)
    return EC2NodeClass.model_validate({"metadata": {"name": "spark-nodes"}, "spec": body})


def test_a_node_class_resolves_to_a_subnet_per_zone_its_groups_an_ami_per_arch_and_a_profile(make_cloud):
    resolved = make_cloud(scenario()).cloud.resolve_node_class(node_class())
    assert resolved.problems == {}
    assert sorted(s.zone for s in resolved.subnets) == list(ZONES)
    assert len({s.id for s in resolved.subnets}) == len(ZONES)
    assert all(s.id.startswith("subnet-") and s.zoneID for s in resolved.subnets)
    assert resolved.security_groups and all(g.id.startswith("sg-") for g in resolved.security_groups)
    assert [(a.requirements[0].key, a.requirements[0].values) for a in resolved.amis] == [
        ("kubernetes.io/arch", ["amd64"]),
        ("kubernetes.io/arch", ["arm64"]),
    ]
    assert all(a.id.startswith("ami-") for a in resolved.amis)
    assert resolved.instance_profile


def test_a_part_that_selects_nothing_says_why_and_the_other_parts_still_resolve(make_cloud):
    cloud = make_cloud(scenario()).cloud
    resolved = cloud.resolve_node_class(
        node_class(
            subnetSelectorTerms=[{"id": "subnet-0123456789abcdef0"}],
            securityGroupSelectorTerms=[{"id": "sg-0123456789abcdef0"}],
        )
    )
    C = EC2NodeClassConditionType
    assert {k: v.reason for k, v in resolved.problems.items()} == {
        C.SUBNETS_READY: "SubnetsNotFound",
        C.SECURITY_GROUPS_READY: "SecurityGroupsNotFound",
    }
    assert "subnetSelectorTerms" in resolved.problems[C.SUBNETS_READY].message
    assert resolved.subnets == () and resolved.security_groups == ()
    assert len(resolved.amis) == 2 and resolved.instance_profile
