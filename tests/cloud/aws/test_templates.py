"""Launch template content from a node class, named by its hash."""

from __future__ import annotations

from sparkfleet.api.ec2nodeclass import EC2NodeClassSpec
from sparkfleet.cloud.aws.amis import Image
from sparkfleet.cloud.aws.templates import block_device_mappings, launch_template_data, template_name

IMAGE = Image("ami-0a1b2c3d4e5f60001", "al2023", "amd64", "2025-11-20")


def spec(**fields: object) -> EC2NodeClassSpec:
    body: dict[str, object] = {
        "amiSelectorTerms": [{"alias": "al2023@latest"}],
        "subnetSelectorTerms": [{"id": "subnet-0a"}],
        "securityGroupSelectorTerms": [{"id": "sg-0a"}],
        "role": "R",
    }
    body.update(fields)
    return EC2NodeClassSpec.model_validate(body)


def test_block_devices_are_the_node_classes_in_gib_or_the_familys_defaults():
    mapped = spec(
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
                },
            }
        ]
    )
    assert block_device_mappings(mapped) == [
        {
            "DeviceName": "/dev/xvda",
            "Ebs": {
                "Encrypted": True,
                "Iops": 3000,
                "Throughput": 125,
                "VolumeSize": 100,
                "VolumeType": "gp3",
            },
        }
    ]
    assert [m["Ebs"]["VolumeSize"] for m in block_device_mappings(spec())] == [20]
    bottlerocket = spec(amiSelectorTerms=[{"alias": "bottlerocket@latest"}])
    assert [(m["DeviceName"], m["Ebs"]["VolumeSize"]) for m in block_device_mappings(bottlerocket)] == [
        ("/dev/xvda", 4),
        ("/dev/xvdb", 20),
    ]


def test_metadata_monitoring_and_public_addresses_follow_the_node_class():
    data = launch_template_data(
        spec(
            detailedMonitoring=True,
            associatePublicIPAddress=False,
            metadataOptions={"httpPutResponseHopLimit": 2, "httpTokens": "optional"},
        ),
        IMAGE,
        "#!/bin/bash\n",
        ["sg-0a"],
        "profile",
    )
    assert data["Monitoring"] == {"Enabled": True}
    assert data["MetadataOptions"] == {
        "HttpEndpoint": "enabled",
        "HttpProtocolIpv6": "disabled",
        "HttpPutResponseHopLimit": 2,
        "HttpTokens": "optional",
    }
    assert data["NetworkInterfaces"] == [
        {"DeviceIndex": 0, "AssociatePublicIpAddress": False, "Groups": ["sg-0a"]}
    ]
    assert "SecurityGroupIds" not in data


def test_the_name_is_a_hash_of_the_content():
    one = launch_template_data(spec(), IMAGE, "a", ["sg-0a"], "p")
    assert template_name(one) == template_name(launch_template_data(spec(), IMAGE, "a", ["sg-0a"], "p"))
    assert template_name(one) != template_name(launch_template_data(spec(), IMAGE, "b", ["sg-0a"], "p"))
    assert template_name(one).startswith("karpenter.k8s.aws/") and len(template_name(one)) <= 128
