"""What an EC2NodeClass's selector terms select in the simulated region, for its status.

The simulated account is one VPC made for the cluster:
- one subnet per zone of the scenario, `subnet-` and 17 hex digits derived from the region and zone, with
  the zone's id (`use1-az1`, ...); it carries every tag, so a `tags` term selects them all, and an `id`
  term selects the subnet of that id;
- one node security group, `sg-` and 17 hex digits derived from the region, named `sparkfleet-nodes`,
  selected likewise by tags, id or that name;
- the EKS-optimized images of the AMI families, one per architecture, selected by `alias`
  (`al2023@latest`, `bottlerocket@v1.20.0`, ...) or by their ids; images by tags, name or SSM parameter
  are not published, so such terms select nothing;
- an instance profile for any role: `spec.instanceProfile`, else the role's name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sparkfleet.api.ec2nodeclass import (
    REASON_AMI_NOT_FOUND,
    REASON_SECURITY_GROUPS_NOT_FOUND,
    REASON_SUBNETS_NOT_FOUND,
    AMIFamily,
    AMISelectorTerm,
    AMIStatus,
    EC2NodeClass,
    EC2NodeClassConditionType,
    SecurityGroupStatus,
    SubnetStatus,
)
from sparkfleet.api.placement import NodeSelectorRequirement
from sparkfleet.api.wire import LABEL_ARCH
from sparkfleet.cloud.port import NodeClassResolution, Unresolved

SECURITY_GROUP_NAME = "sparkfleet-nodes"
ARCHITECTURES = ("amd64", "arm64")
_WINDOWS = (AMIFamily.WINDOWS2019, AMIFamily.WINDOWS2022, AMIFamily.WINDOWS2025)


def _hex(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:17]


def subnet_id(region: str, zone: str) -> str:
    return f"subnet-{_hex(region, zone)}"


def security_group_id(region: str) -> str:
    return f"sg-{_hex(region, 'nodes')}"


def zone_id(region: str, zone: str) -> str:
    """`us-east-1b` -> `use1-az2`: the region's initials and number, then the zone letter's place."""
    area, *middle, number = region.split("-")
    return f"{area}{''.join(m[0] for m in middle)}{number}-az{ord(zone[-1]) - ord('a') + 1}"


def _image(region: str, family: str, version: str, arch: str) -> AMIStatus:
    return AMIStatus(
        id=f"ami-{_hex(region, family.lower(), version, arch)}",
        name=f"{family.lower()}-{version}-{arch}",
        requirements=[NodeSelectorRequirement(key=LABEL_ARCH, operator="In", values=[arch])],
    )


def _alias_images(region: str, alias: str) -> list[tuple[str, AMIStatus]]:
    family_name, _, version = alias.partition("@")
    family = next((f for f in AMIFamily if f.value.lower() == family_name.lower()), None)
    if family is None or family is AMIFamily.CUSTOM:
        return []
    arches = ("amd64",) if family in _WINDOWS else ARCHITECTURES
    return [(arch, _image(region, family.value, version or "latest", arch)) for arch in arches]


class SimulatedNodeClasses:
    """Resolves node classes against the simulated account of `region` with `zones`."""

    def __init__(self, region: str, zones: Sequence[str]) -> None:
        self._region = region
        self._zones = tuple(zones)

    def resolve(self, node_class: EC2NodeClass) -> NodeClassResolution:
        spec = node_class.spec
        C = EC2NodeClassConditionType
        problems: dict[EC2NodeClassConditionType, Unresolved] = {}
        subnets = self._subnets([t.id for t in spec.subnetSelectorTerms], bool(spec.subnetSelectorTerms))
        if not subnets:
            problems[C.SUBNETS_READY] = Unresolved(
                REASON_SUBNETS_NOT_FOUND,
                f"EC2NodeClass {node_class.name}: spec.subnetSelectorTerms select no subnet of the simulated "
                f"region (its subnets: {', '.join(subnet_id(self._region, z) for z in self._zones)})",
            )
        group = SecurityGroupStatus(id=security_group_id(self._region), name=SECURITY_GROUP_NAME)
        groups = [
            group
            for t in spec.securityGroupSelectorTerms[:1]
            if any(
                (t.id is None or t.id == group.id) and (t.name is None or t.name == group.name)
                for t in spec.securityGroupSelectorTerms
            )
        ]
        if not groups:
            problems[C.SECURITY_GROUPS_READY] = Unresolved(
                REASON_SECURITY_GROUPS_NOT_FOUND,
                f"EC2NodeClass {node_class.name}: spec.securityGroupSelectorTerms select no security group "
                f"of the simulated region (its group: {group.id}, named {group.name})",
            )
        amis = self._amis(spec.amiSelectorTerms)
        if not amis:
            problems[C.AMIS_READY] = Unresolved(
                REASON_AMI_NOT_FOUND,
                f"EC2NodeClass {node_class.name}: amiSelectorTerms select no AMI of the simulated region, "
                "which publishes the EKS-optimized images of the aliases (al2023@latest, ...) only",
            )
        profile = spec.instanceProfile or (spec.role.rsplit("/", 1)[-1] if spec.role else None)
        return NodeClassResolution(
            subnets=tuple(subnets),
            security_groups=tuple(groups),
            amis=tuple(amis),
            instance_profile=profile,
            problems=problems,
        )

    def _subnets(self, ids: list[str | None], any_term: bool) -> list[SubnetStatus]:
        """Every subnet a term selects: a term without an id (tags) selects them all."""
        return [
            SubnetStatus(id=subnet_id(self._region, zone), zone=zone, zoneID=zone_id(self._region, zone))
            for zone in self._zones
            if any_term and any(i is None or i == subnet_id(self._region, zone) for i in ids)
        ]

    def _amis(self, terms: Sequence[AMISelectorTerm]) -> list[AMIStatus]:
        """One image per architecture: the first term's that has one."""
        every = {
            image.id: (arch, image)
            for family in AMIFamily
            for arch, image in _alias_images(self._region, f"{family.value}@latest")
        }
        by_arch: dict[str, AMIStatus] = {}
        for term in terms:
            if term.alias:
                found = _alias_images(self._region, term.alias)
            elif term.id and term.id in every:
                found = [every[term.id]]
            else:
                found = []
            for arch, image in found:
                by_arch.setdefault(arch, image)
        return [by_arch[arch] for arch in sorted(by_arch)]
