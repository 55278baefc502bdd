"""The AWS adapter beyond the port's contract: what it makes in EC2, restarts, garbage and secrets."""

from __future__ import annotations

import base64
import json
import logging
import subprocess
import sys
from datetime import timedelta

import yaml

from sparkfleet.api.instancetypes import OfferingKey
from sparkfleet.api.scenario import Scenario, UnavailableOffering
from sparkfleet.api.wire import CapacityType
from sparkfleet.cloud import CloudEventKind, InstanceState, LaunchRequest
from sparkfleet.cloud.aws import AwsEC2
from sparkfleet.cloud.catalog import load_catalog
from support.awsmoto import IMAGES, ROLE, CapacityInjector, OneNodeClass, aws_settings, fresh_session

SPOT, ON_DEMAND = CapacityType.SPOT, CapacityType.ON_DEMAND


def request(token: str = "uid-1", **fields: object) -> LaunchRequest:
    body: dict[str, object] = {
        "client_token": token,
        "node_claim_name": f"claim-{token}",
        "instance_types": ("r5d.4xlarge",),
        "capacity_types": (ON_DEMAND,),
        "tags": {"karpenter.sh/nodepool": "spark-memory-optimized", "sparkfleet.io/managed-by": "sparkfleet"},
    }
    body.update(fields)
    return LaunchRequest(**body)  # type: ignore[arg-type]


def test_importing_the_package_and_its_command_line_loads_no_boto3():
    code = "import sys, sparkfleet.platform, sparkfleet.cli.main; print('boto3' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_launch_tags_the_instance_for_karpenter_and_boots_the_node_class_template(aws, world):
    instance = aws.launch(request()).unwrap()
    assert instance.image_id == IMAGES["amd64"]
    [raw] = world.instances()
    tags = {t["Key"]: t["Value"] for t in raw["Tags"]}
    assert tags == {
        "karpenter.sh/nodepool": "spark-memory-optimized",
        "karpenter.sh/nodeclaim": "claim-uid-1",
        "karpenter.k8s.aws/ec2nodeclass": "spark-nodes",
        "kubernetes.io/cluster/spark-on-eks": "owned",
        "eks:eks-cluster-name": "spark-on-eks",
        "sparkfleet.io/client-token": "uid-1",
        "sparkfleet.io/managed-by": "sparkfleet",
    }
    ec2 = world.session.client("ec2")
    templates = ec2.describe_launch_templates()["LaunchTemplates"]  # one per architecture's AMI
    assert all(t["LaunchTemplateName"].startswith("karpenter.k8s.aws/") for t in templates)
    versions = [
        ec2.describe_launch_template_versions(LaunchTemplateId=t["LaunchTemplateId"])[
            "LaunchTemplateVersions"
        ][0]
        for t in templates
    ]
    assert sorted(v["LaunchTemplateData"]["ImageId"] for v in versions) == sorted(IMAGES.values())
    [data] = [
        v["LaunchTemplateData"] for v in versions if v["LaunchTemplateData"]["ImageId"] == IMAGES["amd64"]
    ]
    assert data["SecurityGroupIds"] == [world.security_group]
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert data["MetadataOptions"]["HttpPutResponseHopLimit"] == 1
    assert data["BlockDeviceMappings"] == [
        {"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": True, "VolumeSize": 20, "VolumeType": "gp3"}}
    ]
    assert data["IamInstanceProfile"]["Name"].startswith("spark-on-eks_")
    text = base64.b64decode(data["UserData"]).decode()
    nodeconfig = yaml.safe_load(text.split("application/node.eks.aws\n\n", 1)[1].split("\n--//", 1)[0])
    assert nodeconfig["spec"]["instance"] == {"localStorage": {"strategy": "RAID0"}}
    assert raw["Placement"]["AvailabilityZone"] in world.subnets
    profile = world.session.client("iam").get_instance_profile(
        InstanceProfileName=data["IamInstanceProfile"]["Name"]
    )
    assert [r["RoleName"] for r in profile["InstanceProfile"]["Roles"]] == [ROLE]


def test_equal_node_classes_share_a_template_and_a_changed_one_gets_its_own(aws, world, session, clock):
    aws.launch(request("uid-1"))
    aws.launch(request("uid-2"))
    ec2 = world.session.client("ec2")
    assert len(ec2.describe_launch_templates()["LaunchTemplates"]) == len(IMAGES)
    changed = world.node_class(detailedMonitoring=True)
    AwsEC2(aws_settings(), load_catalog(), clock, OneNodeClass(changed), session=session).launch(
        request("uid-3")
    )
    assert len(ec2.describe_launch_templates()["LaunchTemplates"]) == 2 * len(IMAGES)


def test_a_restarted_adapter_finds_the_instance_launched_for_a_token(aws, world, clock):
    first = aws.launch(request()).unwrap()
    again = AwsEC2(
        aws_settings(), load_catalog(), clock, OneNodeClass(world.node_class()), session=fresh_session()
    )
    found = again.launch(request()).unwrap()
    assert found.instance_id == first.instance_id
    assert found.client_token == "uid-1" and found.node_claim_name == "claim-uid-1"
    assert len(world.instances()) == 1


