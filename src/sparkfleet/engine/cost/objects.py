"""Cost snapshots from stored objects: Nodes with their price and capacity type, the pods bound to them.

A node's price is its `sparkfleet.io/price-per-hour` annotation (the launched offering's, written by the
NodeClaim controller); a node without one (not launched by sparkfleet, or not yet priced) is left out,
and the pods on it cost nothing. A pod holds its room from its binding until it ends (Succeeded or
Failed) or goes; its application is its `sparkoperator.k8s.io/app-name` label, a placeholder's is the
application whose pods carry the placeholder's YuniKorn application id.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from sparkfleet.api.podrequests import pod_requests, resource_amounts
from sparkfleet.api.wire import (
    ANNOTATION_PRICE_PER_HOUR,
    LABEL_APP_NAME,
    LABEL_CAPACITY_TYPE,
    LABEL_NODEPOOL,
)
from sparkfleet.engine.cost.model import CostNode, CostPod, CostSnapshot
from sparkfleet.engine.scheduling import app_id_of, is_placeholder, queue_of

__all__ = ["ENDED", "cost_node", "snapshot_from_objects"]

Obj = Mapping[str, Any]
ENDED = frozenset({"Succeeded", "Failed"})


def _meta(obj: Obj) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def cost_node(obj: Obj) -> CostNode | None:
    """The node as the cost engine sees it; None when it has no valid price."""
    meta = _meta(obj)
    labels = meta.get("labels") or {}
    raw = (meta.get("annotations") or {}).get(ANNOTATION_PRICE_PER_HOUR)
    try:
        price = float(raw) if raw is not None else math.nan
        allocatable = resource_amounts((obj.get("status") or {}).get("allocatable") or {})
    except (TypeError, ValueError):
        return None
    if not math.isfinite(price) or price < 0:
        return None
    return CostNode(
        name=str(meta.get("name") or ""),
        price_per_hour=price,
        capacity_type=str(labels.get(LABEL_CAPACITY_TYPE) or ""),
        node_pool=str(labels.get(LABEL_NODEPOOL) or ""),
        allocatable=allocatable,
    )


def snapshot_from_objects(
    nodes: Iterable[Obj], pods: Iterable[Obj], queues: Mapping[str, str] | None = None
) -> CostSnapshot:
    """The snapshot of `nodes` and `pods`; `queues` maps a YuniKorn application id to the queue the
    scheduler placed it in (a pod's own queue label stands in for an id the scheduler has not placed)."""
    priced = [n for n in (cost_node(o) for o in nodes) if n is not None]
    known = {n.name for n in priced}
    bound = []
    names: dict[tuple[str, str], str] = {}
    for obj in pods:
        meta = _meta(obj)
        node = (obj.get("spec") or {}).get("nodeName")
        phase = (obj.get("status") or {}).get("phase")
        namespace = str(meta.get("namespace") or "default")
        labels = meta.get("labels") or {}
        annotations = meta.get("annotations") or {}
        app_id = app_id_of(labels, annotations, namespace)
        if labels.get(LABEL_APP_NAME):
            names.setdefault((namespace, app_id), str(labels[LABEL_APP_NAME]))
        if node in known and phase not in ENDED:
            bound.append((obj, meta, namespace, app_id, str(node)))
    out = []
    for obj, meta, namespace, app_id, node in bound:
        labels = meta.get("labels") or {}
        annotations = meta.get("annotations") or {}
        try:
            requests = pod_requests(obj.get("spec") or {})
        except (TypeError, ValueError):
            continue
        queue = (queues or {}).get(app_id) or queue_of(labels, annotations) or ""
        out.append(
            CostPod(
                namespace=namespace,
                name=str(meta.get("name") or ""),
                node=node,
                requests=requests,
                application=str(labels.get(LABEL_APP_NAME) or names.get((namespace, app_id), "")),
                queue=queue,
                placeholder=is_placeholder(labels, annotations),
            )
        )
    return CostSnapshot(nodes=tuple(priced), pods=tuple(out))
