"""Karpenter's Prometheus metrics (kubernetes-sigs/karpenter pkg/metrics, pkg/controllers/metrics/{pod,
nodepool,node}, provisioning/scheduling, disruption), fed by the provisioner, NodeClaim and disruption
controllers.

Names, types and label names are Karpenter's. Counters and the scheduling figures are counted where the
decision is taken: the provisioner creates claims (reason `provisioned`) and times its plans, disruption
creates replacements (reason: the disruption's), disrupts claims and times its passes, the NodeClaim
controller finalizes claims (`terminated`). The state figures (pods, NodePool usage and limits, cluster
utilization, allowed disruptions) are read from the fleet on every disruption pass (`observe_fleet`), as
Karpenter's metrics controllers read its cluster state every few seconds (fleetmetrics.py).

Label values follow Karpenter: reasons in snake case, resource types in lower case with `_` for `-`,
cpu in cores and everything else in its base unit. A spot interruption counts as `spot_interrupted`,
as the AWS provider's interruption controller reports it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Summary

from sparkfleet.api.karpenter import NodePool
from sparkfleet.controllers.support.statemetrics import StateGauge
from sparkfleet.engine.disruption import DisruptionDecision, DisruptionSnapshot, Method

__all__ = ["DURATION_BUCKETS", "POD_LABELS", "KarpenterMetrics", "snake_case"]

DURATION_BUCKETS = (
    *(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
    *(1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60),
    *(120, 150, 300, 450, 600),
)
"""Karpenter's metrics.DurationBuckets()."""
POD_LABELS = (
    "name",
    "namespace",
    "owner",
    "node",
    "scheduled",
    "nodepool",
    "zone",
    "arch",
    "capacity_type",
    "instance_type",
    "phase",
    "ready",
    "managed",
)
"""karpenter_pods_state's labels, in Karpenter's order."""
PROVISIONER = "provisioner"
DISRUPTION = "disruption"
"""The `controller` label values: Karpenter's controller names for the two that run scheduling."""

_DISRUPTED_REASON = {
    Method.INTERRUPTION: "spot_interrupted",
    Method.EXPIRATION: "expired",
    Method.EMPTINESS: "empty",
    Method.MULTI_NODE_CONSOLIDATION: "underutilized",
    Method.SINGLE_NODE_CONSOLIDATION: "underutilized",
}
_CONSOLIDATION = frozenset({Method.MULTI_NODE_CONSOLIDATION, Method.SINGLE_NODE_CONSOLIDATION})


def snake_case(text: str) -> str:
    """`WhenEmptyOrUnderutilized` -> `when_empty_or_underutilized` (Karpenter's pretty.ToSnakeCase)."""
    out = []
    for i, ch in enumerate(text):
        if ch.isupper() and i > 0 and (text[i - 1].islower() or text[i - 1].isdigit()):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def termination_mode(pool: NodePool | None) -> str:
    """Karpenter's DisruptionTerminationMode, read from the pool's template (its claims carry it)."""
    grace = pool.spec.template.spec.terminationGracePeriod if pool is not None else None
    if grace is None:
        return "graceful"
    return "forceful" if grace.strip("0smh") == "" else "eventual"


