"""The cost tables: by application (from the applications' annotations), by queue and by NodePool (from
the fleet ledger), over all time or since a moment.

Since a moment, the ledger's hourly lines are added up, the first hour in part (as if it accrued evenly
within the hour); an application's cost is taken in the part of its run (from its start to its `asOf`)
that falls after the moment, as if it accrued evenly over the run: the application annotation keeps
totals only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sparkfleet.api.appinsight import AppCost
from sparkfleet.api.wire import CapacityType
from sparkfleet.engine.cost.model import CostKind, FleetKey, Ledger

__all__ = ["AppCostView", "CostGrouping", "CostRow", "app_rows", "fleet_lines", "nodepool_rows", "queue_rows"]

_HOUR = timedelta(hours=1)


class CostGrouping(StrEnum):
    APP = "app"
    QUEUE = "queue"
    NODEPOOL = "nodepool"


@dataclass(frozen=True, slots=True)
class CostRow:
    """One line of a cost table: `group` names it (per grouping: namespace and application, queue, or
    NodePool and capacity type)."""

    group: tuple[str, ...]
    spot: float = 0.0
    on_demand: float = 0.0
    placeholder_waste: float = 0.0
    idle_waste: float = 0.0

    @property
    def total(self) -> float:
        """What the applications' pods (placeholders included) and, by NodePool, the idle room cost."""
        return self.spot + self.on_demand + self.idle_waste


@dataclass(frozen=True, slots=True)
class AppCostView:
    namespace: str
    name: str
    queue: str
    cost: AppCost
    started: datetime | None


def _overlap(start: datetime, end: datetime, since: datetime | None) -> float:
    """The fraction of [start, end] after `since` (all of it without one)."""
    if since is None or since <= start:
        return 1.0
    if since >= end:
        return 0.0
    return (end - since) / (end - start)


def app_rows(apps: Iterable[AppCostView], since: datetime | None = None) -> list[CostRow]:
    rows = []
    for app in apps:
        end = app.cost.as_of
        start = app.started if app.started is not None else end
        part = 1.0 if end is None or start is None else _overlap(start, end, since)
        if since is not None and end is not None and end < since:
            part = 0.0
        if part <= 0.0:
            continue
        rows.append(
            CostRow(
                (app.namespace, app.name, app.queue),
                spot=app.cost.spot * part,
                on_demand=app.cost.on_demand * part,
                placeholder_waste=app.cost.placeholder_waste * part,
            )
        )
    return sorted(rows, key=lambda r: (-r.total, r.group))


def fleet_lines(ledger: Ledger, since: datetime | None = None) -> dict[FleetKey, float]:
    """The ledger's lines: all time, or their hourly parts since `since`."""
    if since is None:
        return dict(ledger.fleet)
    out: dict[FleetKey, float] = defaultdict(float)
    for (hour, key), dollars in ledger.hourly.items():
        end = hour + _HOUR
        if ledger.as_of is not None and ledger.as_of < end:
            end = max(ledger.as_of, hour)
        if end <= since:
            continue
        part = 1.0 if end <= hour else _overlap(hour, end, since)
        out[key] += dollars * part
    return dict(out)


def _spot(capacity_type: str) -> bool:
    return capacity_type == CapacityType.SPOT.value


def queue_rows(lines: dict[FleetKey, float], namespace: str | None = None) -> list[CostRow]:
    grouped: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for key, dollars in lines.items():
        if key.kind == CostKind.IDLE or (namespace is not None and key.namespace != namespace):
            continue
        sums = grouped[key.queue or "(none)"]
        sums[0 if _spot(key.capacity_type) else 1] += dollars
        if key.kind == CostKind.PLACEHOLDER:
            sums[2] += dollars
    rows = [CostRow((q,), s[0], s[1], s[2]) for q, s in grouped.items()]
    return sorted(rows, key=lambda r: (-r.total, r.group))


def nodepool_rows(lines: dict[FleetKey, float], namespace: str | None = None) -> list[CostRow]:
    """By NodePool and capacity type; idle room belongs to no namespace, so `-n` leaves it out."""
    grouped: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for key, dollars in lines.items():
        if namespace is not None and key.namespace != namespace:
            continue
        sums = grouped[(key.node_pool or "(none)", key.capacity_type or "-")]
        if key.kind == CostKind.IDLE:
            sums[2] += dollars
        else:
            sums[0] += dollars
            if key.kind == CostKind.PLACEHOLDER:
                sums[1] += dollars
    rows = []
    for (pool, capacity), (used, waste, idle) in grouped.items():
        spot = used if _spot(capacity) else 0.0
        rows.append(CostRow((pool, capacity), spot, used - spot, waste, idle))
    return sorted(rows, key=lambda r: (-r.total, r.group))
