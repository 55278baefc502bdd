"""Builders for disruption tests: the blueprint fleet with simulated prices, nodes with pods, snapshots."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from sparkfleet.api.blueprint import blueprint_ec2nodeclass, blueprint_ec2nodeclasses, blueprint_nodepools
from sparkfleet.api.instancetypes import Offering
from sparkfleet.api.karpenter import Budget, NodePool
from sparkfleet.api.quantity import cpu_millis, memory_bytes
from sparkfleet.api.wire import CapacityType
from sparkfleet.cloud.catalog import load_catalog
from sparkfleet.cloud.pricing import offering_price
from sparkfleet.engine.disruption.model import DisruptionSnapshot, NodeState
from sparkfleet.engine.provisioning.nodefacts import node_labels
from sparkfleet.engine.provisioning.overhead import node_resources
from sparkfleet.engine.provisioning.pods import PodRequest
from sparkfleet.engine.provisioning.resources import Resources
from sparkfleet.engine.provisioning.tables import Fleet

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")
LONG_AGO = NOW - timedelta(hours=2)
COMPUTE = "spark-compute-optimized"
MEMORY = "spark-memory-optimized"
VERTICAL = "spark-vertical-ebs-scale"


def pools(**changes: object) -> list[NodePool]:
    """The blueprint's pools with `spec.disruption` fields changed (e.g. budgets=[...])."""
    out = []
    for pool in blueprint_nodepools():
        data = pool.model_dump()
        data["spec"]["disruption"].update(changes)
        out.append(NodePool.model_validate(data))
    return out


def budgets(*items: Budget) -> list[dict[str, object]]:
    return [b.model_dump(exclude_none=True) for b in items]


def fleet(nodepools: Sequence[NodePool] | None = None) -> Fleet:
    return _fleet(tuple(nodepools) if nodepools is not None else tuple(blueprint_nodepools()))


_FLEETS: dict[str, Fleet] = {}


def _fleet(chosen: tuple[NodePool, ...]) -> Fleet:
    key = "|".join(p.model_dump_json() for p in chosen)
    if key in _FLEETS:
        return _FLEETS[key]
    catalog = load_catalog()
    offers = tuple(
        Offering(it.name, z, ct, offering_price(it, z, ct), True)
        for it in catalog
        for z in ZONES
        for ct in CapacityType
    )
    classes = {c.name: c for c in blueprint_ec2nodeclasses()}
    _FLEETS[key] = Fleet(chosen, classes, tuple(catalog), offers)
    return _FLEETS[key]


def pod(
    name: str,
    cpu: str | int = 1,
    memory: str = "4Gi",
    *,
    spark: str | None = None,
    do_not_disrupt: bool = False,
    selector: Mapping[str, str] | None = None,
) -> PodRequest:
    return PodRequest(
        id=f"spark/{name}",
        requests=Resources(cpu_millis(cpu), memory_bytes(memory), 0, 1),
        node_selector=dict(selector or {}),
        labels={"spark-role": spark} if spark else {},
        annotations={"karpenter.sh/do-not-disrupt": "true"} if do_not_disrupt else {},
    )


def node(
    name: str,
    pool: str = COMPUTE,
    instance_type: str = "c5d.4xlarge",
    *,
    pods: Sequence[PodRequest] = (),
    capacity_type: CapacityType = CapacityType.SPOT,
    zone: str = "us-east-1a",
    created: datetime = LONG_AGO,
    last_pod_event: datetime | None = None,
    annotations: Mapping[str, str] | None = None,
    deleting: bool = False,
    interrupted: datetime | None = None,
    scheduled_change: datetime | None = None,
    nodepools: Sequence[NodePool] | None = None,
) -> NodeState:
    it = load_catalog()[instance_type]
    resources = node_resources(it, blueprint_ec2nodeclass(pool))
    pool_obj = next(p for p in (nodepools or blueprint_nodepools()) if p.name == pool)
    return NodeState(
        name=name,
        node_pool=pool,
        instance_type=instance_type,
        capacity_type=capacity_type,
        zone=zone,
        price=offering_price(it, zone, capacity_type),
        created_at=created,
        allocatable=resources.allocatable,
        capacity=resources.capacity,
        labels=node_labels(pool_obj, it, zone, capacity_type),
        annotations=dict(annotations or {}),
        pods=tuple(pods),
        last_pod_event_at=last_pod_event,
        deleting=deleting,
        interrupted_at=interrupted,
        scheduled_change_at=scheduled_change,
    )


def snapshot(
    *nodes: NodeState, nodepools: Sequence[NodePool] | None = None, now: datetime = NOW
) -> DisruptionSnapshot:
    return DisruptionSnapshot(now=now, fleet=fleet(nodepools), nodes=tuple(nodes), claim_prefix="d-")
