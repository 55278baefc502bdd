"""Which nodes graceful disruption (emptiness, consolidation) may touch, and why the others are left alone.

A node is a candidate when it is initialized, not already being disrupted or interrupted, its NodePool
exists and allows the method (`WhenEmpty` only empties), it has been quiet for the pool's
`consolidateAfter` (never for `Never`), and nothing protects it: no `karpenter.sh/do-not-disrupt: "true"`
on the node or on any of its pods, and, beyond Karpenter, no running Spark driver or executor (a pod
with the `spark-role` label): consolidation never evicts a Spark job's pods. Empty nodes have no pods,
so only the node-level protections apply to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sparkfleet.api.karpenter import ConsolidationPolicy, NodePool
from sparkfleet.engine.disruption.model import Blocked, DisruptionSnapshot, NodeState


@dataclass(frozen=True)
class Candidates:
    empty: tuple[NodeState, ...]
    underutilized: tuple[NodeState, ...]
    blocked: tuple[Blocked, ...]


def protection(node: NodeState) -> str | None:
    """Why the node's pods may not be evicted by consolidation, or None."""
    if node.do_not_disrupt:
        return 'the node is annotated karpenter.sh/do-not-disrupt: "true"'
    for pod in node.pods:
        if pod.do_not_disrupt:
            return f'pod {pod.id} is annotated karpenter.sh/do-not-disrupt: "true"'
    for pod in node.pods:
        if pod.spark_role is not None:
            return (
                f"Spark {pod.spark_role} {pod.id} is running (Spark pods are never evicted by consolidation)"
            )
    return None


def find_candidates(snapshot: DisruptionSnapshot, handled: set[str]) -> Candidates:
    pools = {p.name: p for p in snapshot.fleet.node_pools}
    empty: list[NodeState] = []
    under: list[NodeState] = []
    blocked: list[Blocked] = []
    for node in snapshot.nodes:
        if node.name in handled or node.deleting or node.interrupted or not node.initialized:
            continue
        pool = pools.get(node.node_pool)
        if pool is None:
            blocked.append(Blocked(node.name, f"its NodePool {node.node_pool} does not exist"))
            continue
        why = _not_yet(pool, node, snapshot)
        if why:
            blocked.append(Blocked(node.name, why))
            continue
        if node.do_not_disrupt:
            blocked.append(Blocked(node.name, 'the node is annotated karpenter.sh/do-not-disrupt: "true"'))
            continue
        if not node.pods:
            empty.append(node)
            continue
        if pool.spec.disruption.consolidationPolicy == ConsolidationPolicy.WHEN_EMPTY:
            continue  # Balanced, like WhenEmptyOrUnderutilized, consolidates underutilized nodes too
        reason = protection(node)
        if reason:
            blocked.append(Blocked(node.name, reason))
            continue
        under.append(node)
    return Candidates(tuple(empty), tuple(under), tuple(blocked))


def _not_yet(pool: NodePool, node: NodeState, snapshot: DisruptionSnapshot) -> str | None:
    after = pool.consolidate_after_seconds()
    if after is None:
        return "its NodePool's consolidateAfter is Never"
    since = node.last_pod_event_at or node.created_at
    if snapshot.now - since < timedelta(seconds=float(after)):
        wait = pool.spec.disruption.consolidateAfter
        return f"consolidateAfter {wait} has not passed since its last pod change"
    return None
