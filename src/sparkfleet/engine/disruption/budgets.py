"""Disruption budgets: how many of a NodePool's nodes may be disrupted right now, for a reason.

A budget without a schedule always applies; with one it applies for `duration` after each time its cron
schedule fires (UTC). Of the budgets that apply and cover the reason (no `reasons` covers all), the
smallest wins; nodes already being disrupted count against it. `nodes: "10%"` rounds up, as Karpenter does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from croniter import croniter

from sparkfleet.api.durations import parse_go_duration
from sparkfleet.api.karpenter import Budget, DisruptionReason, NodePool


def budget_active(budget: Budget, now: datetime) -> bool:
    if budget.schedule is None or budget.duration is None:
        return True
    schedule = budget.schedule.strip()
    if croniter.match(schedule, now):
        start = now.replace(second=0, microsecond=0)
    else:
        start = croniter(schedule, now).get_prev(datetime)
    return now < start + timedelta(seconds=float(parse_go_duration(budget.duration)))


def _covers(budget: Budget, reason: DisruptionReason) -> bool:
    return budget.reasons is None or reason in budget.reasons


def allowed_disruptions(
    pool: NodePool, reason: DisruptionReason, total_nodes: int, disrupting: int, now: datetime
) -> int:
    """How many more of the pool's nodes may be disrupted for `reason` at `now`."""
    limits = [
        b.allowed(total_nodes)
        for b in pool.spec.disruption.budgets
        if _covers(b, reason) and budget_active(b, now)
    ]
    if not limits:
        return max(total_nodes - disrupting, 0)
    return max(min(limits) - disrupting, 0)


def blocking_budgets(pool: NodePool, reason: DisruptionReason, now: datetime) -> Iterable[Budget]:
    """The budgets that apply to `reason` now (for messages)."""
    return [b for b in pool.spec.disruption.budgets if _covers(b, reason) and budget_active(b, now)]
