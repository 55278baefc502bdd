"""Karpenter's state metrics, read from the fleet as it is: pods (karpenter_pods_state and the startup and
bound durations), NodePool usage, limits and allowed disruptions, and cluster utilization.

Karpenter computes these in metrics controllers that look at its cluster state every 5-10 s; here the
disruption controller, which reads the whole fleet every pass, hands it to `FleetMetrics.observe`.
A pod's startup (creation to Ready) and bound (creation to PodScheduled) durations are observed once per
pod, when a pass first sees the condition true, and only for conditions that turned true after this
process began observing (a restarted controller does not count the fleet's old pods again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sparkfleet.api.karpenter import DisruptionReason, NodePool
from sparkfleet.api.quantity import parse_quantity
from sparkfleet.api.timefmt import TimestampError, parse_optional_rfc3339
from sparkfleet.api.wire import (
    LABEL_ARCH,
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_TYPE,
    LABEL_NODEPOOL,
    LABEL_ZONE,
)
from sparkfleet.controllers.support.conditions import conditions_of, meta_of
from sparkfleet.controllers.support.karpentermetrics import KarpenterMetrics
from sparkfleet.controllers.support.statemetrics import LabelValues
from sparkfleet.engine.disruption import DisruptionSnapshot, allowed_disruptions
from sparkfleet.engine.provisioning import Resources, is_terminal, resources_from_list

__all__ = ["FleetMetrics", "pod_state_labels", "resource_type"]

Obj = dict[str, Any]
CPU = "cpu"


def resource_type(name: str) -> str:
    """Karpenter's resource_type label: the resource name in lower case, `-` as `_`."""
    return name.lower().replace("-", "_")


def _amount(name: str, value: float) -> float:
    """Karpenter's unit: cpu in cores (the engine counts millicores), the rest as they are."""
    return value / 1000 if name == CPU else value


def _time(value: object, field: str) -> datetime | None:
    """A timestamp, or None when it is missing or malformed (a metric is not worth failing a pass)."""
    try:
        return parse_optional_rfc3339(value if isinstance(value, str) else None, field=field)
    except TimestampError:
        return None


def _condition_since(pod: Obj, kind: str) -> datetime | None:
    """When condition `kind` turned true (None while it is not, or when its time is unreadable)."""
    for cond in conditions_of(pod):
        if cond.get("type") == kind and cond.get("status") == "True":
            return _time(cond.get("lastTransitionTime"), f"condition {kind}")
    return None


def _is_true(pod: Obj, kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in conditions_of(pod))


def _owner(pod: Obj, namespace: str) -> str:
    """The self link of the pod's first owner, as Karpenter builds it."""
    refs = meta_of(pod).get("ownerReferences") or []
    if not refs:
        return ""
    ref = refs[0]
    kind = str(ref.get("kind", "")).lower()
    return f"/apis/{ref.get('apiVersion', '')}/namespaces/{namespace}/{kind}s/{ref.get('name', '')}"


def pod_state_labels(pod: Obj, nodes: Mapping[str, Obj]) -> LabelValues:
    """karpenter_pods_state's label values for `pod` (in POD_LABELS order)."""
    meta = meta_of(pod)
    namespace = str(meta.get("namespace") or "")
    node_name = str((pod.get("spec") or {}).get("nodeName") or "")
    node_labels = meta_of(nodes.get(node_name) or {}).get("labels") or {}
    pool = str(node_labels.get(LABEL_NODEPOOL, ""))
    return (
        str(meta.get("name") or ""),
        namespace,
        _owner(pod, namespace),
        node_name,
        "true" if node_name else "false",
        pool,
        str(node_labels.get(LABEL_ZONE, "")),
        str(node_labels.get(LABEL_ARCH, "")),
        str(node_labels.get(LABEL_CAPACITY_TYPE, "")),
        str(node_labels.get(LABEL_INSTANCE_TYPE, "")),
        str((pod.get("status") or {}).get("phase") or ""),
        "true" if _is_true(pod, "Ready") else "false",
        "true" if pool else "false",
    )


