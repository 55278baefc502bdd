"""Karpenter's AWS node class (`karpenter.k8s.aws/v1` EC2NodeClass): how a node is launched on EC2.

Which subnets, security groups and AMI; the node's IAM role; user data; the root and extra EBS volumes;
`instanceStorePolicy: RAID0` (every NVMe instance-store disk in one array that holds the kubelet and
containerd state, so node ephemeral storage is the instance store); kubelet settings. Field rules are
checked when the model is built; the CRD's cross-field rules are `validate_ec2nodeclass`.
"""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, Field

from sparkfleet.api.base import FieldIssue, Model
from sparkfleet.api.durations import DurationError, parse_go_duration
from sparkfleet.api.meta import Condition, ObjectMeta, Quantity
from sparkfleet.api.placement import NodeSelectorRequirement
from sparkfleet.api.quantity import QuantityError, memory_bytes, parse_quantity
from sparkfleet.api.wire import LABEL_NODECLASS, LABEL_NODEPOOL, TAG_NODECLAIM

API_VERSION: Final = "karpenter.k8s.aws/v1"
DEFAULT_ROOT_DEVICE = "/dev/xvda"
# The root volume Karpenter gives AL2 and AL2023 nodes when no blockDeviceMappings are set.
DEFAULT_ROOT_VOLUME_SIZE = "20Gi"

EVICTION_SIGNALS = frozenset(
    {
        "memory.available",
        "nodefs.available",
        "nodefs.inodesFree",
        "imagefs.available",
        "imagefs.inodesFree",
        "pid.available",
    }
)
RESERVED_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage", "pid"})
_ALIAS_FAMILIES = ("al2", "al2023", "bottlerocket", "windows2019", "windows2022")
_RESTRICTED_TAGS = (
    "eks:eks-cluster-name",
    LABEL_NODEPOOL,
    TAG_NODECLAIM,
    LABEL_NODECLASS,
)
# The largest sizes the CRD's volumeSize pattern admits, per unit.
_VOLUME_SIZE = re.compile(r"^([1-9][0-9]*)(Gi|G|Ti|T)$")
_VOLUME_MAX = {"Gi": 59000, "G": 64000, "Ti": 58, "T": 64}


class AMIFamily(StrEnum):
    AL2 = "AL2"
    AL2023 = "AL2023"
    BOTTLEROCKET = "Bottlerocket"
    CUSTOM = "Custom"
    WINDOWS2019 = "Windows2019"
    WINDOWS2022 = "Windows2022"


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
    cidr: str | None = None


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


# --- semantic validation -------------------------------------------------------------------------------


def _tag_issues(tags: dict[str, str] | None, path: str) -> list[FieldIssue]:
    if tags is None:
        return []
    if any(not key or not value for key, value in tags.items()):
        return [FieldIssue(f"{path}.tags", "empty tag keys or values aren't supported")]
    return []


def _selector_issues(spec: EC2NodeClassSpec) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    if not spec.subnetSelectorTerms:
        issues.append(FieldIssue("spec.subnetSelectorTerms", "subnetSelectorTerms cannot be empty"))
    for i, subnet in enumerate(spec.subnetSelectorTerms):
        here = f"spec.subnetSelectorTerms[{i}]"
        if subnet.tags is None and not subnet.id and not subnet.cidr:
            issues.append(FieldIssue(here, "expected at least one, got none, ['tags', 'id', 'cidr']"))
        if subnet.id and subnet.tags is not None:
            issues.append(FieldIssue(f"{here}.id", "'id' is mutually exclusive, cannot be set with 'tags'"))
        if subnet.id and not re.match(r"^subnet-[0-9a-z]+$", subnet.id):
            issues.append(FieldIssue(f"{here}.id", f'"{subnet.id}" is not a subnet id (subnet-...)'))
        issues += _tag_issues(subnet.tags, here)
    if not spec.securityGroupSelectorTerms:
        issues.append(
            FieldIssue("spec.securityGroupSelectorTerms", "securityGroupSelectorTerms cannot be empty")
        )
    for i, group in enumerate(spec.securityGroupSelectorTerms):
        here = f"spec.securityGroupSelectorTerms[{i}]"
        if group.tags is None and not group.id and not group.name:
            issues.append(FieldIssue(here, "expected at least one, got none, ['tags', 'id', 'name']"))
        if group.id and (group.tags is not None or group.name):
            issues.append(
                FieldIssue(f"{here}.id", "'id' is mutually exclusive, cannot be set with 'tags' or 'name'")
            )
        elif group.name and group.tags is not None:
            issues.append(
                FieldIssue(f"{here}.name", "'name' is mutually exclusive, cannot be set with 'tags'")
            )
        if group.id and not re.match(r"^sg-[0-9a-z]+$", group.id):
            issues.append(FieldIssue(f"{here}.id", f'"{group.id}" is not a security group id (sg-...)'))
        issues += _tag_issues(group.tags, here)
    for i, reservation in enumerate(spec.capacityReservationSelectorTerms):
        here = f"spec.capacityReservationSelectorTerms[{i}]"
        if reservation.tags is None and not reservation.id and not reservation.instanceMatchCriteria:
            issues.append(
                FieldIssue(here, "expected at least one, got none, ['tags', 'id', 'instanceMatchCriteria']")
            )
        issues += _tag_issues(reservation.tags, here)
    return issues


