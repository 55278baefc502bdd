"""Launch templates from EC2NodeClasses, named by the hash of their content and made once.

A template holds what is the same for every instance of one node class on one AMI: the image, user data,
security groups, instance profile, block devices, metadata options and monitoring. Its name is
`karpenter.k8s.aws/<hash of that content>` (Karpenter's scheme), so equal content shares one template, a
changed node class or a new AMI makes a new one, and a restarted controller finds the templates it made.
Templates are tagged with the cluster and the node class; `collect` deletes the ones no longer used.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from sparkfleet.api.ec2nodeclass import AMIFamily, BlockDeviceMapping, EC2NodeClassSpec
from sparkfleet.api.quantity import memory_bytes
from sparkfleet.api.wire import LABEL_NODECLASS, TAG_CLUSTER_PREFIX, TAG_LAUNCH_TEMPLATE_CLUSTER
from sparkfleet.cloud.aws.amis import Image
from sparkfleet.cloud.aws.clients import AwsApiError, AwsClients

TEMPLATE_PREFIX = "karpenter.k8s.aws/"
GIB = 2**30


def _gib(size: str | int | float) -> int:
    return max(1, math.ceil(memory_bytes(size) / GIB))


def _ebs(mapping: BlockDeviceMapping) -> dict[str, Any]:
    ebs = mapping.ebs
    out: dict[str, Any] = {"DeviceName": mapping.deviceName or "/dev/xvda"}
    if ebs is None:
        return out
    fields: dict[str, Any] = {
        "DeleteOnTermination": ebs.deleteOnTermination,
        "Encrypted": ebs.encrypted,
        "Iops": ebs.iops,
        "KmsKeyId": ebs.kmsKeyID,
        "SnapshotId": ebs.snapshotID,
        "Throughput": ebs.throughput,
        "VolumeSize": _gib(ebs.volumeSize) if ebs.volumeSize is not None else None,
        "VolumeType": str(ebs.volumeType) if ebs.volumeType is not None else None,
    }
    out["Ebs"] = {k: v for k, v in fields.items() if v is not None}
    return out


def block_device_mappings(spec: EC2NodeClassSpec) -> list[dict[str, Any]]:
    """The node class's mappings, or its AMI family's defaults (Karpenter's: 20 GiB encrypted gp3 root;
    Bottlerocket's 4 GiB OS volume and 20 GiB data volume)."""
    if spec.blockDeviceMappings:
        return [_ebs(m) for m in spec.blockDeviceMappings]
    volume = {"Encrypted": True, "VolumeType": "gp3"}
    if spec.resolved_ami_family() is AMIFamily.BOTTLEROCKET:
        return [
            {"DeviceName": "/dev/xvda", "Ebs": {**volume, "VolumeSize": 4}},
            {"DeviceName": "/dev/xvdb", "Ebs": {**volume, "VolumeSize": 20}},
        ]
    return [{"DeviceName": "/dev/xvda", "Ebs": {**volume, "VolumeSize": 20}}]


def launch_template_data(
    spec: EC2NodeClassSpec,
    image: Image,
    user_data: str,
    security_groups: Sequence[str],
    instance_profile: str,
) -> dict[str, Any]:
    """EC2's LaunchTemplateData for one node class on one image."""
    metadata = spec.metadataOptions
    data: dict[str, Any] = {
        "ImageId": image.id,
        "UserData": base64.b64encode(user_data.encode("utf-8")).decode("ascii"),
        "SecurityGroupIds": list(security_groups),
        "IamInstanceProfile": {"Name": instance_profile},
        "BlockDeviceMappings": block_device_mappings(spec),
        "MetadataOptions": {
            "HttpEndpoint": str(metadata.httpEndpoint),
            "HttpProtocolIpv6": str(metadata.httpProtocolIPv6),
            "HttpPutResponseHopLimit": metadata.httpPutResponseHopLimit,
            "HttpTokens": str(metadata.httpTokens),
        },
        "Monitoring": {"Enabled": bool(spec.detailedMonitoring)},
    }
    if spec.associatePublicIPAddress is not None:
        data["NetworkInterfaces"] = [
            {
                "DeviceIndex": 0,
                "AssociatePublicIpAddress": spec.associatePublicIPAddress,
                "Groups": list(security_groups),
            }
        ]
        del data["SecurityGroupIds"]
    return data


def template_name(data: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()
    return f"{TEMPLATE_PREFIX}{digest[:32]}"


class LaunchTemplates:
    """The cluster's launch templates: made on first use, remembered by name, deleted when unused."""

    def __init__(self, clients: AwsClients, cluster: str) -> None:
        self._clients = clients
        self._cluster = cluster
        self._known: dict[str, str] = {}  # name -> node class, every template this process used
        self._current: dict[str, set[str]] = {}  # node class -> the names its present content gives
        self._lock = threading.Lock()

    def ensure(self, node_class: str, data: dict[str, Any]) -> str:
        """The name of the template with `data`, made if it does not exist yet."""
        name = template_name(data)
        with self._lock:
            self._current.setdefault(node_class, set()).add(name)
            if name in self._known:
                return name
        if not self._exists(name):
            tags = [
                {"Key": TAG_LAUNCH_TEMPLATE_CLUSTER, "Value": self._cluster},
                {"Key": LABEL_NODECLASS, "Value": node_class},
                {"Key": f"{TAG_CLUSTER_PREFIX}{self._cluster}", "Value": "owned"},
            ]
            try:
                self._clients.call(
                    "ec2",
                    "CreateLaunchTemplate",
                    LaunchTemplateName=name,
                    LaunchTemplateData=data,
                    TagSpecifications=[{"ResourceType": "launch-template", "Tags": tags}],
                )
            except AwsApiError as exc:
                if exc.code != "InvalidLaunchTemplateName.AlreadyExistsException":
                    raise  # another controller made it between our look and our create: fine
        with self._lock:
            self._known[name] = node_class
        return name

    def forget(self, node_class: str) -> None:
        """Drop what was remembered as the node class's present templates (its spec or AMI changed)."""
        with self._lock:
            self._current.pop(node_class, None)

    def _exists(self, name: str) -> bool:
        try:
            self._clients.call("ec2", "DescribeLaunchTemplates", LaunchTemplateNames=[name])
        except AwsApiError as exc:
            if exc.code.startswith("InvalidLaunchTemplateName.NotFound"):
                return False
            raise
        return True

    def collect(self, node_classes: Iterable[str]) -> list[tuple[str, str]]:
        """Delete the cluster's templates of node classes not in `node_classes`, and of present node
        classes those this process saw superseded (content no longer produced); returns them as
        (template name, node class), by name."""
        alive = set(node_classes)
        response = self._clients.call(
            "ec2",
            "DescribeLaunchTemplates",
            Filters=[{"Name": f"tag:{TAG_LAUNCH_TEMPLATE_CLUSTER}", "Values": [self._cluster]}],
        )
        deleted: list[tuple[str, str]] = []
        for raw in response.get("LaunchTemplates", []):
            name = str(raw["LaunchTemplateName"])
            tags = {t["Key"]: t["Value"] for t in raw.get("Tags", [])}
            owner = tags.get(LABEL_NODECLASS, "")
            with self._lock:
                current = self._current.get(owner)
                superseded = owner in alive and current is not None and name not in current
            if owner not in alive or superseded:
                self._clients.call("ec2", "DeleteLaunchTemplate", LaunchTemplateName=name)
                with self._lock:
                    self._known.pop(name, None)
                deleted.append((name, owner))
        return sorted(deleted)
