"""EC2NodeClass (karpenter.k8s.aws/v1): defaults as the CRD sets them, AMI family and root volume."""

from sparkfleet.api.ec2nodeclass import (
    AMIFamily,
    EC2NodeClass,
    EndpointState,
    HttpTokens,
    validate_ec2nodeclass,
)

from .builders import class_doc, issues_of


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
