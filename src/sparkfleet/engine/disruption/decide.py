"""`disrupt(snapshot) -> DisruptionDecision`: what to take away from the fleet now, and why.

Order of a pass (Karpenter runs one graceful method per pass):
1. spot interruptions (forceful, no budget): drain, mark the offering unavailable, replace;
2. expiration (forceful, no budget): cordon, evict all but protected pods, replace;
3. emptiness: empty candidate nodes, within each pool's budget for reason Empty;
4. multi-node consolidation, else 5. single-node consolidation, within budgets for Underutilized.
Candidates and the protections that exclude nodes are in `candidates`; every node left alone for a
reason is reported in `blocked` (with a DisruptionBlocked event).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sparkfleet.api.karpenter import DisruptionReason, NodePool
from sparkfleet.api.wire import EventType
from sparkfleet.engine.disruption.budgets import allowed_disruptions
from sparkfleet.engine.disruption.candidates import find_candidates
from sparkfleet.engine.disruption.consolidation import multi_node, single_node
from sparkfleet.engine.disruption.forceful import expiration, interruption
from sparkfleet.engine.disruption.model import (
    Blocked,
    DisruptionAction,
    DisruptionDecision,
    DisruptionSnapshot,
    Method,
    NodeState,
)
from sparkfleet.engine.provisioning.model import PlanEvent


def _within_budgets(
    snapshot: DisruptionSnapshot,
    pools: dict[str, NodePool],
    nodes: Sequence[NodeState],
    reason: DisruptionReason,
    blocked: list[Blocked],
) -> list[NodeState]:
    """The nodes, in order, that each pool's budget for `reason` still lets go."""
    totals = Counter(n.node_pool for n in snapshot.nodes)
    disrupting = Counter(n.node_pool for n in snapshot.nodes if n.deleting)
    left = {
        name: allowed_disruptions(pool, reason, totals[name], disrupting[name], snapshot.now)
        for name, pool in pools.items()
    }
    out = []
    for node in nodes:
        if left.get(node.node_pool, 0) > 0:
            left[node.node_pool] -= 1
            out.append(node)
        else:
            blocked.append(
                Blocked(node.name, f"the disruption budget of NodePool {node.node_pool} is used up")
            )
    return out


def disrupt(snapshot: DisruptionSnapshot) -> DisruptionDecision:
    pools = {p.name: p for p in snapshot.fleet.node_pools}
    actions: list[DisruptionAction] = []
    interrupted, unavailable = interruption(snapshot, snapshot.unavailable)
    if interrupted is not None:
        actions.append(interrupted)
    handled = {n for a in actions for n in a.nodes}
    expired = expiration(snapshot, pools, handled)
    if expired is not None:
        actions.append(expired)
        handled.update(expired.nodes)

    found = find_candidates(snapshot, handled)
    blocked = list(found.blocked)
    graceful = _graceful(snapshot, pools, found.empty, found.underutilized, blocked)
    if graceful is not None:
        actions.append(graceful)

    events = [
        PlanEvent("Node", node, EventType.NORMAL, f"Disruption{action.method}", action.message)
        for action in actions
        for node in action.nodes
    ]
    events += [PlanEvent("Node", b.node, EventType.NORMAL, "DisruptionBlocked", b.reason) for b in blocked]
    return DisruptionDecision(tuple(actions), unavailable, tuple(blocked), tuple(events))


def _graceful(
    snapshot: DisruptionSnapshot,
    pools: dict[str, NodePool],
    empty: Sequence[NodeState],
    underutilized: Sequence[NodeState],
    blocked: list[Blocked],
) -> DisruptionAction | None:
    if empty:
        allowed = _within_budgets(snapshot, pools, empty, DisruptionReason.EMPTY, blocked)
        if allowed:
            names = tuple(n.name for n in allowed)
            saving = sum(n.price for n in allowed)
            return DisruptionAction(
                Method.EMPTINESS,
                str(DisruptionReason.EMPTY),
                names,
                savings_per_hour=saving,
                message=f"empty: {', '.join(names)}, saving ${saving:.4f}/h",
            )
    candidates = _within_budgets(snapshot, pools, underutilized, DisruptionReason.UNDERUTILIZED, blocked)
    if not candidates:
        return None
    return multi_node(snapshot, candidates) or single_node(snapshot, candidates)
