"""Karpenter's AWS node class (`karpenter.k8s.aws/v1` EC2NodeClass): how a node is launched on EC2.

Field rules are checked when the model is built (`nodeclass`); the CRD's cross-field rules are
`validate_ec2nodeclass` (`validation`).
"""

from __future__ import annotations

from sparkfleet.api.ec2nodeclass.nodeclass import (
    API_VERSION,
    DEFAULT_ROOT_DEVICE,
    DEFAULT_ROOT_VOLUME_SIZE,
    AMIFamily,
    AMISelectorTerm,
    AMIStatus,
    BlockDevice,
    BlockDeviceMapping,
    CapacityReservationSelectorTerm,
    ConnectionTracking,
    CPUOptions,
    EC2NodeClass,
    EC2NodeClassSpec,
    EC2NodeClassStatus,
    EndpointState,
    HttpTokens,
    InstanceStorePolicy,
    KubeletConfiguration,
    MetadataOptions,
    NetworkInterface,
    NetworkInterfaceType,
    PlacementGroupSelector,
    SecurityGroupSelectorTerm,
    SecurityGroupStatus,
    SubnetSelectorTerm,
    SubnetStatus,
    VolumeType,
)
from sparkfleet.api.ec2nodeclass.validation import EVICTION_SIGNALS, RESERVED_RESOURCES, validate_ec2nodeclass

__all__ = [
    "API_VERSION",
    "DEFAULT_ROOT_DEVICE",
    "DEFAULT_ROOT_VOLUME_SIZE",
    "EVICTION_SIGNALS",
    "RESERVED_RESOURCES",
    "AMIFamily",
    "AMISelectorTerm",
    "AMIStatus",
    "BlockDevice",
    "BlockDeviceMapping",
    "CPUOptions",
    "CapacityReservationSelectorTerm",
    "ConnectionTracking",
    "EC2NodeClass",
    "EC2NodeClassSpec",
    "EC2NodeClassStatus",
    "EndpointState",
    "HttpTokens",
    "InstanceStorePolicy",
    "KubeletConfiguration",
    "MetadataOptions",
    "NetworkInterface",
    "NetworkInterfaceType",
    "PlacementGroupSelector",
    "SecurityGroupSelectorTerm",
    "SecurityGroupStatus",
    "SubnetSelectorTerm",
    "SubnetStatus",
    "VolumeType",
    "validate_ec2nodeclass",
]