def _ami_issues(spec: EC2NodeClassSpec) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    terms = spec.amiSelectorTerms
    if not terms:
        issues.append(
            FieldIssue("spec.amiSelectorTerms", 'at least one term is needed, e.g. alias: "al2023@latest"')
        )
    alias_family: str | None = None
    for i, term in enumerate(terms):
        here = f"spec.amiSelectorTerms[{i}]"
        others = [f for f in ("tags", "id", "name", "owner") if getattr(term, f) is not None]
        if not (term.alias or term.tags is not None or term.id or term.name or term.ssmParameter):
            issues.append(
                FieldIssue(
                    here, "expected at least one, got none, ['tags', 'id', 'name', 'alias', 'ssmParameter']"
                )
            )
        if term.id and [f for f in others if f != "id"] + (["alias"] if term.alias else []):
            issues.append(
                FieldIssue(
                    f"{here}.id", "'id' is mutually exclusive, cannot be set with other fields of a term"
                )
            )
        if term.alias is not None:
            if others:
                issues.append(
                    FieldIssue(
                        f"{here}.alias",
                        "'alias' is mutually exclusive, cannot be set with other fields of a term",
                    )
                )
            if len(terms) != 1:
                issues.append(FieldIssue(f"{here}.alias", "'alias' must be the only amiSelectorTerm"))
            family, at, version = term.alias.partition("@")
            if not at or not re.match(r"^[a-zA-Z0-9]+$", family) or not version:
                issues.append(
                    FieldIssue(
                        f"{here}.alias",
                        f"'{term.alias}' is improperly formatted, must match 'family@version'",
                    )
                )
            elif family not in _ALIAS_FAMILIES:
                issues.append(
                    FieldIssue(
                        f"{here}.alias",
                        f"family '{family}' is not supported, use one of {', '.join(_ALIAS_FAMILIES)}",
                    )
                )
            elif family.startswith("windows") and version != "latest":
                issues.append(
                    FieldIssue(f"{here}.alias", "windows families may only specify version 'latest'")
                )
            else:
                alias_family = family
        issues += _tag_issues(term.tags, here)
    if terms and not any(t.alias for t in terms) and spec.amiFamily is None:
        issues.append(
            FieldIssue(
                "spec.amiFamily", "must specify amiFamily if amiSelectorTerms does not contain an alias"
            )
        )
    if alias_family and spec.amiFamily is not None:
        expected = next(f for f in AMIFamily if f.value.lower() == alias_family)
        if spec.amiFamily not in (expected, AMIFamily.CUSTOM):
            issues.append(
                FieldIssue(
                    "spec.amiFamily",
                    f"if set, amiFamily must be '{expected}' or 'Custom' when using an {expected} alias",
                )
            )
    return issues


def _identity_issues(spec: EC2NodeClassSpec) -> list[FieldIssue]:
    if (spec.role is None) == (spec.instanceProfile is None):
        return [FieldIssue("spec.role", "must specify exactly one of ['role', 'instanceProfile']")]
    if spec.role == "":
        return [FieldIssue("spec.role", "role cannot be empty")]
    if spec.instanceProfile == "":
        return [FieldIssue("spec.instanceProfile", "instanceProfile cannot be empty")]
    return []


def _restricted_tag_issues(tags: dict[str, str]) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    for key in tags:
        if not key:
            issues.append(FieldIssue("spec.tags", "empty tag keys aren't supported"))
        elif key in _RESTRICTED_TAGS or key.startswith("kubernetes.io/cluster"):
            issues.append(
                FieldIssue(
                    f"spec.tags.{key}", f"tag contains a restricted tag matching {key}: Karpenter sets it"
                )
            )
    return issues


