"""The EC2NodeClass resource (`karpenter.k8s.aws/v1`): its spec and status, with the CRD's field rules.

Which subnets, security groups and AMI; the node's IAM role; user data; the root and extra EBS volumes;
`instanceStorePolicy: RAID0` (every NVMe instance-store disk in one array that holds the kubelet and
containerd state, so node ephemeral storage is the instance store); kubelet settings.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, Field

from sparkfleet.api.base import Model
from sparkfleet.api.durations import DurationError, parse_go_duration
from sparkfleet.api.meta import Condition, ObjectMeta, Quantity
from sparkfleet.api.placement import NodeSelectorRequirement
from sparkfleet.api.quantity import memory_bytes

API_VERSION: Final = "karpenter.k8s.aws/v1"
DEFAULT_ROOT_DEVICE = "/dev/xvda"
# The root volume Karpenter gives AL2 and AL2023 nodes when no blockDeviceMappings are set.
DEFAULT_ROOT_VOLUME_SIZE = "20Gi"


class AMIFamily(StrEnum):
    AL2 = "AL2"
    AL2023 = "AL2023"
    BOTTLEROCKET = "Bottlerocket"
    CUSTOM = "Custom"
    WINDOWS2019 = "Windows2019"
    WINDOWS2022 = "Windows2022"
    WINDOWS2025 = "Windows2025"


class InstanceStorePolicy(StrEnum):
    RAID0 = "RAID0"


class VolumeType(StrEnum):
    STANDARD = "standard"
    IO1 = "io1"
    IO2 = "io2"
    GP2 = "gp2"
    GP3 = "gp3"
    SC1 = "sc1"
    ST1 = "st1"


class EndpointState(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"


class HttpTokens(StrEnum):
    REQUIRED = "required"
    OPTIONAL = "optional"


class SubnetSelectorTerm(Model):
    tags: dict[str, str] | None = None
    id: str | None = None


class SecurityGroupSelectorTerm(Model):
    tags: dict[str, str] | None = None
    id: str | None = None
    name: str | None = None


class CapacityReservationSelectorTerm(Model):
    tags: dict[str, str] | None = None
    id: str | None = None
    ownerID: str | None = None
    instanceMatchCriteria: Literal["open", "targeted"] | None = None


class AMISelectorTerm(Model):
    """One way to pick AMIs; `alias` (`al2023@latest`) picks the EKS-optimized AMI of a family."""

    alias: str | None = Field(default=None, max_length=30)
    tags: dict[str, str] | None = None
    id: str | None = None
    name: str | None = None
    owner: str | None = None
    ssmParameter: str | None = None


def _go_duration(value: str) -> str:
    try:
        parse_go_duration(value)
    except DurationError as exc:
        raise ValueError(str(exc)) from None
    return value


class KubeletConfiguration(Model):
    clusterDNS: list[str] = Field(default_factory=list)
    maxPods: int | None = Field(default=None, ge=0)
    podsPerCore: int | None = Field(default=None, ge=0)
    systemReserved: dict[str, str] = Field(default_factory=dict)
    kubeReserved: dict[str, str] = Field(default_factory=dict)
    evictionHard: dict[str, str] = Field(default_factory=dict)
    evictionSoft: dict[str, str] = Field(default_factory=dict)
    evictionSoftGracePeriod: dict[str, Annotated[str, AfterValidator(_go_duration)]] = Field(
        default_factory=dict
    )
    evictionMaxPodGracePeriod: int | None = None
    imageGCHighThresholdPercent: int | None = Field(default=None, ge=0, le=100)
    imageGCLowThresholdPercent: int | None = Field(default=None, ge=0, le=100)
    cpuCFSQuota: bool | None = None


class MetadataOptions(Model):
    """Instance metadata service access; the defaults are the CRD's (IMDSv2 only, one hop)."""

    httpEndpoint: EndpointState = EndpointState.ENABLED
    httpProtocolIPv6: EndpointState = EndpointState.DISABLED
    httpPutResponseHopLimit: int = Field(default=1, ge=1, le=64)
    httpTokens: HttpTokens = HttpTokens.REQUIRED


class BlockDevice(Model):
    deleteOnTermination: bool | None = None
    encrypted: bool | None = None
    iops: int | None = Field(default=None, ge=0)
    kmsKeyID: str | None = None
    snapshotID: str | None = None
    throughput: int | None = Field(default=None, ge=0)
    volumeInitializationRate: int | None = Field(default=None, ge=100, le=300)
    volumeSize: Quantity | None = None
    volumeType: VolumeType | None = None


class BlockDeviceMapping(Model):
    deviceName: str | None = None
    ebs: BlockDevice | None = None
    rootVolume: bool = False


class PlacementGroupSelector(Model):
    """The EC2 placement group the nodes launch into, by name or by id (one of the two)."""

    name: str | None = Field(default=None, min_length=1)
    id: str | None = Field(default=None, pattern=r"^pg-[0-9a-z]+$")


class NetworkInterfaceType(StrEnum):
    INTERFACE = "interface"
    EFA_ONLY = "efa-only"


class NetworkInterface(Model):
    """One network interface of the launch template (EFA-only ones for high-bandwidth instances)."""

    networkCardIndex: int = Field(ge=0, le=2**31 - 1)
    deviceIndex: int = Field(ge=0, le=2**31 - 1)
    interfaceType: NetworkInterfaceType