class KarpenterMetrics:
    """Every karpenter_* metric this node provisioner has, on `registry`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.nodeclaims_created = Counter(
            "karpenter_nodeclaims_created_total",
            "Number of nodeclaims created in total by Karpenter. Labeled by reason the nodeclaim was "
            "created, the owning nodepool, and if min values was relaxed for this nodeclaim.",
            ["reason", "nodepool", "min_values_relaxed"],
            registry=registry,
        )
        self.nodeclaims_terminated = Counter(
            "karpenter_nodeclaims_terminated_total",
            "Number of nodeclaims terminated in total by Karpenter. Labeled by the owning nodepool, "
            "capacity type, and zone.",
            ["nodepool", "capacity_type", "zone"],
            registry=registry,
        )
        self.nodeclaims_disrupted = Counter(
            "karpenter_nodeclaims_disrupted_total",
            "Number of nodeclaims disrupted in total by Karpenter. Labeled by reason the nodeclaim was "
            "disrupted, the owning nodepool, the capacity type, the consolidation policy, and the "
            "termination mode.",
            ["reason", "nodepool", "capacity_type", "consolidation_policy", "termination_mode"],
            registry=registry,
        )
        self.pods_state = StateGauge(
            "karpenter_pods_state",
            "Pod state is the current state of pods. This metric can be used several ways as it is labeled "
            "by the pod name, namespace, owner, node, nodepool name, zone, architecture, capacity type, "
            "instance type, pod phase, and pod readiness.",
            POD_LABELS,
            registry,
        )
        self.pods_startup_duration = Summary(
            "karpenter_pods_startup_duration_seconds",
            "The time from pod creation until the pod is running.",
            registry=registry,
        )
        self.pods_bound_duration = Histogram(
            "karpenter_pods_bound_duration_seconds",
            "The time from pod creation until the pod is bound.",
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self.nodepools_usage = StateGauge(
            "karpenter_nodepools_usage",
            "The amount of resources that have been provisioned for a nodepool. Labeled by nodepool name "
            "and resource type.",
            ["resource_type", "nodepool"],
            registry,
        )
        self.nodepools_limit = StateGauge(
            "karpenter_nodepools_limit",
            "Limits specified on the nodepool that restrict the quantity of resources provisioned. Labeled "
            "by nodepool name and resource type.",
            ["resource_type", "nodepool"],
            registry,
        )
        self.nodepools_allowed_disruptions = StateGauge(
            "karpenter_nodepools_allowed_disruptions",
            "The number of nodes for a given NodePool that can be concurrently disrupting at a point in "
            "time. Labeled by NodePool.",
            ["nodepool", "reason"],
            registry,
        )
        self.scheduling_duration = Histogram(
            "karpenter_scheduler_scheduling_duration_seconds",
            "Duration of scheduling simulations used for deprovisioning and provisioning in seconds.",
            ["controller"],
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self.queue_depth = Gauge(
            "karpenter_scheduler_queue_depth",
            "The number of pods currently waiting to be scheduled.",
            ["controller", "scheduling_id"],
            registry=registry,
        )
        self.unschedulable_pods = Gauge(
            "karpenter_scheduler_unschedulable_pods_count",
            "The number of unschedulable Pods.",
            ["controller"],
            registry=registry,
        )
        self.cluster_utilization = StateGauge(
            "karpenter_cluster_utilization_percent",
            "Utilization of allocatable resources by pod requests",
            ["resource_type"],
            registry,
        )

    # -- the provisioner --------------------------------------------------------------------------------
    def claim_created(self, reason: str, nodepool: str) -> None:
        """A NodeClaim written (this planner never relaxes minValues)."""
        self.nodeclaims_created.labels(reason, nodepool, "false").inc()

    def round_opened(self, round_id: str, pods: int, seconds: float) -> None:
        """A provisioning round planned `pods` pods in `seconds`; they wait while its claims launch."""
        self.scheduling_duration.labels(PROVISIONER).observe(seconds)
        self.queue_depth.labels(PROVISIONER, round_id).set(pods)

    def round_finished(self, round_id: str, unschedulable: int) -> None:
        """The round is over (Karpenter drops a solve's queue depth when the solve ends)."""
        with contextlib.suppress(KeyError):
            self.queue_depth.remove(PROVISIONER, round_id)
        self.unschedulable_pods.labels(PROVISIONER).set(unschedulable)

    # -- the NodeClaim controller -----------------------------------------------------------------------
    def claim_terminated(self, nodepool: str, capacity_type: str, zone: str) -> None:
        self.nodeclaims_terminated.labels(nodepool, capacity_type, zone).inc()

    # -- disruption -------------------------------------------------------------------------------------
    def disruption_pass(
        self,
        snapshot: DisruptionSnapshot,
        decision: DisruptionDecision,
        pools: Mapping[str, NodePool],
        seconds: float,
    ) -> None:
        """One pass: its duration, every claim it disrupts, and the replacements it creates."""
        self.scheduling_duration.labels(DISRUPTION).observe(seconds)
        nodes = {node.name: node for node in snapshot.nodes}
        for action in decision.actions:
            reason = _DISRUPTED_REASON[action.method]
            for name in action.nodes:
                node = nodes.get(name)
                if node is None:
                    continue
                pool = pools.get(node.node_pool)
                policy = ""
                if action.method in _CONSOLIDATION and pool is not None:
                    policy = snake_case(pool.spec.disruption.consolidationPolicy)
                self.nodeclaims_disrupted.labels(
                    reason, node.node_pool, node.capacity_type, policy, termination_mode(pool)
                ).inc()
            for replacement in action.replacements:
                self.claim_created(reason, replacement.node_pool)
