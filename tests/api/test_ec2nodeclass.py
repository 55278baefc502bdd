"""EC2NodeClass (karpenter.k8s.aws/v1): defaults as the CRD sets them, every invalid field named."""

from typing import Any

import pytest
from pydantic import ValidationError

from sparkfleet.api.base import FieldIssue, issues_from
from sparkfleet.api.ec2nodeclass import (
    AMIFamily,
    EC2NodeClass,
    EndpointState,
    HttpTokens,
    validate_ec2nodeclass,
)


def class_doc(**spec: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": "karpenter.k8s.aws/v1",
        "kind": "EC2NodeClass",
        "metadata": {"name": "spark"},
        "spec": {
            "role": "KarpenterNodeRole-spark",
            "amiSelectorTerms": [{"alias": "al2023@latest"}],
            "subnetSelectorTerms": [{"tags": {"karpenter.sh/discovery": "spark"}}],
            "securityGroupSelectorTerms": [{"tags": {"karpenter.sh/discovery": "spark"}}],
        },
    }
    doc["spec"].update(spec)
    return doc


def issues_of(doc: dict[str, Any]) -> list[FieldIssue]:
    try:
        node_class = EC2NodeClass.model_validate(doc)
    except ValidationError as exc:
        return issues_from(exc, EC2NodeClass)
    return validate_ec2nodeclass(node_class)


def assert_issue(issues: list[FieldIssue], path: str, fragment: str) -> None:
    assert any(i.path == path and fragment in i.message for i in issues), issues


def test_a_minimal_nodeclass_gets_the_crd_defaults() -> None:
    node_class = EC2NodeClass.model_validate(class_doc())
    spec = node_class.spec
    assert spec.metadataOptions.httpEndpoint == EndpointState.ENABLED
    assert spec.metadataOptions.httpProtocolIPv6 == EndpointState.DISABLED
    assert spec.metadataOptions.httpPutResponseHopLimit == 1
    assert spec.metadataOptions.httpTokens == HttpTokens.REQUIRED
    assert spec.instanceStorePolicy is None
    assert spec.blockDeviceMappings == []
    assert validate_ec2nodeclass(node_class) == []


def test_the_ami_family_comes_from_the_alias_when_not_set() -> None:
    assert EC2NodeClass.model_validate(class_doc()).spec.resolved_ami_family() == AMIFamily.AL2023
    bottlerocket = class_doc(amiSelectorTerms=[{"alias": "bottlerocket@v1.20.0"}])
    assert EC2NodeClass.model_validate(bottlerocket).spec.resolved_ami_family() == AMIFamily.BOTTLEROCKET
    custom = class_doc(amiFamily="Custom", amiSelectorTerms=[{"id": "ami-0123456789abcdef0"}])
    assert EC2NodeClass.model_validate(custom).spec.resolved_ami_family() == AMIFamily.CUSTOM


def test_the_root_volume_is_the_marked_mapping_or_the_root_device_or_the_default() -> None:
    assert EC2NodeClass.model_validate(class_doc()).spec.root_volume_bytes() == 20 * 2**30
    xvda = {"deviceName": "/dev/xvda", "ebs": {"volumeSize": "100Gi", "volumeType": "gp3"}}
    spec = EC2NodeClass.model_validate(class_doc(blockDeviceMappings=[xvda])).spec
    assert spec.root_volume_bytes() == 100 * 2**30
    marked = {"deviceName": "/dev/xvdb", "rootVolume": True, "ebs": {"volumeSize": "1T"}}
    spec = EC2NodeClass.model_validate(class_doc(blockDeviceMappings=[xvda, marked])).spec
    assert spec.root_volume_bytes() == 10**12


