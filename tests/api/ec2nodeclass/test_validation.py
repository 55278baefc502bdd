"""EC2NodeClass: every invalid field named, with the CRD's cross-field rules."""

from typing import Any

import pytest

from .builders import assert_issue, class_doc, issues_of


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
