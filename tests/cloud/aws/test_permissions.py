"""deploy/iam-policy.json grants exactly the actions the AWS adapter calls.

Every operation of the adapter runs once on moto (launch with and without capacity, both capacity types,
prices, an instance profile made from a role and re-pointed, the cluster read from EKS, AMIs by alias,
the interruption queue, termination, garbage collection) while a botocore hook records each call as its
IAM action. The policy must list those, plus the actions EC2 and IAM authorize on behalf of a call."""

from __future__ import annotations

import json
from pathlib import Path

from sparkfleet.api.scenario import Scenario, UnavailableOffering
from sparkfleet.api.wire import CapacityType
from sparkfleet.cloud import LaunchRequest
from sparkfleet.cloud.aws import AwsEC2
from sparkfleet.cloud.aws.amis import alias_parameters
from sparkfleet.cloud.aws.profiles import profile_name
from sparkfleet.cloud.catalog import load_catalog
from support.awsmoto import (
    CLUSTER,
    IMAGES,
    ROLE,
    CapacityInjector,
    OneNodeClass,
    answer,
    answer_public_parameters,
    aws_settings,
    price_list,
)

POLICY = Path(__file__).resolve().parents[3] / "deploy" / "iam-policy.json"
IMPLIED = {
    "ec2:RunInstances": "CreateFleet launches through RunInstances on the caller's behalf",
    "ec2:CreateTags": "CreateFleet and CreateLaunchTemplate tag what they create",
    "iam:PassRole": "an instance profile's role is passed to the instances CreateFleet launches",
    "iam:TagInstanceProfile": "CreateInstanceProfile is given its tags",
}


def policy_actions() -> set[str]:
    document = json.loads(POLICY.read_text(encoding="utf-8"))
    return {action for statement in document["Statement"] for action in statement["Action"]}


def test_the_policy_lists_exactly_the_actions_the_adapter_calls(world, session, recorder, clock):
    world.session.client("eks").create_cluster(
        name=CLUSTER,
        roleArn="arn:aws:iam::123456789012:role/eks",
        resourcesVpcConfig={"subnetIds": []},
        version="1.32",
    )
    iam = world.session.client("iam")
    iam.create_role(RoleName="OldRole", AssumeRolePolicyDocument="{}")
    stale = profile_name(CLUSTER, "us-east-1", "spark-nodes")
    iam.create_instance_profile(InstanceProfileName=stale)
    iam.add_role_to_instance_profile(InstanceProfileName=stale, RoleName="OldRole")
    answer_public_parameters(
        session,
        {path: IMAGES[arch] for arch, path in alias_parameters("al2023@latest", "1.32").items()},
    )
    answer(session, "pricing", "GetProducts", lambda _body: {"PriceList": price_list({"r5d.4xlarge": 1.152})})
    CapacityInjector(
        session, Scenario(unavailableOfferings=[UnavailableOffering(instanceFamily="r6gd")]), load_catalog()
    )
    settings = aws_settings(
        clusterEndpoint=None, clusterCertificateAuthority=None, kubernetesVersion=None, livePrices=True
    )
    node_class = world.node_class(amiSelectorTerms=[{"alias": "al2023@latest"}], role=ROLE)
    cloud = AwsEC2(settings, load_catalog(), clock, OneNodeClass(node_class), session=session)

    spot = cloud.launch(
        LaunchRequest(
            "tok-spot",
            "claim-spot",
            ("r6gd.4xlarge", "r5d.4xlarge"),
            (CapacityType.SPOT, CapacityType.ON_DEMAND),
        )
    ).unwrap()
    on_demand = cloud.launch(
        LaunchRequest(
            "tok-od", "claim-od", ("r5d.4xlarge",), (CapacityType.ON_DEMAND,), zones=("us-east-1a",)
        )
    ).unwrap()
    cloud.offerings(cloud.region)
    world.session.client("sqs").send_message(QueueUrl=world.queue_url, MessageBody="{}")
    cloud.poll_events()
    cloud.list_instances()
    cloud.resolve_node_class(node_class)
    other = node_class.model_copy(
        update={"metadata": node_class.metadata.model_copy(update={"name": "other"})}
    )
    assert cloud.resolve_node_class(other).instance_profile == profile_name(CLUSTER, "us-east-1", "other")
    cloud.terminate([spot.instance_id])
    cloud.collect_orphans(set())
    cloud.collect_launch_templates([])
    assert on_demand.capacity_type is CapacityType.ON_DEMAND

    called = recorder.actions
    assert "iam:RemoveRoleFromInstanceProfile" in called  # the stale profile was re-pointed
    assert policy_actions() - set(IMPLIED) == called, "deploy/iam-policy.json differs from the calls made"
