"""Pod condition types and reasons that components hand to each other.

The scheduler marks a pod it cannot place `PodScheduled=False` with reason `Unschedulable`; the
provisioner batches exactly those pods into NodeClaims.
"""

from __future__ import annotations

from enum import StrEnum

CONDITION_POD_SCHEDULED = "PodScheduled"
REASON_UNSCHEDULABLE = "Unschedulable"
REASON_SCHEDULING_GATED = "SchedulingGated"


class ConditionStatus(StrEnum):
    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"
