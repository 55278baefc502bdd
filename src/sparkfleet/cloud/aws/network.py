"""Subnets and security groups from an EC2NodeClass's selector terms, as Karpenter resolves them.

Each term is one DescribeSubnets / DescribeSecurityGroups call whose filters are ANDed (tags, id or
name); the terms are ORed. A zone is served by its subnet with the most free addresses (ties: lowest id),
so a launch puts one override per instance type and zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sparkfleet.api.ec2nodeclass import SecurityGroupSelectorTerm, SubnetSelectorTerm
from sparkfleet.cloud.aws.clients import AwsClients, NothingSelected


@dataclass(frozen=True)
class Subnet:
    id: str
    zone: str
    zone_id: str
    free_addresses: int


@dataclass(frozen=True)
class SecurityGroup:
    id: str
    name: str


def _tag_filters(tags: dict[str, str] | None) -> list[dict[str, Any]]:
    return [
        {"Name": "tag-key", "Values": [k]} if v == "*" else {"Name": f"tag:{k}", "Values": [v]}
        for k, v in (tags or {}).items()
    ]


def subnet_filters(term: SubnetSelectorTerm) -> list[dict[str, Any]]:
    filters = _tag_filters(term.tags)
    if term.id:
        filters.append({"Name": "subnet-id", "Values": [term.id]})
    return filters


def security_group_filters(term: SecurityGroupSelectorTerm) -> list[dict[str, Any]]:
    filters = _tag_filters(term.tags)
    if term.id:
        filters.append({"Name": "group-id", "Values": [term.id]})
    if term.name:
        filters.append({"Name": "group-name", "Values": [term.name]})
    return filters


class NetworkResolver:
    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def subnets(self, terms: Sequence[SubnetSelectorTerm], node_class: str) -> dict[str, Subnet]:
        """{zone: the subnet launches in that zone use}; NothingSelected when the terms select none."""
        found: dict[str, Subnet] = {}
        for term in terms:
            response = self._clients.call("ec2", "DescribeSubnets", Filters=subnet_filters(term))
            for raw in response.get("Subnets", []):
                if raw.get("State", "available") != "available":
                    continue
                subnet = Subnet(
                    str(raw["SubnetId"]),
                    str(raw["AvailabilityZone"]),
                    str(raw.get("AvailabilityZoneId", "")),
                    int(raw.get("AvailableIpAddressCount", 0)),
                )
                found[subnet.id] = subnet
        if not found:
            raise NothingSelected(
                f"EC2NodeClass {node_class}: spec.subnetSelectorTerms select no subnet; tag the cluster's "
                "subnets (e.g. karpenter.sh/discovery) or name them by id"
            )
        by_zone: dict[str, Subnet] = {}
        for subnet in sorted(found.values(), key=lambda s: (-s.free_addresses, s.id)):
            by_zone.setdefault(subnet.zone, subnet)
        return dict(sorted(by_zone.items()))

    def security_groups(
        self, terms: Sequence[SecurityGroupSelectorTerm], node_class: str
    ) -> list[SecurityGroup]:
        found: dict[str, SecurityGroup] = {}
        for term in terms:
            response = self._clients.call(
                "ec2", "DescribeSecurityGroups", Filters=security_group_filters(term)
            )
            for raw in response.get("SecurityGroups", []):
                found[str(raw["GroupId"])] = SecurityGroup(str(raw["GroupId"]), str(raw.get("GroupName", "")))
        if not found:
            raise NothingSelected(
                f"EC2NodeClass {node_class}: spec.securityGroupSelectorTerms select no security group; "
                "tag the node security group or name it by id"
            )
        return [found[k] for k in sorted(found)]
