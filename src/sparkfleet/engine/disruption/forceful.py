"""Forceful disruption, outside budgets: spot interruption, scheduled change and expiration.

Spot interruption (a two-minute notice): the node is cordoned and drained, every pod is evicted (the node
goes away regardless), its offering goes into the unavailable cache, and replacement capacity is planned
for its pods elsewhere, so the replacement does not land on the offering being reclaimed.
A scheduled change (AWS Health maintenance or retirement of the instance) is handled the same way ahead
of its start, as Karpenter's interruption controller drains such nodes, but the offering stays available.

Expiration (`expireAfter` after creation): the node is cordoned; its pods are evicted except those that
protect themselves (`karpenter.sh/do-not-disrupt`) and running Spark pods, which are left to finish, until
the pool's `terminationGracePeriod` (if any) has passed since the expiry; replacements are planned for
the evicted pods. The node is deleted once the pods left to finish are gone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sparkfleet.api.durations import parse_go_duration
from sparkfleet.api.karpenter import NodePool
from sparkfleet.engine.disruption.model import DisruptionAction, DisruptionSnapshot, Method, NodeState
from sparkfleet.engine.disruption.simulate import simulate
from sparkfleet.engine.provisioning.offerings import UnavailableOfferings


def interruption(
    snapshot: DisruptionSnapshot, unavailable: UnavailableOfferings
) -> tuple[DisruptionAction | None, UnavailableOfferings]:
    nodes = [n for n in snapshot.nodes if n.interrupted and not n.deleting]
    if not nodes:
        return None, unavailable
    spot = [n for n in nodes if n.interrupted_at is not None]
    for node in spot:
        unavailable = unavailable.mark(node.offering, node.interrupted_at or snapshot.now)
    pods = [p for n in nodes for p in n.pods]
    names = tuple(n.name for n in nodes)
    replan = simulate(
        snapshot, set(names), pods, unavailable=unavailable, prefix=f"{snapshot.claim_prefix}i-"
    )
    stranded = f"; {len(replan.unschedulable)} pods have no place yet" if replan.unschedulable else ""
    scheduled = [n.name for n in nodes if n.interrupted_at is None]
    what = [f"spot interruption of {', '.join(n.name for n in spot)}"] if spot else []
    what += [f"scheduled change of {', '.join(scheduled)}"] if scheduled else []
    marked = (
        f"offering {', '.join(f'{n.instance_type}/{n.zone}/spot' for n in spot)} marked unavailable, "
        if spot
        else ""
    )
    message = (
        f"{' and '.join(what)}: {len(pods)} pods evicted, {marked}"
        f"{len(replan.claims)} replacement claims{stranded}"
    )
    action = DisruptionAction(
        Method.INTERRUPTION,
        "Interrupted",
        names,
        evict=tuple(p.id for p in pods),
        replacements=replan.claims,
        message=message,
    )
    return action, unavailable


def _expiry(pool: NodePool, node: NodeState) -> datetime | None:
    seconds = pool.expire_after_seconds()
    if seconds is None:
        return None
    return node.created_at + timedelta(seconds=float(seconds))


def _grace(pool: NodePool) -> timedelta | None:
    value = pool.spec.template.spec.terminationGracePeriod
    return None if value is None else timedelta(seconds=float(parse_go_duration(value)))


def expiration(
    snapshot: DisruptionSnapshot, pools: dict[str, NodePool], handled: set[str]
) -> DisruptionAction | None:
    expired: list[NodeState] = []
    evict: list[str] = []
    wait: list[str] = []
    moving = []
    for node in snapshot.nodes:
        pool = pools.get(node.node_pool)
        if pool is None or node.name in handled or node.deleting:
            continue
        expiry = _expiry(pool, node)
        if expiry is None or snapshot.now < expiry:
            continue
        expired.append(node)
        grace = _grace(pool)
        forced = grace is not None and snapshot.now >= expiry + grace
        for pod in node.pods:
            if not forced and (pod.do_not_disrupt or pod.spark_role is not None):
                wait.append(pod.id)
            else:
                evict.append(pod.id)
                moving.append(pod)
    if not expired:
        return None
    names = tuple(n.name for n in expired)
    replan = simulate(snapshot, set(names), moving, prefix=f"{snapshot.claim_prefix}e-")
    waiting = f"; waiting for {len(wait)} protected pods to finish" if wait else ""
    return DisruptionAction(
        Method.EXPIRATION,
        "Expired",
        names,
        evict=tuple(evict),
        wait_for=tuple(wait),
        replacements=replan.claims,
        message=f"expired: {', '.join(names)}; {len(evict)} pods evicted{waiting}",
    )