def test_a_full_nodeclass_with_kubelet_and_volumes_is_valid() -> None:
    doc = class_doc(
        tags={"team": "spark"},
        instanceStorePolicy="RAID0",
        detailedMonitoring=True,
        associatePublicIPAddress=False,
        metadataOptions={"httpPutResponseHopLimit": 2},
        blockDeviceMappings=[
            {
                "deviceName": "/dev/xvda",
                "rootVolume": True,
                "ebs": {
                    "volumeSize": "100Gi",
                    "volumeType": "gp3",
                    "iops": 3000,
                    "throughput": 125,
                    "encrypted": True,
                    "deleteOnTermination": True,
                    "kmsKeyID": "alias/ebs",
                },
            },
            {"deviceName": "/dev/xvdb", "ebs": {"snapshotID": "snap-0123", "volumeInitializationRate": 200}},
        ],
        kubelet={
            "maxPods": 110,
            "podsPerCore": 10,
            "systemReserved": {"cpu": "100m", "memory": "100Mi", "ephemeral-storage": "1Gi"},
            "kubeReserved": {"cpu": "200m", "memory": "1Gi"},
            "evictionHard": {"memory.available": "5%", "nodefs.available": "10%"},
            "evictionSoft": {"memory.available": "500Mi"},
            "evictionSoftGracePeriod": {"memory.available": "1m30s"},
            "evictionMaxPodGracePeriod": 60,
            "imageGCHighThresholdPercent": 85,
            "imageGCLowThresholdPercent": 80,
            "cpuCFSQuota": True,
            "clusterDNS": ["10.100.0.10"],
        },
    )
    assert issues_of(doc) == []
    assert EC2NodeClass.model_validate(doc).spec.metadataOptions.httpTokens == HttpTokens.REQUIRED


@pytest.mark.parametrize(
    ("doc", "path", "fragment"),
    [
        (class_doc(instanceProfile="spark"), "spec.role", "exactly one of ['role', 'instanceProfile']"),
        (class_doc(role=None), "spec.role", "exactly one of"),
        (
            class_doc(amiSelectorTerms=[{"alias": "al2023"}]),
            "spec.amiSelectorTerms[0].alias",
            "improperly formatted",
        ),
        (
            class_doc(amiSelectorTerms=[{"alias": "ubuntu@latest"}]),
            "spec.amiSelectorTerms[0].alias",
            "not supported",
        ),
        (
            class_doc(amiSelectorTerms=[{"alias": "windows2022@v1"}]),
            "spec.amiSelectorTerms[0].alias",
            "only specify version 'latest'",
        ),
        (
            class_doc(amiSelectorTerms=[{"alias": "al2023@latest"}, {"id": "ami-0abc"}]),
            "spec.amiSelectorTerms[0].alias",
            "must be the only amiSelectorTerm",
        ),
        (
            class_doc(amiSelectorTerms=[{"alias": "al2023@latest", "owner": "amazon"}]),
            "spec.amiSelectorTerms[0].alias",
            "mutually exclusive",
        ),
        (class_doc(amiFamily="AL2"), "spec.amiFamily", "must be 'AL2023' or 'Custom'"),
        (
            class_doc(amiSelectorTerms=[{"tags": {"team": "spark"}}]),
            "spec.amiFamily",
            "must specify amiFamily if amiSelectorTerms does not contain an alias",
        ),
        (class_doc(amiSelectorTerms=[{}]), "spec.amiSelectorTerms[0]", "expected at least one"),
        (class_doc(amiSelectorTerms=[]), "spec.amiSelectorTerms", "at least one term"),
        (class_doc(amiFamily="Ubuntu"), "spec.amiFamily", "'AL2', 'AL2023', 'Bottlerocket'"),
        (class_doc(instanceStorePolicy="RAID1"), "spec.instanceStorePolicy", "'RAID0'"),
        (class_doc(subnetSelectorTerms=[]), "spec.subnetSelectorTerms", "cannot be empty"),
        (
            class_doc(subnetSelectorTerms=[{"id": "subnet-0abc", "tags": {"a": "b"}}]),
            "spec.subnetSelectorTerms[0].id",
            "mutually exclusive",
        ),
        (
            class_doc(subnetSelectorTerms=[{"id": "sn-1"}]),
            "spec.subnetSelectorTerms[0].id",
            "not a subnet id",
        ),
        (
            class_doc(securityGroupSelectorTerms=[{"tags": {"Name": ""}}]),
            "spec.securityGroupSelectorTerms[0].tags",
            "empty tag keys or values",
        ),
        (
            class_doc(securityGroupSelectorTerms=[{"name": "nodes", "tags": {"a": "b"}}]),
            "spec.securityGroupSelectorTerms[0].name",
            "mutually exclusive",
        ),
        (
            class_doc(tags={"kubernetes.io/cluster/spark": "owned"}),
            "spec.tags.kubernetes.io/cluster/spark",
            "restricted tag",
        ),
        (class_doc(tags={"karpenter.sh/nodepool": "x"}), "spec.tags.karpenter.sh/nodepool", "restricted tag"),
        (
            class_doc(metadataOptions={"httpPutResponseHopLimit": 0}),
            "spec.metadataOptions.httpPutResponseHopLimit",
            "greater than or equal to 1",
        ),
        (
            class_doc(metadataOptions={"httpTokens": "sometimes"}),
            "spec.metadataOptions.httpTokens",
            "'required' or 'optional'",
        ),
        (class_doc(userdata="#!/bin/bash"), "spec.userdata", 'did you mean "userData"'),
    ],
)
def test_invalid_nodeclasses_are_reported_where_they_are(
    doc: dict[str, Any], path: str, fragment: str
) -> None:
    assert_issue(issues_of(doc), path, fragment)


