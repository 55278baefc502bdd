"""What the node-provisioning controllers share: the fleet, the capacity already there, the Events' source,
and `FleetReconciler`, the ports and state the provisioner and disruption both hold.

The fleet is the store's NodePools and EC2NodeClasses with the cloud's instance types and offerings,
rebuilt only when one of them changed. Capacity: registered Nodes that take new pods, with their room left
after the pods bound to them, and NodeClaims not registered yet as the node each will become (the
launched offering, else the planned one), which also count against their NodePools' limits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar

from pydantic import ValidationError

from sparkfleet.api.ec2nodeclass import EC2NodeClass
from sparkfleet.api.instancetypes import InstanceType
from sparkfleet.api.karpenter import NodeClaim, NodeClaimConditionType, NodeOverlay, NodePool
from sparkfleet.api.placement import Taint
from sparkfleet.api.pod import Pod
from sparkfleet.api.wire import (
    ANNOTATION_PLANNED_CAPACITY_TYPE,
    ANNOTATION_PLANNED_INSTANCE_TYPE,
    ANNOTATION_PLANNED_ZONE,
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_TYPE,
    LABEL_NODEPOOL,
    LABEL_ZONE,
    TAINT_DISRUPTED,
    CapacityType,
)
from sparkfleet.clock import Clock
from sparkfleet.cloud import Cloud
from sparkfleet.cluster import Cluster, Obj
from sparkfleet.controllers.support.karpentermetrics import KarpenterMetrics
from sparkfleet.controllers.support.offeringcache import OfferingCache
from sparkfleet.engine.provisioning import (
    ExistingNode,
    Fleet,
    NodeFacts,
    PodRequest,
    Requirements,
    Resources,
    gang_of,
    node_facts,
    resources_from_list,
)

__all__ = [
    "COMPONENT",
    "FleetReconciler",
    "FleetSource",
    "FleetView",
    "PodRequestCache",
    "claim_facts",
    "existing_nodes",
    "in_flight_nodes",
    "pool_usage",
    "versions",
]

log = logging.getLogger("sparkfleet.controllers.provisioner")

COMPONENT = "karpenter"
"""The source component of the Events the provisioner, disruption and the NodeClaim controller record."""
_M = TypeVar("_M", NodePool, EC2NodeClass, NodeOverlay)


def _meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


# --- the fleet --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FleetView:
    """A Fleet and lookups into it by name."""

    fleet: Fleet
    pools: Mapping[str, NodePool]
    classes: Mapping[str, EC2NodeClass]
    types: Mapping[str, InstanceType]


class FleetSource:
    """The Fleet from the store (NodePools, EC2NodeClasses) and the cloud (instance types, offerings).

    Rebuilt only when a NodePool, a node class or an offering changed.
    """

    def __init__(self, cluster: Cluster, cloud: Cloud) -> None:
        self.cluster = cluster
        self.cloud = cloud
        self._lock = threading.Lock()
        self._types: tuple[InstanceType, ...] | None = None
        self._key: tuple[object, ...] | None = None
        self._view: FleetView | None = None

    def view(self) -> FleetView:
        with self._lock:
            if self._types is None:
                self._types = tuple(self.cloud.instance_types())
            pool_objs = self.cluster.list("NodePool").items
            class_objs = self.cluster.list("EC2NodeClass").items
            overlay_objs = self.cluster.list("NodeOverlay").items
            offerings = tuple(self.cloud.offerings(self.cloud.region))
            key = (versions(pool_objs), versions(class_objs), versions(overlay_objs), offerings)
            if self._view is not None and key == self._key:
                return self._view
            pools = {p.name: p for p in _parse(pool_objs, NodePool)}
            classes = {c.metadata.name or "": c for c in _parse(class_objs, EC2NodeClass)}
            overlays = tuple(_parse(overlay_objs, NodeOverlay))
            fleet = Fleet(
                tuple(pools.values()),
                MappingProxyType(classes),
                self._types,
                offerings,
                node_overlays=overlays,
            )
            types = {it.name: it for it in self._types}
            self._view = FleetView(fleet, MappingProxyType(pools), MappingProxyType(classes), types)
            self._key = key
            return self._view


def versions(objs: Sequence[Obj]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((_meta(o).get("name", ""), _meta(o).get("resourceVersion", "")) for o in objs))


def _parse(objs: Sequence[Obj], model: type[_M]) -> list[_M]:
    out = []
    for obj in objs:
        try:
            out.append(model.model_validate(obj))
        except ValidationError as exc:
            log.warning("%s %s does not parse; left out: %s", model.__name__, _meta(obj).get("name"), exc)
    return out


# --- pods ---------------------------------------------------------------------------------------


class PodRequestCache:
    """PodRequest per pod, kept while the pod's generation (its spec) is unchanged: pods are parsed once,
    not once per round."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[object, PodRequest]] = {}

    def get(self, pod: Obj) -> PodRequest | None:
        meta = _meta(pod)
        uid = str(meta.get("uid") or "")
        version = (meta.get("generation"), meta.get("resourceVersion") if not uid else None)
        cached = self._cache.get(uid)
        if cached is not None and cached[0] == version and uid:
            return cached[1]
        try:
            request = PodRequest.from_pod(Pod.model_validate(pod), gang=gang_of(pod))
        except ValidationError as exc:
            log.warning("pod %s/%s does not parse: %s", meta.get("namespace"), meta.get("name"), exc)
            return None
        if uid:
            self._cache[uid] = (version, request)
        return request

    def resources(self, pod: Obj) -> Resources:
        """What a bound pod holds on its node (an unparseable pod holds nothing)."""
        request = self.get(pod)
        return request.requests if request is not None else Resources()

    def keep(self, pods: Iterable[Obj]) -> None:
        """Forget every pod but these."""
        live = {str(_meta(p).get("uid") or "") for p in pods}
        for uid in [u for u in self._cache if u not in live]:
            del self._cache[uid]


