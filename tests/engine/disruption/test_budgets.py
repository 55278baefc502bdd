"""Disruption budgets: counts, percentages, reasons and cron windows."""

from __future__ import annotations

from datetime import timedelta

from sparkfleet.api.karpenter import Budget, DisruptionReason, NodePool
from sparkfleet.engine.disruption.budgets import allowed_disruptions, budget_active

from .builders import NOW, pools


def _pool(*items: Budget) -> NodePool:
    return pools(budgets=[b.model_dump(exclude_none=True) for b in items])[0]


def test_ten_percent_rounds_up_and_counts_nodes_already_disrupting() -> None:

    pool = _pool(Budget(nodes="10%"))
    assert allowed_disruptions(pool, DisruptionReason.EMPTY, 25, 0, NOW) == 3
    assert allowed_disruptions(pool, DisruptionReason.EMPTY, 25, 2, NOW) == 1
    assert allowed_disruptions(pool, DisruptionReason.EMPTY, 25, 5, NOW) == 0


def test_the_smallest_applicable_budget_wins_and_reasons_narrow_a_budget() -> None:

    pool = _pool(Budget(nodes="5"), Budget(nodes="1", reasons=[DisruptionReason.UNDERUTILIZED]))
    assert allowed_disruptions(pool, DisruptionReason.UNDERUTILIZED, 20, 0, NOW) == 1
    assert allowed_disruptions(pool, DisruptionReason.EMPTY, 20, 0, NOW) == 5


def test_a_scheduled_budget_applies_only_inside_its_window() -> None:

    # no disruption on weekdays from 09:00 for 8 hours (NOW is Monday 12:00 UTC)
    freeze = Budget(nodes="0", schedule="0 9 * * 1-5", duration="8h")
    pool = _pool(Budget(nodes="100%"), freeze)
    assert budget_active(freeze, NOW)
    assert allowed_disruptions(pool, DisruptionReason.EMPTY, 4, 0, NOW) == 0
    evening = NOW + timedelta(hours=6)
    assert not budget_active(freeze, evening)
    assert allowed_disruptions(pool, DisruptionReason.EMPTY, 4, 0, evening) == 4


def test_a_window_opens_exactly_when_the_schedule_fires() -> None:

    daily = Budget(nodes="0", schedule="@daily", duration="1h")
    midnight = NOW.replace(hour=0, minute=0)
    assert budget_active(daily, midnight)
    assert budget_active(daily, midnight + timedelta(minutes=59))
    assert not budget_active(daily, midnight + timedelta(hours=1))
