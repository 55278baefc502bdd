"""A fleet and its compiled arrays (built once): instance-type labels, allocatable per pool, offering prices.

Everything a plan asks many times (which types satisfy a requirement, what a pool's node of each type
offers after overhead and daemonsets, the cheapest offering of a type in allowed zones and capacity
types) is a numpy lookup here instead of a loop over the catalog.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

import numpy as np
import numpy.typing as npt

from sparkfleet.api.ec2nodeclass import EC2NodeClass
from sparkfleet.api.instancetypes import InstanceType, Offering
from sparkfleet.api.karpenter import WELL_KNOWN_LABELS, NodeOverlay, NodePool, order_by_weight
from sparkfleet.api.placement import Taint, TaintEffect, Toleration
from sparkfleet.api.quantity import cpu_millis, memory_bytes
from sparkfleet.api.wire import (
    LABEL_CAPACITY_TYPE,
    LABEL_NODECLASS,
    LABEL_NODEPOOL,
    LABEL_REGION,
    LABEL_ZONE,
    CapacityType,
)
from sparkfleet.engine.provisioning.nodefacts import instance_labels, region_of
from sparkfleet.engine.provisioning.offerings import UnavailableOfferings
from sparkfleet.engine.provisioning.overhead import node_resources
from sparkfleet.engine.provisioning.overlays import apply_overlay_prices
from sparkfleet.engine.provisioning.pods import PodRequest
from sparkfleet.engine.provisioning.requirements import Requirements, ValueSet
from sparkfleet.engine.provisioning.resources import Resources

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

CAPACITY_TYPES = (CapacityType.SPOT, CapacityType.ON_DEMAND)
"""Index order of the price table's capacity-type axis: spot first, so price ties go to spot."""
OFFERING_KEYS = frozenset({LABEL_ZONE, LABEL_CAPACITY_TYPE, LABEL_REGION})
NODE_KEYS = frozenset({LABEL_NODEPOOL, LABEL_NODECLASS})
TYPE_KEYS = frozenset(WELL_KNOWN_LABELS - OFFERING_KEYS - NODE_KEYS)
"""Labels an instance type decides (arch, family, size, cpu, ...); absent ones count as not set."""
_BLOCKING = (TaintEffect.NO_SCHEDULE, TaintEffect.NO_EXECUTE)


def tolerates_all(tolerations: Iterable[Toleration], taints: Iterable[Taint]) -> Taint | None:
    """The first taint that blocks scheduling and no toleration tolerates, or None."""
    tols = tuple(tolerations)
    for taint in taints:
        if taint.effect in _BLOCKING and not any(t.tolerates(taint) for t in tols):
            return taint
    return None


def describe_taint(taint: Taint) -> str:
    return f"{taint.key}{'=' + taint.value if taint.value else ''}:{taint.effect}"


@dataclass(frozen=True, eq=False)
class Fleet:
    """What capacity can be made of: NodePools, their node classes (by name), instance types, the
    offerings with prices and availability, and the daemonsets every new node will run."""

    node_pools: tuple[NodePool, ...]
    node_classes: Mapping[str, EC2NodeClass]
    instance_types: tuple[InstanceType, ...]
    offerings: tuple[Offering, ...]
    daemon_sets: tuple[PodRequest, ...] = ()
    node_overlays: tuple[NodeOverlay, ...] = ()
    """Price adjustments (Karpenter's NodeOverlay) applied to the offerings' prices."""

    @cached_property
    def compiled(self) -> CompiledFleet:
        return compile_fleet(self)


@dataclass
class PoolModel:
    """One NodePool, ready for planning. Arrays are indexed by the fleet's instance types."""

    pool: NodePool
    rank: int
    node_class: EC2NodeClass | None
    requirements: Requirements
    labels: dict[str, str]
    taints: tuple[Taint, ...]
    type_mask: BoolArray
    capacity_types: tuple[int, ...]
    zones: tuple[int, ...]
    capacity: IntArray
    allocatable: IntArray
    """Per type: allocatable minus the daemonsets that would run on the pool's nodes."""
    daemon_overhead: Resources
    limits: dict[str, int]
    problem: str | None = None

    @property
    def name(self) -> str:
        return self.pool.name


