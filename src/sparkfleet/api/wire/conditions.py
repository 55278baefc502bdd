"""Pod condition types and reasons that components hand to each other.

The scheduler marks a pod it cannot place `PodScheduled=False` with reason `Unschedulable`; the
provisioner batches exactly those pods into NodeClaims.
"""

from __future__ import annotations

from enum import StrEnum

CONDITION_POD_SCHEDULED = "PodScheduled"
REASON_UNSCHEDULABLE = "Unschedulable"
REASON_SCHEDULING_GATED = "SchedulingGated"

# A pod the kubelet stopped because its node shuts down (graceful node shutdown), as Kubernetes marks it.
CONDITION_DISRUPTION_TARGET = "DisruptionTarget"
REASON_TERMINATION_BY_KUBELET = "TerminationByKubelet"
REASON_POD_TERMINATED = "Terminated"

# A container that could not be started (its terminated state says why in `message`), as the kubelet reports.
REASON_START_ERROR = "StartError"


class ConditionStatus(StrEnum):
    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"