@pytest.mark.parametrize(
    ("ebs", "path", "fragment"),
    [
        ({"volumeSize": "100Mi"}, "volumeSize", "whole number of Gi, G, Ti or T"),
        ({"volumeSize": 100}, "volumeSize", "whole number of Gi, G, Ti or T"),
        ({"volumeSize": "70T"}, "volumeSize", "larger than an EBS volume"),
        ({"volumeSize": "100Gi", "volumeType": "gp4"}, "volumeType", "'gp3'"),
        ({"volumeSize": "100Gi", "volumeType": "gp2", "iops": 3000}, "iops", "io1, io2 and gp3"),
        ({"volumeSize": "100Gi", "volumeType": "io2", "throughput": 500}, "throughput", "gp3 volumes only"),
        ({"volumeSize": "100Gi", "volumeType": "gp3", "throughput": 100}, "throughput", "at least 125"),
        (
            {"volumeSize": "100Gi", "volumeInitializationRate": 200},
            "volumeInitializationRate",
            "snapshotID must be set",
        ),
        ({"encrypted": True}, "", "snapshotID or volumeSize must be defined"),
        ({"volumeSize": "abc"}, "volumeSize", "invalid quantity"),
    ],
)
def test_invalid_ebs_volumes_are_reported_where_they_are(
    ebs: dict[str, Any], path: str, fragment: str
) -> None:
    doc = class_doc(blockDeviceMappings=[{"deviceName": "/dev/xvda", "ebs": ebs}])
    where = "spec.blockDeviceMappings[0].ebs" + (f".{path}" if path else "")
    assert_issue(issues_of(doc), where, fragment)


def test_only_one_block_device_may_be_the_root_volume() -> None:
    mapping = {"rootVolume": True, "ebs": {"volumeSize": "20Gi"}}
    issues = issues_of(class_doc(blockDeviceMappings=[dict(mapping, deviceName="/dev/xvda"), mapping]))
    assert_issue(issues, "spec.blockDeviceMappings", "only one blockDeviceMappings with rootVolume")


@pytest.mark.parametrize(
    ("kubelet", "path", "fragment"),
    [
        (
            {"evictionSoft": {"memory.available": "1Gi"}},
            "evictionSoft.memory.available",
            "matching evictionSoftGracePeriod",
        ),
        (
            {"evictionSoftGracePeriod": {"memory.available": "1m"}},
            "evictionSoftGracePeriod.memory.available",
            "matching evictionSoft",
        ),
        (
            {"imageGCHighThresholdPercent": 50, "imageGCLowThresholdPercent": 50},
            "imageGCHighThresholdPercent",
            "greater than",
        ),
        ({"imageGCHighThresholdPercent": 101}, "imageGCHighThresholdPercent", "less than or equal to 100"),
        ({"systemReserved": {"gpu": "1"}}, "systemReserved.gpu", "valid keys for systemReserved"),
        ({"kubeReserved": {"memory": "-1Gi"}}, "kubeReserved.memory", "non-negative quantity"),
        (
            {"evictionHard": {"disk.available": "10%"}},
            "evictionHard.disk.available",
            "valid keys for evictionHard",
        ),
        ({"evictionHard": {"memory.available": "110%"}}, "evictionHard.memory.available", "percentage"),
        (
            {"evictionSoftGracePeriod": {"memory.available": "a minute"}},
            "evictionSoftGracePeriod.memory.available",
            "invalid duration",
        ),
        ({"maxPods": -1}, "maxPods", "greater than or equal to 0"),
        ({"clusterDNS": ["dns.local"]}, "clusterDNS[0]", "not an IP address"),
    ],
)
def test_invalid_kubelet_settings_are_reported_where_they_are(
    kubelet: dict[str, Any], path: str, fragment: str
) -> None:
    assert_issue(issues_of(class_doc(kubelet=kubelet)), f"spec.kubelet.{path}", fragment)


def test_an_instance_profile_may_replace_the_role() -> None:
    doc = class_doc(instanceProfile="KarpenterNodeInstanceProfile")
    del doc["spec"]["role"]
    assert issues_of(doc) == []