# --- the reconcilers over the fleet ----------------------------------------------------------------


@dataclass(eq=False, repr=False)
class FleetReconciler:
    """What the provisioner and disruption hold alike: the store, the clock, the fleet, the unavailable
    offerings, the Events' source, Karpenter's metrics (when kept), a lock that serialises their passes,
    and the pods parsed once.

    A dataclass so that each adds its own state as fields and the constructor is written once; `eq=False`
    keeps identity equality and hashing, as a reconciler is a live object, not a value.
    """

    cluster: Cluster
    clock: Clock
    fleets: FleetSource
    offerings: OfferingCache
    _: KW_ONLY
    component: str = COMPONENT
    metrics: KarpenterMetrics | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _requests: PodRequestCache = field(default_factory=PodRequestCache, init=False)


# --- existing and in-flight capacity ----------------------------------------------------------------


def _taints(items: Iterable[Mapping[str, Any]]) -> tuple[Taint, ...]:
    return tuple(Taint.model_validate(t) for t in items)


def _ready(node: Obj) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (node.get("status") or {}).get("conditions") or []
    )


def existing_nodes(nodes: Sequence[Obj], used: Mapping[str, Resources]) -> list[ExistingNode]:
    """Registered Nodes that take new pods (Ready, not cordoned or being disrupted), with their free room."""
    out = []
    for node in nodes:
        meta = _meta(node)
        spec = node.get("spec") or {}
        taints = spec.get("taints") or []
        if spec.get("unschedulable") or not _ready(node) or meta.get("deletionTimestamp"):
            continue
        if any(t.get("key") == TAINT_DISRUPTED for t in taints):
            continue
        name = meta.get("name", "")
        labels = meta.get("labels") or {}
        allocatable = resources_from_list((node.get("status") or {}).get("allocatable") or {})
        out.append(
            ExistingNode(
                name=name,
                labels=labels,
                free=allocatable - used.get(name, Resources()),
                taints=_taints(taints),
                node_pool=labels.get(LABEL_NODEPOOL),
            )
        )
    return out


def claim_facts(claim: NodeClaim, view: FleetView) -> NodeFacts | None:
    """The node an in-flight claim becomes: the launched offering, else the planned one."""
    meta = claim.metadata
    labels, annotations = meta.labels, meta.annotations
    type_name = labels.get(LABEL_INSTANCE_TYPE) or annotations.get(ANNOTATION_PLANNED_INSTANCE_TYPE)
    zone = labels.get(LABEL_ZONE) or annotations.get(ANNOTATION_PLANNED_ZONE)
    capacity_type = labels.get(LABEL_CAPACITY_TYPE) or annotations.get(ANNOTATION_PLANNED_CAPACITY_TYPE)
    pool = view.pools.get(labels.get(LABEL_NODEPOOL, ""))
    it = view.types.get(type_name or "")
    if pool is None or it is None or not zone or capacity_type not in tuple(CapacityType):
        return None
    node_class = view.classes.get(claim.spec.nodeClassRef.name)
    requirements = Requirements.from_requirements(claim.spec.requirements)
    return node_facts(pool, node_class, it, zone, CapacityType(capacity_type), requirements)


def _claims(objs: Sequence[Obj]) -> list[tuple[Obj, NodeClaim]]:
    out = []
    for obj in objs:
        try:
            out.append((obj, NodeClaim.model_validate(obj)))
        except ValidationError as exc:
            log.warning("NodeClaim %s does not parse: %s", _meta(obj).get("name"), exc)
    return out


def in_flight_nodes(claims: Sequence[Obj], view: FleetView) -> list[ExistingNode]:
    """NodeClaims not registered yet, as the node each will become (no pod is bound to them yet)."""
    out = []
    for _obj, claim in _claims(claims):
        if claim.is_true(NodeClaimConditionType.REGISTERED):
            continue
        facts = claim_facts(claim, view)
        if facts is None:
            continue
        out.append(
            ExistingNode(
                name=claim.metadata.name or "",
                labels=facts.labels,
                free=facts.allocatable,
                taints=tuple(claim.spec.taints),
                node_pool=facts.node_pool,
                in_flight=True,
            )
        )
    return out


def pool_usage(claims: Sequence[Obj], view: FleetView) -> dict[str, Resources]:
    """What each NodePool's claims count against its limits (their capacity, launched or planned)."""
    usage: dict[str, Resources] = {}
    for obj, claim in _claims(claims):
        pool = claim.metadata.labels.get(LABEL_NODEPOOL, "")
        capacity = (obj.get("status") or {}).get("capacity")
        if capacity:
            amount = resources_from_list(capacity)
        else:
            facts = claim_facts(claim, view)
            if facts is None:
                continue
            amount = facts.capacity
        usage[pool] = usage.get(pool, Resources()) + amount
    return usage
