"""What launching for one EC2NodeClass needs, resolved and kept for `RESOLVE_REFRESH`: its subnets per zone,
security groups, instance profile, AMI per architecture and the launch template of each AMI.

Resolved again when the node class's spec changes or the refresh passes (so a new `@latest` AMI is picked
up, as Karpenter's periodic AMI resolution does). `resolve` reads the same facts part by part for the
node class's status.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sparkfleet.api.ec2nodeclass import (
    REASON_AMI_NOT_FOUND,
    REASON_SECURITY_GROUPS_NOT_FOUND,
    REASON_SUBNETS_NOT_FOUND,
    AMIStatus,
    EC2NodeClass,
    EC2NodeClassConditionType,
    SecurityGroupStatus,
    SubnetStatus,
)
from sparkfleet.api.placement import NodeSelectorRequirement
from sparkfleet.api.wire import LABEL_ARCH
from sparkfleet.cloud.aws.amis import AmiResolver, Image
from sparkfleet.cloud.aws.clients import AwsApiError, AwsClients, AwsCredentialsError, SupportsNow
from sparkfleet.cloud.aws.network import NetworkResolver, SecurityGroup, Subnet
from sparkfleet.cloud.aws.profiles import instance_profile
from sparkfleet.cloud.aws.templates import LaunchTemplates, launch_template_data
from sparkfleet.cloud.aws.userdata import ClusterInfo, user_data
from sparkfleet.cloud.port import CloudError, NodeClassResolution, Unresolved

RESOLVE_REFRESH = timedelta(minutes=5)
REASON_INSTANCE_PROFILE_FAILED = "InstanceProfileCreationFailed"
"""InstanceProfileReady=False: the profile for `spec.role` could not be made (Karpenter only logs this)."""
_T = TypeVar("_T")


@dataclass(frozen=True)
class LaunchPlan:
    node_class: str
    subnets: Mapping[str, Subnet]  # zone -> subnet
    security_groups: tuple[SecurityGroup, ...]
    instance_profile: str
    images: Mapping[str, Image]  # arch -> image
    templates: Mapping[str, str]  # arch -> launch template name
    context: str | None


def _fingerprint(node_class: EC2NodeClass, labels: Mapping[str, str]) -> str:
    text = json.dumps([node_class.spec.model_dump(mode="json"), sorted(labels.items())], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class NodeClassLaunches:
    def __init__(
        self,
        clients: AwsClients,
        cluster: str,
        cluster_info: Callable[[], ClusterInfo],
        templates: LaunchTemplates,
        clock: SupportsNow,
    ) -> None:
        self._clients = clients
        self._cluster = cluster
        self._cluster_info = cluster_info
        self._templates = templates
        self._clock = clock
        self._amis = AmiResolver(clients)
        self._network = NetworkResolver(clients)
        self._plans: dict[tuple[str, str], tuple[datetime, LaunchPlan]] = {}
        self._lock = threading.Lock()

    def plan(self, node_class: EC2NodeClass, labels: Mapping[str, str]) -> LaunchPlan:
        key = (node_class.name, _fingerprint(node_class, labels))
        now = self._clock.now()
        with self._lock:
            cached = self._plans.get(key)
            if cached is not None and now - cached[0] < RESOLVE_REFRESH:
                return cached[1]
            if cached is None and any(k[0] == node_class.name for k in self._plans):
                self._templates.forget(node_class.name)  # its spec changed: old templates are unused now
                self._plans = {k: v for k, v in self._plans.items() if k[0] != node_class.name}
        plan = self._resolve(node_class, labels)
        with self._lock:
            self._plans[key] = (now, plan)
        return plan

    def subnets(self, node_class: EC2NodeClass) -> Mapping[str, Subnet]:
        """{zone: subnet} of the node class, from its launch plan when one is fresh."""
        now = self._clock.now()
        with self._lock:
            for (name, _), (at, plan) in self._plans.items():
                if name == node_class.name and now - at < RESOLVE_REFRESH:
                    return plan.subnets
        return self._network.subnets(node_class.spec.subnetSelectorTerms, node_class.name)

    def _resolve(self, node_class: EC2NodeClass, labels: Mapping[str, str]) -> LaunchPlan:
        spec = node_class.spec
        info = self._cluster_info()
        subnets, groups, profile, images = self._facts(node_class, info.kubernetes_version)
        text = user_data(spec, info, dict(labels))
        templates = {
            arch: self._templates.ensure(
                node_class.name,
                launch_template_data(spec, image, text, [g.id for g in groups], profile),
            )
            for arch, image in sorted(images.items())
        }
        return LaunchPlan(node_class.name, subnets, groups, profile, images, templates, spec.context)

    def _facts(
        self, node_class: EC2NodeClass, kubernetes_version: str
    ) -> tuple[dict[str, Subnet], tuple[SecurityGroup, ...], str, dict[str, Image]]:
        spec = node_class.spec
        subnets = self._network.subnets(spec.subnetSelectorTerms, node_class.name)
        groups = tuple(self._network.security_groups(spec.securityGroupSelectorTerms, node_class.name))
        profile = instance_profile(self._clients, self._cluster, node_class)
        images = self._amis.resolve(spec.amiSelectorTerms, kubernetes_version)
        return subnets, groups, profile, images

    def resolve(self, node_class: EC2NodeClass) -> NodeClassResolution:
        """The node class's status as Karpenter writes it, each part resolved on its own, so one that
        selects nothing (or is refused) is reported beside the others. AWS errors other than an empty
        selection (throttling, credentials) are raised: the caller tries again later."""
        spec = node_class.spec
        problems: dict[EC2NodeClassConditionType, Unresolved] = {}

        def part(kind: EC2NodeClassConditionType, reason: str, resolve: Callable[[], _T]) -> _T | None:
            try:
                return resolve()
            except (AwsApiError, AwsCredentialsError):
                raise
            except CloudError as exc:
                problems[kind] = Unresolved(reason, str(exc))
                return None

        C = EC2NodeClassConditionType
        subnets = part(
            C.SUBNETS_READY,
            REASON_SUBNETS_NOT_FOUND,
            lambda: self._network.subnets(spec.subnetSelectorTerms, node_class.name),
        )
        groups = part(
            C.SECURITY_GROUPS_READY,
            REASON_SECURITY_GROUPS_NOT_FOUND,
            lambda: self._network.security_groups(spec.securityGroupSelectorTerms, node_class.name),
        )
        images = part(
            C.AMIS_READY,
            REASON_AMI_NOT_FOUND,
            lambda: self._amis.resolve(spec.amiSelectorTerms, self._cluster_info().kubernetes_version),
        )
        profile = part(
            C.INSTANCE_PROFILE_READY,
            REASON_INSTANCE_PROFILE_FAILED,
            lambda: instance_profile(self._clients, self._cluster, node_class),
        )
        return NodeClassResolution(
            subnets=tuple(
                SubnetStatus(id=s.id, zone=s.zone, zoneID=s.zone_id or None) for s in (subnets or {}).values()
            ),
            security_groups=tuple(SecurityGroupStatus(id=g.id, name=g.name or None) for g in groups or ()),
            amis=tuple(
                AMIStatus(
                    id=image.id,
                    name=image.name or None,
                    requirements=[NodeSelectorRequirement(key=LABEL_ARCH, operator="In", values=[arch])],
                )
                for arch, image in sorted((images or {}).items())
            ),
            instance_profile=profile,
            problems=problems,
        )
