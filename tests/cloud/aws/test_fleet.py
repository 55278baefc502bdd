"""CreateFleet requests (instant, one instance, Karpenter's strategies) and how their answers are read."""

from __future__ import annotations

from sparkfleet.api.instancetypes import OfferingKey
from sparkfleet.api.wire import CapacityType
from sparkfleet.cloud.aws.fleet import Override, fleet_request, fleet_token, read_answer

SPOT, ON_DEMAND = CapacityType.SPOT, CapacityType.ON_DEMAND
ZONES = {"subnet-a": "us-east-1a", "subnet-b": "us-east-1b"}


def override(
    instance_type: str, zone: str, ct: CapacityType, template: str = "karpenter.k8s.aws/amd"
) -> Override:
    subnet = next(s for s, z in ZONES.items() if z == zone)
    return Override(OfferingKey(instance_type, zone, ct), subnet, template, 1.0)


def test_spot_is_one_instant_fleet_of_one_instance_with_price_capacity_optimized():
    overrides = [
        override("r6gd.4xlarge", "us-east-1a", SPOT, "karpenter.k8s.aws/arm"),
        override("r5d.4xlarge", "us-east-1b", SPOT),
        override("r6gd.4xlarge", "us-east-1b", SPOT, "karpenter.k8s.aws/arm"),
    ]
    params = fleet_request(overrides, SPOT, {"karpenter.sh/nodeclaim": "c1"}, "tok", context="ctx")
    assert params["Type"] == "instant"
    assert params["TargetCapacitySpecification"] == {
        "TotalTargetCapacity": 1,
        "DefaultTargetCapacityType": "spot",
    }
    assert params["SpotOptions"] == {"AllocationStrategy": "price-capacity-optimized"}
    assert "OnDemandOptions" not in params
    assert params["ClientToken"] == "tok" and params["Context"] == "ctx"
    configs = params["LaunchTemplateConfigs"]
    assert [c["LaunchTemplateSpecification"]["LaunchTemplateName"] for c in configs] == [
        "karpenter.k8s.aws/arm",
        "karpenter.k8s.aws/amd",
    ]
    assert configs[0]["Overrides"] == [
        {"InstanceType": "r6gd.4xlarge", "SubnetId": "subnet-a", "AvailabilityZone": "us-east-1a"},
        {"InstanceType": "r6gd.4xlarge", "SubnetId": "subnet-b", "AvailabilityZone": "us-east-1b"},
    ]
    tags = {t["Key"]: t["Value"] for t in params["TagSpecifications"][0]["Tags"]}
    assert tags == {"karpenter.sh/nodeclaim": "c1"}
    assert [s["ResourceType"] for s in params["TagSpecifications"]] == ["instance", "volume"]


def test_on_demand_uses_lowest_price():
    params = fleet_request([override("r5d.4xlarge", "us-east-1a", ON_DEMAND)], ON_DEMAND, {}, "tok")
    assert params["OnDemandOptions"] == {"AllocationStrategy": "lowest-price"}
    assert params["TargetCapacitySpecification"]["DefaultTargetCapacityType"] == "on-demand"


def test_a_fleet_token_is_stable_for_one_attempt_and_new_for_the_next():
    first = fleet_token("uid-1", SPOT, 1, "request")
    assert first == fleet_token("uid-1", SPOT, 1, "request")
    assert len(first) <= 64
    assert (
        len({first, fleet_token("uid-1", SPOT, 2, "request"), fleet_token("uid-1", ON_DEMAND, 1, "request")})
        == 3
    )


def error(code: str, instance_type: str, subnet: str, lifecycle: str = "spot") -> dict[str, object]:
    return {
        "LaunchTemplateAndOverrides": {"Overrides": {"InstanceType": instance_type, "SubnetId": subnet}},
        "Lifecycle": lifecycle,
        "ErrorCode": code,
        "ErrorMessage": f"{code} for {instance_type}",
    }


def test_capacity_errors_of_each_override_become_launch_failures_of_their_offering():
    answer = read_answer(
        {
            "Instances": [
                {
                    "InstanceIds": ["i-0abc"],
                    "InstanceType": "r5d.4xlarge",
                    "Lifecycle": "spot",
                    "LaunchTemplateAndOverrides": {
                        "Overrides": {"InstanceType": "r5d.4xlarge", "SubnetId": "subnet-b"}
                    },
                }
            ],
            "Errors": [
                error("InsufficientInstanceCapacity", "r6gd.4xlarge", "subnet-a"),
                error("MaxSpotInstanceCountExceeded", "r6gd.4xlarge", "subnet-b"),
                error("VcpuLimitExceeded", "r5d.8xlarge", "subnet-a"),
                error("UnfulfillableCapacity", "r5d.8xlarge", "subnet-b"),
                error("InsufficientInstanceCapacity", "r6gd.4xlarge", "subnet-a"),  # repeated: reported once
            ],
        },
        SPOT,
        ZONES,
    )
    assert answer.instance_id == "i-0abc"
    assert answer.offering == OfferingKey("r5d.4xlarge", "us-east-1b", SPOT)
    assert [(f.offering, f.code) for f in answer.failures] == [
        (OfferingKey("r6gd.4xlarge", "us-east-1a", SPOT), "InsufficientInstanceCapacity"),
        (OfferingKey("r6gd.4xlarge", "us-east-1b", SPOT), "MaxSpotInstanceCountExceeded"),
        (OfferingKey("r5d.8xlarge", "us-east-1a", SPOT), "VcpuLimitExceeded"),
        (OfferingKey("r5d.8xlarge", "us-east-1b", SPOT), "UnfulfillableCapacity"),
    ]
    assert answer.other_errors == ()


def test_errors_that_are_not_about_capacity_are_kept_apart():
    answer = read_answer(
        {"Errors": [error("InvalidParameterValue", "r5d.4xlarge", "subnet-a", "on-demand")]}, ON_DEMAND, ZONES
    )
    assert answer.instance_id is None and answer.failures == ()
    assert answer.other_errors == (("InvalidParameterValue", "InvalidParameterValue for r5d.4xlarge"),)
