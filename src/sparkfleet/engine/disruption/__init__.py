"""Node disruption: spot interruptions, expiration, emptiness and consolidation, within budgets, never
evicting a running Spark driver or executor to consolidate. Pure: the clock and ids come in as inputs.

    disrupt(DisruptionSnapshot) -> DisruptionDecision
"""

from sparkfleet.engine.disruption.budgets import allowed_disruptions, budget_active
from sparkfleet.engine.disruption.decide import disrupt
from sparkfleet.engine.disruption.model import (
    Blocked,
    DisruptionAction,
    DisruptionDecision,
    DisruptionSnapshot,
    Method,
    NodeState,
)

__all__ = [
    "Blocked",
    "DisruptionAction",
    "DisruptionDecision",
    "DisruptionSnapshot",
    "Method",
    "NodeState",
    "allowed_disruptions",
    "budget_active",
    "disrupt",
]
