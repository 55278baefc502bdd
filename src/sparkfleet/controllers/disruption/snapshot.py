"""The snapshot `engine.disruption` decides on: the nodes of NodePools with their pods (daemonset pods
apart), and as in-flight room the NodeClaims not registered yet and the Nodes of no NodePool.

A node whose pods or labels do not parse is left out, so nothing is decided about it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime

from pydantic import ValidationError

from sparkfleet.api.karpenter import NodeClaimConditionType
from sparkfleet.api.placement import Taint
from sparkfleet.api.wire import (
    ANNOTATION_DISRUPTION,
    ANNOTATION_PRICE_PER_HOUR,
    ANNOTATION_SCHEDULED_CHANGE_AT,
    ANNOTATION_SPOT_INTERRUPTED_AT,
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_TYPE,
    LABEL_NODEPOOL,
    LABEL_ZONE,
    CapacityType,
)
from sparkfleet.clock import Clock
from sparkfleet.cluster import Obj
from sparkfleet.controllers.disruption.fleetstate import FleetState, meta, pod_id, read_time
from sparkfleet.controllers.support.conditions import condition_true
from sparkfleet.controllers.support.fleet import FleetView, PodRequestCache, existing_nodes, in_flight_nodes
from sparkfleet.controllers.support.offeringcache import OfferingCache
from sparkfleet.engine.disruption import DisruptionSnapshot, NodeState
from sparkfleet.engine.provisioning import (
    ExistingNode,
    PodRequest,
    Resources,
    is_daemonset_pod,
    resources_from_list,
)

__all__ = ["CLAIM_PREFIX", "build_snapshot"]

log = logging.getLogger("sparkfleet.controllers.disruption")

CLAIM_PREFIX = "disruption-"
"""How the replacement NodeClaims the engine plans are named."""
_CREATED = "metadata.creationTimestamp"
_INTERRUPTED_AT = f"metadata.annotations[{ANNOTATION_SPOT_INTERRUPTED_AT}]"
_SCHEDULED_CHANGE_AT = f"metadata.annotations[{ANNOTATION_SCHEDULED_CHANGE_AT}]"
C = NodeClaimConditionType


def build_snapshot(
    state: FleetState,
    view: FleetView,
    last_events: Mapping[str, datetime | None],
    now: datetime,
    *,
    requests: PodRequestCache,
    offerings: OfferingCache,
    clock: Clock,
) -> DisruptionSnapshot:
    """`last_events`: when each node's pods last changed; `clock` dates a node known by no timestamp."""
    states: list[NodeState] = []
    unmanaged: list[Obj] = []
    for name, node in state.nodes.items():
        claim = state.claims.get(state.claim_of_node.get(name, ""))
        labels = meta(node).get("labels") or {}
        if claim is None or not labels.get(LABEL_NODEPOOL):
            unmanaged.append(node)
            continue
        node_state = _node_state(name, node, claim, state, last_events.get(name), requests, clock)
        if node_state is not None:
            states.append(node_state)
    used = {
        meta(n).get("name", ""): _sum(
            requests.resources(p) for p in state.pods_by_node.get(meta(n).get("name", ""), [])
        )
        for n in unmanaged
    }
    unregistered = [c for c in state.claims.values() if not condition_true(c, C.REGISTERED)]
    in_flight: list[ExistingNode] = [
        *in_flight_nodes(unregistered, view),
        *existing_nodes(unmanaged, used),
    ]
    return DisruptionSnapshot(
        now=now,
        fleet=view.fleet,
        nodes=tuple(states),
        unavailable=offerings.snapshot(now),
        in_flight=tuple(in_flight),
        claim_prefix=CLAIM_PREFIX,
    )


def _node_state(
    name: str,
    node: Obj,
    claim: Obj,
    state: FleetState,
    last_event: datetime | None,
    requests: PodRequestCache,
    clock: Clock,
) -> NodeState | None:
    node_meta = meta(node)
    labels = node_meta.get("labels") or {}
    annotations = {**(meta(claim).get("annotations") or {}), **(node_meta.get("annotations") or {})}
    status = node.get("status") or {}
    pods: list[PodRequest] = []
    daemons = Resources()
    for pod in state.pods_by_node.get(name, []):
        if is_daemonset_pod(pod):
            daemons = daemons + requests.resources(pod)
            continue
        request = requests.get(pod)
        if request is None:
            log.warning("pod %s does not parse; node %s is left alone", pod_id(pod), name)
            return None
        pods.append(request)
    try:
        taints = tuple(Taint.model_validate(t) for t in (node.get("spec") or {}).get("taints") or [])
        price = float(annotations.get(ANNOTATION_PRICE_PER_HOUR) or 0.0)
        capacity_type = CapacityType(labels.get(LABEL_CAPACITY_TYPE, CapacityType.ON_DEMAND))
    except (ValidationError, ValueError) as exc:
        log.warning("node %s is left alone: %s", name, exc)
        return None
    created = read_time(meta(claim).get("creationTimestamp"), _CREATED)
    created = created or read_time(node_meta.get("creationTimestamp"), _CREATED)
    return NodeState(
        name=name,
        node_pool=labels[LABEL_NODEPOOL],
        instance_type=labels.get(LABEL_INSTANCE_TYPE, ""),
        capacity_type=capacity_type,
        zone=labels.get(LABEL_ZONE, ""),
        price=price,
        created_at=created or clock.now(),
        allocatable=resources_from_list(status.get("allocatable") or {}),
        labels=labels,
        annotations=annotations,
        taints=taints,
        pods=tuple(pods),
        daemon_set_requests=daemons,
        capacity=resources_from_list(status.get("capacity") or {}),
        last_pod_event_at=last_event,
        initialized=condition_true(claim, C.INITIALIZED),
        deleting=ANNOTATION_DISRUPTION in (node_meta.get("annotations") or {}),
        interrupted_at=read_time(annotations.get(ANNOTATION_SPOT_INTERRUPTED_AT), _INTERRUPTED_AT),
        scheduled_change_at=read_time(annotations.get(ANNOTATION_SCHEDULED_CHANGE_AT), _SCHEDULED_CHANGE_AT),
    )


def _sum(amounts: Iterable[Resources]) -> Resources:
    total = Resources()
    for amount in amounts:
        total = total + amount
    return total
