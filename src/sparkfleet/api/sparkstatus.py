"""Status of SparkApplication and ScheduledSparkApplication, in the operator's shape.

The states and fields are those of kubeflow/spark-operator (v1beta2) so existing tooling reads them;
`SparkApplicationStatus.transitions` is our addition: a bounded history of state changes with the reason
for each, so "why is my job stuck" can be answered from the object alone.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from sparkfleet.api.base import Model


class ApplicationStateType(StrEnum):
    NEW = ""
    SUBMITTED = "SUBMITTED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    SUBMISSION_FAILED = "SUBMISSION_FAILED"
    PENDING_RERUN = "PENDING_RERUN"
    INVALIDATING = "INVALIDATING"
    SUCCEEDING = "SUCCEEDING"
    FAILING = "FAILING"
    SUSPENDING = "SUSPENDING"
    SUSPENDED = "SUSPENDED"
    RESUMING = "RESUMING"
    UNKNOWN = "UNKNOWN"


class ExecutorStateType(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN"


class ApplicationState(Model):
    state: ApplicationStateType = ApplicationStateType.NEW
    errorMessage: str | None = None


class DriverInfo(Model):
    webUIServiceName: str | None = None
    webUIAddress: str | None = None
    webUIPort: int | None = None
    webUIIngressName: str | None = None
    webUIIngressAddress: str | None = None
    podName: str | None = None


class StateTransition(Model):
    """One entry of the transition history (an addition to the operator's status)."""

    state: ApplicationStateType
    time: str
    """RFC 3339 time of the change."""
    reason: str
    message: str | None = None


class SparkApplicationStatus(Model):
    sparkApplicationId: str | None = None
    submissionID: str | None = None
    lastSubmissionAttemptTime: str | None = None
    terminationTime: str | None = None
    driverInfo: DriverInfo = Field(default_factory=DriverInfo)
    applicationState: ApplicationState = Field(default_factory=ApplicationState)
    executorState: dict[str, ExecutorStateType] = Field(default_factory=dict)
    executionAttempts: int = Field(default=0, ge=0)
    submissionAttempts: int = Field(default=0, ge=0)
    transitions: list[StateTransition] = Field(default_factory=list)
    """Bounded history of state changes, oldest first (not in the operator's status)."""


class ScheduleState(StrEnum):
    NEW = ""
    VALIDATING = "Validating"
    SCHEDULED = "Scheduled"
    FAILED_VALIDATION = "FailedValidation"


class ScheduledSparkApplicationStatus(Model):
    lastRun: str | None = None
    nextRun: str | None = None
    lastRunName: str | None = None
    pastSuccessfulRunNames: list[str] = Field(default_factory=list)
    pastFailedRunNames: list[str] = Field(default_factory=list)
    scheduleState: ScheduleState = ScheduleState.NEW
    reason: str | None = None
