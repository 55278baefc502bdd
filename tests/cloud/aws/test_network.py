"""Subnets and security groups from selector terms: one subnet per zone, the one with the most free IPs."""

from __future__ import annotations

import pytest

from sparkfleet.api.ec2nodeclass import SecurityGroupSelectorTerm, SubnetSelectorTerm
from sparkfleet.cloud import CloudError
from sparkfleet.cloud.aws.clients import AwsClients
from sparkfleet.cloud.aws.network import NetworkResolver


@pytest.fixture
def network(session, clock, world) -> NetworkResolver:
    return NetworkResolver(AwsClients(session, "us-east-1", clock))


def test_tagged_subnets_give_one_per_zone(network, world):
    found = network.subnets(
        [SubnetSelectorTerm(tags={"karpenter.sh/discovery": "spark-on-eks"})], "spark-nodes"
    )
    assert {zone: s.id for zone, s in found.items()} == world.subnets


def test_the_subnet_with_the_most_free_addresses_serves_its_zone(network, world):
    ec2 = world.session.client("ec2")
    vpc = ec2.describe_subnets(SubnetIds=[world.subnets["us-east-1a"]])["Subnets"][0]["VpcId"]
    bigger = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.128.0/17", AvailabilityZone="us-east-1a")["Subnet"]
    ec2.create_tags(
        Resources=[bigger["SubnetId"]], Tags=[{"Key": "karpenter.sh/discovery", "Value": "spark-on-eks"}]
    )
    found = network.subnets(
        [SubnetSelectorTerm(tags={"karpenter.sh/discovery": "spark-on-eks"})], "spark-nodes"
    )
    assert found["us-east-1a"].id == bigger["SubnetId"]


def test_terms_are_ored_and_ids_select_directly(network, world):
    terms = [
        SubnetSelectorTerm(id=world.subnets["us-east-1a"]),
        SubnetSelectorTerm(id=world.subnets["us-east-1b"]),
    ]
    assert set(network.subnets(terms, "spark-nodes")) == {"us-east-1a", "us-east-1b"}


def test_security_groups_by_tag_name_or_id(network, world):
    by_tag = network.security_groups(
        [SecurityGroupSelectorTerm(tags={"karpenter.sh/discovery": "spark-on-eks"})], "x"
    )
    by_name = network.security_groups([SecurityGroupSelectorTerm(name="spark-nodes")], "x")
    by_id = network.security_groups([SecurityGroupSelectorTerm(id=world.security_group)], "x")
    assert (
        [g.id for g in by_tag] == [g.id for g in by_name] == [g.id for g in by_id] == [world.security_group]
    )


def test_selectors_that_select_nothing_name_the_node_class_and_the_field(network):
    with pytest.raises(
        CloudError, match=r"EC2NodeClass spark-nodes: spec\.subnetSelectorTerms select no subnet"
    ):
        network.subnets([SubnetSelectorTerm(tags={"karpenter.sh/discovery": "other"})], "spark-nodes")
    with pytest.raises(CloudError, match=r"spec\.securityGroupSelectorTerms select no security group"):
        network.security_groups([SecurityGroupSelectorTerm(name="none")], "spark-nodes")
