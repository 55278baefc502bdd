"""Builders for provisioning tests: the blueprint fleet with simulated prices, pools, node classes, pods,
and a provisioning round run against the simulated EC2 (launch, fall back on insufficient capacity)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sparkfleet.api.blueprint import blueprint_ec2nodeclasses, blueprint_nodepools
from sparkfleet.api.ec2nodeclass import (
    AMISelectorTerm,
    EC2NodeClass,
    EC2NodeClassSpec,
    InstanceStorePolicy,
    KubeletConfiguration,
    SecurityGroupSelectorTerm,
    SubnetSelectorTerm,
)
from sparkfleet.api.instancetypes import InstanceType, Offering
from sparkfleet.api.karpenter import (
    NodeClaimTemplate,
    NodeClaimTemplateMetadata,
    NodeClaimTemplateSpec,
    NodeClassReference,
    NodePool,
    NodePoolSpec,
    NodeSelectorRequirementWithMinValues,
    RequirementOperator,
)
from sparkfleet.api.meta import ObjectMeta
from sparkfleet.api.placement import NodeSelectorRequirement, Taint, Toleration
from sparkfleet.api.quantity import cpu_millis, memory_bytes
from sparkfleet.api.scenario import DEFAULT_ZONES, Scenario
from sparkfleet.api.wire import CapacityType
from sparkfleet.clock import VirtualClock
from sparkfleet.cloud.catalog import load_catalog
from sparkfleet.cloud.port import LaunchRequest
from sparkfleet.cloud.pricing import offering_price
from sparkfleet.cloud.sim import SimulatedEC2
from sparkfleet.engine.provisioning.fallback import replan_after_launch_failure
from sparkfleet.engine.provisioning.model import (
    ExistingNode,
    ProvisioningPlan,
    ProvisioningRequest,
)
from sparkfleet.engine.provisioning.plan import plan
from sparkfleet.engine.provisioning.pods import PodRequest
from sparkfleet.engine.provisioning.requirements import Requirements
from sparkfleet.engine.provisioning.resources import Resources
from sparkfleet.engine.provisioning.tables import Fleet

GI = 2**30
MI = 2**20
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ZONES = DEFAULT_ZONES
GRAVITON_FAMILIES = ("r6g", "r6gd", "r7g", "r7gd", "r8g")


def catalog_types() -> tuple[InstanceType, ...]:
    return tuple(load_catalog())


def instance_type(name: str) -> InstanceType:
    return load_catalog()[name]


def offerings(
    types: Iterable[InstanceType] | None = None,
    *,
    zones: Sequence[str] = ZONES,
    unavailable: Callable[[InstanceType, str, CapacityType], bool] | None = None,
) -> tuple[Offering, ...]:
    """Every offering of `types` with the simulator's prices; `unavailable` marks some without capacity."""
    return tuple(
        Offering(it.name, z, ct, offering_price(it, z, ct), not (unavailable and unavailable(it, z, ct)))
        for it in (types if types is not None else load_catalog())
        for z in zones
        for ct in CapacityType
    )


def node_class(
    name: str = "default", *, raid0: bool = True, kubelet: KubeletConfiguration | None = None
) -> EC2NodeClass:
    return EC2NodeClass(
        metadata=ObjectMeta(name=name),
        spec=EC2NodeClassSpec(
            subnetSelectorTerms=[SubnetSelectorTerm(tags={"Name": "private*"})],
            securityGroupSelectorTerms=[SecurityGroupSelectorTerm(tags={"Name": "node"})],
            amiSelectorTerms=[AMISelectorTerm(alias="al2023@latest")],
            role="KarpenterNodeRole",
            instanceStorePolicy=InstanceStorePolicy.RAID0 if raid0 else None,
            kubelet=kubelet,
        ),
    )


def req(
    key: str, operator: str, *values: str, min_values: int | None = None
) -> NodeSelectorRequirementWithMinValues:
    return NodeSelectorRequirementWithMinValues(
        key=key, operator=RequirementOperator(operator), values=list(values), minValues=min_values
    )


def nodepool(
    name: str,
    *requirements: NodeSelectorRequirementWithMinValues,
    weight: int | None = None,
    labels: Mapping[str, str] | None = None,
    taints: Sequence[Taint] = (),
    limits: Mapping[str, str | int] | None = None,
    node_class_name: str = "default",
) -> NodePool:
    return NodePool(
        metadata=ObjectMeta(name=name),
        spec=NodePoolSpec(
            template=NodeClaimTemplate(
                metadata=NodeClaimTemplateMetadata(labels=dict(labels or {})),
                spec=NodeClaimTemplateSpec(
                    requirements=list(requirements),
                    taints=list(taints),
                    nodeClassRef=NodeClassReference(
                        group="karpenter.k8s.aws", kind="EC2NodeClass", name=node_class_name
                    ),
                ),
            ),
            limits=dict(limits or {}),
            weight=weight,
        ),
    )