def test_graviton_without_capacity_falls_back_to_r5d_in_the_same_launch(world, session, clock):
    unavailable = [UnavailableOffering(instanceFamily="r6gd")]
    CapacityInjector(session, Scenario(unavailableOfferings=unavailable), load_catalog())
    cloud = AwsEC2(aws_settings(), load_catalog(), clock, OneNodeClass(world.node_class()), session=session)
    result = cloud.launch(request(instance_types=("r6gd.4xlarge", "r5d.4xlarge"), zones=("us-east-1a",)))
    assert result.unwrap().instance_type == "r5d.4xlarge"
    assert [f.offering for f in result.errors] == [OfferingKey("r6gd.4xlarge", "us-east-1a", ON_DEMAND)]
    assert result.unwrap().image_id == IMAGES["amd64"]


def test_without_a_queue_state_changes_are_read_from_the_instances(world, session, clock):
    cloud = AwsEC2(
        aws_settings(interruptionQueue=None),
        load_catalog(),
        clock,
        OneNodeClass(world.node_class()),
        session=session,
    )
    instance = cloud.launch(request()).unwrap()
    assert [(e.state, e.previous_state) for e in cloud.poll_events()] == [
        (InstanceState.PENDING, None),
        (InstanceState.RUNNING, InstanceState.PENDING),  # moto's instances run at once
    ]
    world.session.client("ec2").terminate_instances(InstanceIds=[instance.instance_id])  # by someone else
    [ended] = cloud.poll_events()
    assert (ended.kind, ended.state, ended.reason) == (
        CloudEventKind.STATE_CHANGE,
        InstanceState.TERMINATED,
        "Client.UserInitiatedShutdown",
    )
    assert cloud.poll_events() == []


def test_orphans_are_terminated_after_the_grace_period_and_claimed_instances_never(aws, clock):
    orphan = aws.launch(request("uid-orphan")).unwrap()
    claimed = aws.launch(request("uid-claimed")).unwrap()
    assert aws.collect_orphans({"claim-uid-claimed"}) == []  # too young: its claim may not be written yet
    clock.advance(timedelta(minutes=11).total_seconds())  # moto stamps launches with the real clock
    [ended] = aws.collect_orphans({"claim-uid-claimed"})
    assert ended.instance_id == orphan.instance_id
    assert [i.instance_id for i in aws.list_instances()] == [claimed.instance_id]


def test_templates_of_node_classes_that_are_gone_are_deleted(aws, world):
    aws.launch(request())
    assert aws.collect_launch_templates(["spark-nodes"]) == []
    deleted = aws.collect_launch_templates([])
    assert len(deleted) == len(IMAGES)
    assert all(d.name.startswith("karpenter.k8s.aws/") and d.node_class == "spark-nodes" for d in deleted)
    assert world.session.client("ec2").describe_launch_templates()["LaunchTemplates"] == []


def test_the_node_class_status_lists_what_its_selectors_select(aws, world):
    resolved = aws.resolve_node_class(world.node_class())
    assert {(s.id, s.zone) for s in resolved.subnets} == {(s, z) for z, s in world.subnets.items()}
    assert [g.id for g in resolved.security_groups] == [world.security_group]
    assert {a.id for a in resolved.amis} == set(IMAGES.values())
    assert resolved.instance_profile and resolved.instance_profile.startswith("spark-on-eks_")
    assert resolved.problems == {}


def test_an_ami_selection_that_finds_nothing_is_ami_not_found_beside_the_resolved_parts(aws, world):
    resolved = aws.resolve_node_class(world.node_class(amiSelectorTerms=[{"tags": {"team": "nobody"}}]))
    [(kind, problem)] = resolved.problems.items()
    assert (kind, problem.reason) == ("AMIsReady", "AMINotFound")
    assert resolved.amis == () and resolved.subnets and resolved.security_groups


def test_no_credential_or_user_data_secret_reaches_the_logs_or_the_events(world, session, clock, caplog):
    secret = "s3cr3t-db-password"
    node_class = world.node_class(userData=f"#!/bin/bash\nexport DB_PASSWORD={secret}\n")
    CapacityInjector(
        session, Scenario(unavailableOfferings=[UnavailableOffering(instanceFamily="r6gd")]), load_catalog()
    )
    caplog.set_level(logging.INFO)
    cloud = AwsEC2(
        aws_settings(livePrices=True), load_catalog(), clock, OneNodeClass(node_class), session=session
    )
    cloud.launch(request(instance_types=("r6gd.4xlarge", "r5d.4xlarge")))
    cloud.offerings(cloud.region)  # the Pricing API is not served by moto: a logged fallback
    events = cloud.poll_events()
    assert any(e.kind is CloudEventKind.INSUFFICIENT_CAPACITY for e in events)
    assert caplog.records, "the fallback to catalog prices is logged"
    text = caplog.text + json.dumps([repr(e) for e in events])
    encoded = base64.b64encode(node_class.spec.userData.encode()).decode()  # type: ignore[union-attr]
    for forbidden in (secret, encoded, "testing"):  # "testing": the session's access and secret keys
        assert forbidden not in text