def _resource_samples(pool: str, amounts: Mapping[str, float]) -> dict[LabelValues, float]:
    return {(resource_type(name), pool): _amount(name, value) for name, value in amounts.items()}


class FleetMetrics:
    """Refreshes the state metrics of `metrics` from one look at the fleet."""

    def __init__(self, metrics: KarpenterMetrics) -> None:
        self.metrics = metrics
        self._since: datetime | None = None
        self._ready_seen: set[str] = set()
        self._bound_seen: set[str] = set()

    def observe(
        self,
        pods: Sequence[Obj],
        nodes: Mapping[str, Obj],
        pools: Iterable[NodePool],
        usage: Mapping[str, Resources],
        requests: Callable[[Obj], Resources],
        snapshot: DisruptionSnapshot,
    ) -> None:
        """`pods`: every pod; `nodes`: by name; `usage`: what each pool's claims hold (support.fleet.
        pool_usage); `requests`: a bound pod's requests; `snapshot`: the disruption pass's nodes."""
        m = self.metrics
        m.pods_state.replace({pod_state_labels(pod, nodes): 1.0 for pod in pods})
        self._durations(pods, snapshot.now)
        limits: dict[LabelValues, float] = {}
        used: dict[LabelValues, float] = {}
        for pool in pools:
            quantities = {k: float(parse_quantity(v)) for k, v in pool.spec.limits.items()}
            limits.update(
                {(resource_type(k), pool.name): v for k, v in quantities.items()}  # cpu already in cores
            )
            amounts = usage.get(pool.name, Resources()).as_dict()
            used.update(_resource_samples(pool.name, {k: float(v) for k, v in amounts.items()}))
        m.nodepools_limit.replace(limits)
        m.nodepools_usage.replace(used)
        m.nodepools_allowed_disruptions.replace(self._allowed(snapshot))
        m.cluster_utilization.replace(self._utilization(pods, nodes, requests))

    def _durations(self, pods: Sequence[Obj], now: datetime) -> None:
        since = self._since
        if since is None:
            self._since = since = now
        live: set[str] = set()
        for pod in pods:
            meta = meta_of(pod)
            uid = str(meta.get("uid") or "")
            live.add(uid)
            created = _time(meta.get("creationTimestamp"), "metadata.creationTimestamp")
            if created is None:
                continue
            for kind, seen, observe in (
                ("Ready", self._ready_seen, self.metrics.pods_startup_duration.observe),
                ("PodScheduled", self._bound_seen, self.metrics.pods_bound_duration.observe),
            ):
                at = _condition_since(pod, kind)
                if at is None or uid in seen:
                    continue
                seen.add(uid)
                if at >= since:
                    observe(max((at - created).total_seconds(), 0.0))
        self._ready_seen &= live
        self._bound_seen &= live

    @staticmethod
    def _allowed(snapshot: DisruptionSnapshot) -> dict[LabelValues, float]:
        counts: dict[str, int] = {}
        for node in snapshot.nodes:
            counts[node.node_pool] = counts.get(node.node_pool, 0) + 1
        samples: dict[LabelValues, float] = {}
        for pool in snapshot.fleet.node_pools:
            for reason in DisruptionReason:
                allowed = allowed_disruptions(pool, reason, counts.get(pool.name, 0), 0, snapshot.now)
                samples[(pool.name, str(reason))] = float(allowed)
        return samples

    @staticmethod
    def _utilization(
        pods: Sequence[Obj], nodes: Mapping[str, Obj], requests: Callable[[Obj], Resources]
    ) -> dict[LabelValues, float]:
        allocatable = Resources()
        for node in nodes.values():
            allocatable += resources_from_list((node.get("status") or {}).get("allocatable") or {})
        used = Resources()
        for pod in pods:
            if (pod.get("spec") or {}).get("nodeName") in nodes and not is_terminal(pod):
                used = used + requests(pod)
        totals, requested = allocatable.as_dict(), used.as_dict()
        return {
            (resource_type(name),): 100.0 * requested[name] / total
            for name, total in totals.items()
            if total > 0
        }
