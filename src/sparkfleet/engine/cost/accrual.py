"""Accrual: each application pays its nodes' price by its pods' dominant resource share.

A pod's share of its node is its dominant resource share: the largest fraction of the node's allocatable
that its request takes of any resource the node offers (a 4-of-16-vcore, 8-of-32-GiB pod takes 1/4). When
the shares on a node add up to more than 1 (a cpu-heavy and a memory-heavy pod side by side), they are
scaled down to add up to 1, so a node's price is never charged twice; what they leave below 1 is the
node's idle room, charged to its NodePool as waste. So for every node and every moment, pods + idle =
the node's price.

Rates are piecewise constant between snapshots: `accrue` charges the rates seen at the last step over the
time since, then keeps the new snapshot's rates for the next step. Stepping on every change of a pod or a
node (and every few seconds between) makes the sum exact up to the step's own delay.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from sparkfleet.api.wire import CapacityType
from sparkfleet.engine.cost.model import (
    AppAccount,
    AppKey,
    CostKind,
    CostNode,
    CostPod,
    CostSnapshot,
    FleetKey,
    Ledger,
    RateKey,
)

__all__ = ["HOURLY_RETENTION", "accrue", "dominant_share", "forget_apps", "hour_of", "rates"]

HOURLY_RETENTION = timedelta(days=7)
"""How far back the ledger keeps hourly lines (reports `--since` at most this long ago)."""
_HOUR = timedelta(hours=1)


def dominant_share(requests: Mapping[str, int], allocatable: Mapping[str, int]) -> float:
    """The largest fraction of the node's allocatable the request takes of any resource the node has."""
    share = 0.0
    for name, amount in requests.items():
        room = allocatable.get(name, 0)
        if room > 0 and amount > 0:
            share = max(share, amount / room)
    return share


def _pod_key(pod: CostPod, node: CostNode) -> RateKey:
    kind = CostKind.PLACEHOLDER if pod.placeholder else CostKind.POD
    return RateKey(kind, pod.namespace, pod.application, pod.queue, node.node_pool, node.capacity_type)


def rates(snapshot: CostSnapshot) -> dict[RateKey, float]:
    """Dollars per hour by who pays them, for the snapshot's nodes; pods on nodes of unknown price pay
    nothing (the snapshot leaves such nodes out)."""
    by_node: dict[str, list[CostPod]] = defaultdict(list)
    for pod in snapshot.pods:
        by_node[pod.node].append(pod)
    out: dict[RateKey, float] = defaultdict(float)
    for node in snapshot.nodes:
        pods = by_node.get(node.name, [])
        shares = [dominant_share(p.requests, node.allocatable) for p in pods]
        held = sum(shares)
        scale = 1.0 / held if held > 1.0 else 1.0
        for pod, share in zip(pods, shares, strict=True):
            if share > 0:
                out[_pod_key(pod, node)] += node.price_per_hour * share * scale
        idle = max(0.0, 1.0 - held * scale)
        if idle > 0 and node.price_per_hour > 0:
            out[RateKey(CostKind.IDLE, "", "", "", node.node_pool, node.capacity_type)] += (
                node.price_per_hour * idle
            )
    return dict(out)


def hour_of(moment: datetime) -> datetime:
    """The start of the UTC hour `moment` is in."""
    return moment.replace(minute=0, second=0, microsecond=0)


def _segments(start: datetime, end: datetime) -> list[tuple[datetime, float]]:
    """(hour, hours of [start, end) within it), oldest first; nothing older than the retention."""
    start = max(start, end - HOURLY_RETENTION)
    out = []
    while start < end:
        hour = hour_of(start)
        stop = min(end, hour + _HOUR)
        out.append((hour, (stop - start) / _HOUR))
        start = stop
    return out


def _add_to_app(account: AppAccount, key: RateKey, dollars: float) -> AppAccount:
    spot = key.capacity_type == CapacityType.SPOT.value
    return replace(
        account,
        spot=account.spot + (dollars if spot else 0.0),
        on_demand=account.on_demand + (0.0 if spot else dollars),
        placeholder_waste=account.placeholder_waste + (dollars if key.kind == CostKind.PLACEHOLDER else 0.0),
        queue=key.queue or account.queue,
    )


def accrue(ledger: Ledger, snapshot: CostSnapshot, now: datetime) -> Ledger:
    """The ledger at `now`: the last step's rates charged from its `as_of` to `now`, the snapshot's rates
    kept for the next step. A clock that went back charges nothing."""
    apps = dict(ledger.apps)
    fleet = dict(ledger.fleet)
    hourly = dict(ledger.hourly)
    if ledger.as_of is not None and now > ledger.as_of:
        segments = _segments(ledger.as_of, now)
        hours = (now - ledger.as_of) / _HOUR
        for key, rate in ledger.rates.items():
            dollars = rate * hours
            line = FleetKey(key.kind, key.namespace, key.queue, key.node_pool, key.capacity_type)
            fleet[line] = fleet.get(line, 0.0) + dollars
            for hour, part in segments:
                hourly[(hour, line)] = hourly.get((hour, line), 0.0) + rate * part
            if key.application:
                app = AppKey(key.namespace, key.application)
                apps[app] = _add_to_app(apps.get(app, AppAccount()), key, dollars)
    horizon = hour_of(now - HOURLY_RETENTION)
    hourly = {k: v for k, v in hourly.items() if k[0] >= horizon}
    return Ledger(as_of=now, rates=rates(snapshot), apps=apps, fleet=fleet, hourly=hourly)


def forget_apps(ledger: Ledger, live: set[AppKey]) -> Ledger:
    """The ledger without the accounts of applications that no longer exist (their dollars stay in the
    fleet lines)."""
    return replace(ledger, apps={k: v for k, v in ledger.apps.items() if k in live})
