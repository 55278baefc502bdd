"""EC2 instance types and offerings as plain facts, for the engines (which must not import the cloud layer).

An `InstanceType` is what DescribeInstanceTypes says about a type plus its on-demand list price; an
`Offering` is one (type, zone, capacity type) a fleet can launch, with its current price and whether
capacity is there. Loading the catalog from data is the cloud layer's job (`sparkfleet.cloud.catalog`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sparkfleet.api.wire import (
    LABEL_ARCH,
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_CATEGORY,
    LABEL_INSTANCE_CPU,
    LABEL_INSTANCE_FAMILY,
    LABEL_INSTANCE_GENERATION,
    LABEL_INSTANCE_LOCAL_NVME,
    LABEL_INSTANCE_MEMORY,
    LABEL_INSTANCE_SIZE,
    LABEL_INSTANCE_TYPE,
    LABEL_OS,
    LABEL_ZONE,
    CapacityType,
)

MIB = 1024 * 1024


@dataclass(frozen=True)
class InstanceType:
    """One EC2 instance type. Memory in MiB, instance store in decimal GB (AWS's unit), price in USD/hour."""

    name: str
    family: str
    category: str
    generation: int
    size: str
    vcpu: int
    memoryMib: int
    arch: str
    localNvmeGb: int
    localNvmeDisks: int
    maxEnis: int
    ipv4PerEni: int
    onDemandPrice: float

    @property
    def maxPods(self) -> int:
        """The ENI-limited pod density Karpenter and the EKS AMI use: ENIs x (IPv4 per ENI - 1) + 2."""
        return self.maxEnis * (self.ipv4PerEni - 1) + 2

    @property
    def cpuMillis(self) -> int:
        return self.vcpu * 1000

    @property
    def memoryBytes(self) -> int:
        return self.memoryMib * MIB

    @property
    def localNvmeBytes(self) -> int:
        return self.localNvmeGb * 1000**3

    @property
    def labels(self) -> dict[str, str]:
        """The well-known labels Karpenter puts on a node of this type (zone and capacity type excluded).

        `instance-local-nvme` is only present when the type has an instance store, as in Karpenter, so
        `DoesNotExist` selects types without one; its value is AWS's TotalSizeInGB, unconverted.
        """
        labels = {
            LABEL_ARCH: self.arch,
            LABEL_OS: "linux",
            LABEL_INSTANCE_TYPE: self.name,
            LABEL_INSTANCE_CATEGORY: self.category,
            LABEL_INSTANCE_FAMILY: self.family,
            LABEL_INSTANCE_GENERATION: str(self.generation),
            LABEL_INSTANCE_SIZE: self.size,
            LABEL_INSTANCE_CPU: str(self.vcpu),
            LABEL_INSTANCE_MEMORY: str(self.memoryMib),
        }
        if self.localNvmeGb > 0:
            labels[LABEL_INSTANCE_LOCAL_NVME] = str(self.localNvmeGb)
        return labels


@dataclass(frozen=True)
class OfferingKey:
    """What identifies an offering: the key of an unavailable-offerings cache."""

    instanceType: str
    zone: str
    capacityType: CapacityType


@dataclass(frozen=True)
class Offering:
    """One launchable (type, zone, capacity type) with its current price (USD/hour) and availability."""

    instanceType: str
    zone: str
    capacityType: CapacityType
    price: float
    available: bool

    @property
    def key(self) -> OfferingKey:
        return OfferingKey(self.instanceType, self.zone, self.capacityType)

    @property
    def labels(self) -> dict[str, str]:
        """The labels a node launched from this offering gets on top of its type's labels."""
        return {LABEL_ZONE: self.zone, LABEL_CAPACITY_TYPE: str(self.capacityType)}
