"""The EC2NodeClass CRD's cross-field rules, each issue with the path of the field to fix."""

from __future__ import annotations

import ipaddress
import re
from collections import Counter

from sparkfleet.api.base import FieldIssue
from sparkfleet.api.ec2nodeclass.nodeclass import (
    AMIFamily,
    BlockDeviceMapping,
    EC2NodeClass,
    EC2NodeClassSpec,
    KubeletConfiguration,
    NetworkInterfaceType,
    VolumeType,
)
from sparkfleet.api.quantity import QuantityError, parse_quantity
from sparkfleet.api.wire import LABEL_NODECLASS, LABEL_NODEPOOL, TAG_NODECLAIM

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
_ALIAS_FAMILIES = ("al2", "al2023", "bottlerocket", "windows2019", "windows2022", "windows2025")
_RESTRICTED_TAGS = (
    "eks:eks-cluster-name",
    LABEL_NODEPOOL,
    TAG_NODECLAIM,
    LABEL_NODECLASS,
)
# The largest sizes the CRD's volumeSize pattern admits, per unit.
_VOLUME_SIZE = re.compile(r"^([1-9][0-9]*)(Gi|G|Ti|T)$")
_VOLUME_MAX = {"Gi": 59000, "G": 64000, "Ti": 58, "T": 64}


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
        if subnet.tags is None and not subnet.id:
            issues.append(FieldIssue(here, "expected at least one, got none, ['tags', 'id']"))
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
        + _network_issues(spec)
    )


def _network_issues(spec: EC2NodeClassSpec) -> list[FieldIssue]:
    """The CRD's rules for placementGroupSelector, networkInterfaces and connectionTracking."""
    issues: list[FieldIssue] = []
    group = spec.placementGroupSelector
    if group is not None and (group.name is None) == (group.id is None):
        message = (
            "expected at least one, got none, ['name', 'id']"
            if group.name is None
            else "'name' and 'id' are mutually exclusive"
        )
        issues.append(FieldIssue("spec.placementGroupSelector", message))
    nics = spec.networkInterfaces
    if nics and not any(
        n.deviceIndex == 0 and n.networkCardIndex == 0 and n.interfaceType == NetworkInterfaceType.INTERFACE
        for n in nics
    ):
        issues.append(
            FieldIssue(
                "spec.networkInterfaces",
                "networkInterfaces must include a primary interface with interfaceType='interface' "
                "(networkCardIndex 0, deviceIndex 0)",
            )
        )
    pairs = Counter((n.networkCardIndex, n.deviceIndex) for n in nics)
    efa = Counter(n.networkCardIndex for n in nics if n.interfaceType == NetworkInterfaceType.EFA_ONLY)
    if any(c > 1 for c in pairs.values()) or any(c > 1 for c in efa.values()):
        issues.append(
            FieldIssue(
                "spec.networkInterfaces",
                "networkInterfaces must not have duplicate networkCardIndex and deviceIndex pairs, "
                "and can have at most one efa device per network card",
            )
        )
    tracking = spec.connectionTracking
    if tracking is not None and not tracking.model_fields_set & {
        "tcpEstablishedTimeout",
        "udpStreamTimeout",
        "udpTimeout",
    }:
        issues.append(
            FieldIssue(
                "spec.connectionTracking",
                "at least one of tcpEstablishedTimeout, udpStreamTimeout, or udpTimeout must be set",
            )
        )
    return issues