@dataclass
class CompiledFleet:
    fleet: Fleet
    types: tuple[InstanceType, ...]
    index: dict[str, int]
    labels: tuple[dict[str, str], ...]
    zones: tuple[str, ...]
    base_price: FloatArray
    """(types, capacity types, zones): USD/hour, inf where there is no available offering."""
    pools: tuple[PoolModel, ...]
    _masks: dict[tuple[str, ValueSet], BoolArray] = field(default_factory=dict)

    def value_mask(self, key: str, value_set: ValueSet) -> BoolArray:
        """Types whose label `key` satisfies `value_set` (memoised: requirements repeat a lot)."""
        cached = self._masks.get((key, value_set))
        if cached is None:
            cached = np.fromiter(
                (value_set.allows(lb.get(key)) for lb in self.labels), bool, len(self.labels)
            )
            self._masks[(key, value_set)] = cached
        return cached

    def type_mask(self, requirements: Requirements) -> BoolArray:
        mask = np.ones(len(self.types), dtype=bool)
        for key, value_set in requirements:
            if key in TYPE_KEYS:
                mask &= self.value_mask(key, value_set)
        return mask

    def offering_axes(self, requirements: Requirements) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The capacity-type and zone indices the requirements allow."""
        ct_set = requirements.get(LABEL_CAPACITY_TYPE)
        zone_set = requirements.get(LABEL_ZONE)
        region_set = requirements.get(LABEL_REGION)
        cts = tuple(i for i, ct in enumerate(CAPACITY_TYPES) if ct_set is None or ct_set.allows(str(ct)))
        zones = tuple(
            i
            for i, z in enumerate(self.zones)
            if (zone_set is None or zone_set.allows(z))
            and (region_set is None or region_set.allows(region_of(z)))
        )
        return cts, zones

    def prices(self, unavailable: UnavailableOfferings, now: datetime) -> FloatArray:
        """The price table with the offerings the cache holds unavailable removed."""
        table = self.base_price.copy()
        for key in unavailable.active(now):
            t = self.index.get(key.instanceType)
            if t is None or key.zone not in self.zones:
                continue
            table[t, CAPACITY_TYPES.index(key.capacityType), self.zones.index(key.zone)] = np.inf
        return table


def _daemon_overhead(
    daemons: Iterable[PodRequest], labels: dict[str, str], taints: tuple[Taint, ...]
) -> Resources:
    """The daemonset pods that would land on the pool's nodes (they tolerate its taints and select it)."""
    total = Resources()
    for pod in daemons:
        if tolerates_all(pod.tolerations, taints) is not None:
            continue
        if any(
            labels.get(k) != v for k, v in pod.node_selector.items() if k not in TYPE_KEYS | OFFERING_KEYS
        ):
            continue
        total = total + pod.requests
    return total


def _limits(pool: NodePool) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, value in pool.spec.limits.items():
        if name == "cpu":
            out["cpu"] = cpu_millis(value)
        elif name in ("memory", "ephemeral-storage"):
            out[name] = memory_bytes(value)
        elif name == "pods":
            out["pods"] = int(value)
    return out


def compile_fleet(fleet: Fleet) -> CompiledFleet:
    types = tuple(fleet.instance_types)
    index = {it.name: i for i, it in enumerate(types)}
    labels = tuple(instance_labels(it) for it in types)
    zones = tuple(sorted({o.zone for o in fleet.offerings}))
    zone_index = {z: i for i, z in enumerate(zones)}
    price = np.full((len(types), len(CAPACITY_TYPES), len(zones)), np.inf)
    for o in fleet.offerings:
        t = index.get(o.instanceType)
        if t is not None and o.available:
            price[t, CAPACITY_TYPES.index(o.capacityType), zone_index[o.zone]] = o.price
    compiled = CompiledFleet(fleet, types, index, labels, zones, price, ())
    if fleet.node_overlays:
        apply_overlay_prices(compiled, fleet.node_overlays, TYPE_KEYS, OFFERING_KEYS)
    pools = []
    # A static NodePool (spec.replicas) keeps its own count of nodes and is never provisioned for pods.
    dynamic = [p for p in fleet.node_pools if not p.is_static]
    for rank, pool in enumerate(order_by_weight(dynamic)):
        pools.append(_compile_pool(compiled, pool, rank, fleet))
    compiled.pools = tuple(pools)
    return compiled


def _compile_pool(compiled: CompiledFleet, pool: NodePool, rank: int, fleet: Fleet) -> PoolModel:
    template = pool.spec.template
    class_name = template.spec.nodeClassRef.name
    node_class = fleet.node_classes.get(class_name)
    fixed = {LABEL_NODEPOOL: pool.name, LABEL_NODECLASS: class_name, **template.metadata.labels}
    requirements = Requirements.from_requirements(template.spec.requirements).intersect(
        Requirements.from_labels(fixed)
    )
    for key, value_set in requirements:
        value = value_set.single_value()
        if value is not None and key not in TYPE_KEYS | OFFERING_KEYS:
            fixed.setdefault(key, value)
    taints = tuple(template.spec.taints)
    daemon = _daemon_overhead(fleet.daemon_sets, fixed, taints)
    n = len(compiled.types)
    capacity = np.zeros((n, 4), dtype=np.int64)
    allocatable = np.zeros((n, 4), dtype=np.int64)
    mask = compiled.type_mask(requirements)
    cts, zones = compiled.offering_axes(requirements)
    problem = None
    if node_class is None:
        problem = f'its EC2NodeClass "{class_name}" does not exist'
        mask = np.zeros(n, dtype=bool)
    for t in np.flatnonzero(mask):
        res = node_resources(compiled.types[t], node_class)
        capacity[t] = res.capacity.vector()
        allocatable[t] = np.maximum((res.allocatable - daemon).vector(), 0)
    return PoolModel(
        pool=pool,
        rank=rank,
        node_class=node_class,
        requirements=requirements,
        labels=fixed,
        taints=taints,
        type_mask=mask,
        capacity_types=cts,
        zones=zones,
        capacity=capacity,
        allocatable=allocatable,
        daemon_overhead=daemon,
        limits=_limits(pool),
        problem=problem,
    )