def blueprint_fleet(
    *,
    pools: Sequence[NodePool] | None = None,
    unavailable: Callable[[InstanceType, str, CapacityType], bool] | None = None,
    daemons: Sequence[PodRequest] = (),
    dedicated_taints: bool = False,
) -> Fleet:
    """The blueprint's four NodePools and node classes over the whole catalog."""
    chosen = pools if pools is not None else blueprint_nodepools(dedicated_taints=dedicated_taints)
    classes = {c.name: c for c in blueprint_ec2nodeclasses()}
    return Fleet(tuple(chosen), classes, catalog_types(), offerings(unavailable=unavailable), tuple(daemons))


def fleet(
    *pools: NodePool,
    classes: Sequence[EC2NodeClass] = (),
    types: Sequence[str] | None = None,
    unavailable: Callable[[InstanceType, str, CapacityType], bool] | None = None,
    daemons: Sequence[PodRequest] = (),
) -> Fleet:
    """A fleet of the given pools (node class "default" unless given), over some or all catalog types."""
    chosen = tuple(instance_type(t) for t in types) if types is not None else catalog_types()
    all_classes = {c.name: c for c in (*classes, node_class())}
    return Fleet(
        tuple(pools), all_classes, chosen, offerings(chosen, unavailable=unavailable), tuple(daemons)
    )


def pod(
    name: str,
    cpu: str | int = 1,
    memory: str = "4Gi",
    *,
    selector: Mapping[str, str] | None = None,
    terms: Sequence[Sequence[NodeSelectorRequirement]] = (),
    tolerations: Sequence[Toleration] = (),
    gang: str | None = None,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    storage: str | None = None,
) -> PodRequest:
    return PodRequest(
        id=f"spark/{name}",
        requests=Resources(cpu_millis(cpu), memory_bytes(memory), memory_bytes(storage) if storage else 0, 1),
        node_selector=dict(selector or {}),
        required_terms=tuple(Requirements.from_requirements(t) for t in terms),
        tolerations=tuple(tolerations),
        gang=gang,
        labels=dict(labels or {}),
        annotations=dict(annotations or {}),
    )


def pods(prefix: str, n: int, cpu: str | int = 1, memory: str = "4Gi", **kw: object) -> list[PodRequest]:
    return [pod(f"{prefix}-{i}", cpu, memory, **kw) for i in range(n)]  # type: ignore[arg-type]


def request(
    f: Fleet, pending: Sequence[PodRequest], *, nodes: Sequence[ExistingNode] = (), **kw: object
) -> ProvisioningRequest:
    return ProvisioningRequest(f, list(pending), NOW, nodes=list(nodes), **kw)  # type: ignore[arg-type]


@dataclass
class Round:
    """What one provisioning round did against the simulated EC2."""

    plan: ProvisioningPlan
    launched: dict[str, str]
    """claim name -> instance type EC2 launched."""
    ice_offerings: list[str]


def provisioning_round(req: ProvisioningRequest, scenario: Scenario) -> Round:
    """Plan, launch every claim, and on insufficient capacity recompute the plan at once (same round)."""
    cloud = SimulatedEC2(load_catalog(), scenario, VirtualClock(req.now))
    current = plan(req)
    launched: dict[str, str] = {}
    ice: list[str] = []
    while True:
        pending = [c for c in current.claims if c.name not in launched]
        if not pending:
            return Round(current, launched, ice)
        claim = pending[0]
        result = cloud.launch(
            LaunchRequest(
                client_token=claim.name,
                node_claim_name=claim.name,
                instance_types=claim.instance_types,
                capacity_types=claim.capacity_types,
                zones=claim.zones,
                excluded_offerings=current.unavailable.active(req.now),
            )
        )
        ice.extend(f"{f.instance_type}/{f.zone}/{f.capacity_type}" for f in result.errors)
        if result.instance is not None:
            launched[claim.name] = result.instance.instance_type
            continue
        current = replan_after_launch_failure(
            req, current, claim.name, [f.offering for f in result.errors], req.now, launched=set(launched)
        )