def _kubelet_issues(kubelet: KubeletConfiguration | None) -> list[FieldIssue]:
    if kubelet is None:
        return []
    path = "spec.kubelet"
    issues: list[FieldIssue] = []
    for field in ("systemReserved", "kubeReserved"):
        for key, value in getattr(kubelet, field).items():
            if key not in RESERVED_RESOURCES:
                issues.append(
                    FieldIssue(
                        f"{path}.{field}.{key}", f"valid keys for {field} are {sorted(RESERVED_RESOURCES)}"
                    )
                )
            elif _quantity_problem(value, allow_percent=False):
                issues.append(
                    FieldIssue(f"{path}.{field}.{key}", f'"{value}" is not a non-negative quantity')
                )
    for field in ("evictionHard", "evictionSoft", "evictionSoftGracePeriod"):
        for key, value in getattr(kubelet, field).items():
            if key not in EVICTION_SIGNALS:
                issues.append(
                    FieldIssue(
                        f"{path}.{field}.{key}", f"valid keys for {field} are {sorted(EVICTION_SIGNALS)}"
                    )
                )
            elif field != "evictionSoftGracePeriod" and _quantity_problem(value, allow_percent=True):
                issues.append(
                    FieldIssue(
                        f"{path}.{field}.{key}", f'"{value}" is not a quantity or a percentage like "10%"'
                    )
                )
    for key in kubelet.evictionSoft.keys() - kubelet.evictionSoftGracePeriod.keys():
        issues.append(
            FieldIssue(
                f"{path}.evictionSoft.{key}",
                "evictionSoft key does not have a matching evictionSoftGracePeriod",
            )
        )
    for key in kubelet.evictionSoftGracePeriod.keys() - kubelet.evictionSoft.keys():
        issues.append(
            FieldIssue(
                f"{path}.evictionSoftGracePeriod.{key}",
                "evictionSoftGracePeriod key does not have a matching evictionSoft",
            )
        )
    high, low = kubelet.imageGCHighThresholdPercent, kubelet.imageGCLowThresholdPercent
    if high is not None and low is not None and high <= low:
        issues.append(
            FieldIssue(
                f"{path}.imageGCHighThresholdPercent",
                "imageGCHighThresholdPercent must be greater than imageGCLowThresholdPercent",
            )
        )
    for i, address in enumerate(kubelet.clusterDNS):
        try:
            ipaddress.ip_address(address)
        except ValueError:
            issues.append(FieldIssue(f"{path}.clusterDNS[{i}]", f'"{address}" is not an IP address'))
    return issues


def _quantity_problem(value: str, *, allow_percent: bool) -> bool:
    if allow_percent and value.endswith("%"):
        try:
            return not 0 <= float(value[:-1]) <= 100
        except ValueError:
            return True
    try:
        return parse_quantity(value) < 0
    except QuantityError:
        return True


def _block_device_issues(mappings: list[BlockDeviceMapping]) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    if sum(1 for m in mappings if m.rootVolume) > 1:
        issues.append(
            FieldIssue("spec.blockDeviceMappings", "must have only one blockDeviceMappings with rootVolume")
        )
    for i, mapping in enumerate(mappings):
        ebs, here = mapping.ebs, f"spec.blockDeviceMappings[{i}].ebs"
        if ebs is None:
            continue
        if ebs.snapshotID is None and ebs.volumeSize is None:
            issues.append(FieldIssue(here, "snapshotID or volumeSize must be defined"))
        if ebs.volumeInitializationRate is not None and not ebs.snapshotID:
            issues.append(
                FieldIssue(
                    f"{here}.volumeInitializationRate",
                    "snapshotID must be set when volumeInitializationRate is set",
                )
            )
        if ebs.volumeSize is not None:
            match = _VOLUME_SIZE.match(str(ebs.volumeSize))
            if not isinstance(ebs.volumeSize, str) or match is None:
                issues.append(
                    FieldIssue(
                        f"{here}.volumeSize",
                        f'"{ebs.volumeSize}" must be a whole number of Gi, G, Ti or T, e.g. "100Gi"',
                    )
                )
            elif int(match.group(1)) > _VOLUME_MAX[match.group(2)]:
                issues.append(
                    FieldIssue(
                        f"{here}.volumeSize", f'"{ebs.volumeSize}" is larger than an EBS volume can be'
                    )
                )
        kind = ebs.volumeType
        if ebs.iops is not None and kind not in (VolumeType.IO1, VolumeType.IO2, VolumeType.GP3):
            issues.append(FieldIssue(f"{here}.iops", "iops is supported for io1, io2 and gp3 volumes only"))
        if ebs.throughput is not None:
            if kind != VolumeType.GP3:
                issues.append(
                    FieldIssue(f"{here}.throughput", "throughput is supported for gp3 volumes only")
                )
            elif ebs.throughput < 125:
                issues.append(FieldIssue(f"{here}.throughput", "gp3 throughput is at least 125 MiB/s"))
    return issues


def validate_ec2nodeclass(node_class: EC2NodeClass) -> list[FieldIssue]:
    """Every rule of the EC2NodeClass CRD that spans fields, each with the path of the field to fix."""
    spec = node_class.spec
    return (
        _selector_issues(spec)
        + _ami_issues(spec)
        + _identity_issues(spec)
        + _restricted_tag_issues(spec.tags)
        + _kubelet_issues(spec.kubelet)
        + _block_device_issues(spec.blockDeviceMappings)
    )
