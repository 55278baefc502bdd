"""The simulated account's node-class resolution: one subnet per zone, one node group, the aliases' AMIs."""

from __future__ import annotations

from sparkfleet.api.ec2nodeclass import EC2NodeClass, EC2NodeClassConditionType
from sparkfleet.cloud.sim.nodeclasses import SimulatedNodeClasses, security_group_id, subnet_id, zone_id

ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")


def node_class(**spec: object) -> EC2NodeClass:
    body: dict[str, object] = {
        "amiSelectorTerms": [{"alias": "al2023@latest"}],
        "role": "arn:aws:iam::123456789012:role/KarpenterNodeRole",
        "subnetSelectorTerms": [{"tags": {"karpenter.sh/discovery": "spark"}}],
        "securityGroupSelectorTerms": [{"tags": {"karpenter.sh/discovery": "spark"}}],
    }
    body.update(spec)
    return EC2NodeClass.model_validate({"metadata": {"name": "nc"}, "spec": body})


def resolve(**spec: object):
    return SimulatedNodeClasses("us-east-1", ZONES).resolve(node_class(**spec))


def test_zone_ids_follow_ec2s_naming():
    assert [zone_id("us-east-1", z) for z in ZONES] == ["use1-az1", "use1-az2", "use1-az3"]
    assert zone_id("eu-west-2", "eu-west-2b") == "euw2-az2"


def test_tags_select_every_subnet_and_an_id_selects_its_own():
    assert [s.zone for s in resolve().subnets] == list(ZONES)
    one = subnet_id("us-east-1", "us-east-1b")
    assert [s.id for s in resolve(subnetSelectorTerms=[{"id": one}]).subnets] == [one]


def test_the_node_group_is_selected_by_tags_id_or_name_and_nothing_else():
    group = security_group_id("us-east-1")
    for term in ({"id": group}, {"name": "sparkfleet-nodes"}):
        assert [g.id for g in resolve(securityGroupSelectorTerms=[term]).security_groups] == [group]
    missing = resolve(securityGroupSelectorTerms=[{"name": "other"}])
    assert missing.security_groups == ()
    assert (
        missing.problems[EC2NodeClassConditionType.SECURITY_GROUPS_READY].reason == "SecurityGroupsNotFound"
    )


def test_aliases_give_one_image_per_architecture_and_their_ids_select_them_again():
    images = resolve(amiSelectorTerms=[{"alias": "bottlerocket@v1.20.0"}]).amis
    assert [a.requirements[0].values for a in images] == [["amd64"], ["arm64"]]
    latest = resolve().amis
    by_id = resolve(amiSelectorTerms=[{"id": latest[1].id}]).amis
    assert by_id == (latest[1],)
    windows = resolve(amiSelectorTerms=[{"alias": "windows2022@latest"}]).amis
    assert [a.requirements[0].values for a in windows] == [["amd64"]]


def test_images_by_tags_are_not_published_so_they_select_nothing():
    resolved = resolve(amiSelectorTerms=[{"tags": {"team": "spark"}}])
    assert resolved.amis == ()
    assert resolved.problems[EC2NodeClassConditionType.AMIS_READY].reason == "AMINotFound"


def test_the_instance_profile_is_the_named_one_or_the_roles_name():
    assert resolve().instance_profile == "KarpenterNodeRole"
    assert resolve(role=None, instanceProfile="spark-nodes").instance_profile == "spark-nodes"