class ConnectionTracking(Model):
    """Idle timeouts, in seconds, of the security groups' connection tracking."""

    tcpEstablishedTimeout: int | None = Field(default=None, ge=60, le=432000)
    udpStreamTimeout: int | None = Field(default=None, ge=60, le=180)
    udpTimeout: int | None = Field(default=None, ge=30, le=60)


class CPUOptions(Model):
    nestedVirtualization: EndpointState | None = None
    """enabled: only instance types that report nested virtualization are candidates."""


class EC2NodeClassSpec(Model):
    subnetSelectorTerms: list[SubnetSelectorTerm] = Field(max_length=30)
    securityGroupSelectorTerms: list[SecurityGroupSelectorTerm] = Field(max_length=30)
    capacityReservationSelectorTerms: list[CapacityReservationSelectorTerm] = Field(
        default_factory=list, max_length=30
    )
    associatePublicIPAddress: bool | None = None
    ipPrefixCount: int | None = Field(default=None, ge=0)
    amiSelectorTerms: list[AMISelectorTerm] = Field(max_length=30)
    amiFamily: AMIFamily | None = None
    userData: str | None = None
    role: str | None = None
    instanceProfile: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    kubelet: KubeletConfiguration | None = None
    blockDeviceMappings: list[BlockDeviceMapping] = Field(default_factory=list, max_length=50)
    instanceStorePolicy: InstanceStorePolicy | None = None
    detailedMonitoring: bool | None = None
    metadataOptions: MetadataOptions = Field(default_factory=MetadataOptions)
    context: str | None = None
    placementGroupSelector: PlacementGroupSelector | None = None
    networkInterfaces: list[NetworkInterface] = Field(default_factory=list, max_length=150)
    connectionTracking: ConnectionTracking | None = None
    cpuOptions: CPUOptions | None = None

    def resolved_ami_family(self) -> AMIFamily | None:
        """The AMI family in effect: `amiFamily`, else the one an alias names (`al2023@latest` -> AL2023)."""
        if self.amiFamily is not None:
            return self.amiFamily
        for term in self.amiSelectorTerms:
            if term.alias:
                family = term.alias.split("@", 1)[0].lower()
                for candidate in AMIFamily:
                    if candidate.value.lower() == family:
                        return candidate
        return None

    def root_volume(self) -> BlockDeviceMapping | None:
        """The mapping the node boots from: the one marked rootVolume, else the AMI's root device."""
        for mapping in self.blockDeviceMappings:
            if mapping.rootVolume:
                return mapping
        for mapping in self.blockDeviceMappings:
            if mapping.deviceName == DEFAULT_ROOT_DEVICE:
                return mapping
        return None

    def root_volume_bytes(self) -> int:
        """Root volume size in bytes; Karpenter's AL2/AL2023 default (20Gi) when none is configured."""
        mapping = self.root_volume()
        if mapping is not None and mapping.ebs is not None and mapping.ebs.volumeSize is not None:
            return memory_bytes(mapping.ebs.volumeSize)
        return memory_bytes(DEFAULT_ROOT_VOLUME_SIZE)


class SubnetStatus(Model):
    id: str
    zone: str
    zoneID: str | None = None


class SecurityGroupStatus(Model):
    id: str
    name: str | None = None


class AMIStatus(Model):
    id: str
    name: str | None = None
    requirements: list[NodeSelectorRequirement] = Field(default_factory=list)
    deprecated: bool | None = None


class EC2NodeClassConditionType(StrEnum):
    """The EC2NodeClass status conditions Karpenter writes; `Ready` is True when all the others are."""

    SUBNETS_READY = "SubnetsReady"
    SECURITY_GROUPS_READY = "SecurityGroupsReady"
    AMIS_READY = "AMIsReady"
    INSTANCE_PROFILE_READY = "InstanceProfileReady"
    READY = "Ready"


# Karpenter's reasons for a part of the status that its selector terms left empty.
REASON_SUBNETS_NOT_FOUND = "SubnetsNotFound"
REASON_SECURITY_GROUPS_NOT_FOUND = "SecurityGroupsNotFound"
REASON_AMI_NOT_FOUND = "AMINotFound"
REASON_UNHEALTHY_DEPENDENTS = "UnhealthyDependents"
"""`Ready` is False because a part is (operatorpkg's root condition)."""


class EC2NodeClassStatus(Model):
    subnets: list[SubnetStatus] = Field(default_factory=list)
    securityGroups: list[SecurityGroupStatus] = Field(default_factory=list)
    capacityReservations: list[dict[str, Any]] = Field(default_factory=list)
    amis: list[AMIStatus] = Field(default_factory=list)
    instanceProfile: str | None = None
    conditions: list[Condition] = Field(default_factory=list)


class EC2NodeClass(Model):
    apiVersion: Literal["karpenter.k8s.aws/v1"] = API_VERSION
    kind: Literal["EC2NodeClass"] = "EC2NodeClass"
    metadata: ObjectMeta
    spec: EC2NodeClassSpec
    status: EC2NodeClassStatus | None = None

    @property
    def name(self) -> str:
        return self.metadata.name or ""
