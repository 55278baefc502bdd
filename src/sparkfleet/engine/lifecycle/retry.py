"""restartPolicy: whether an attempt is tried again, and when (the operator's ShouldRetry and back-off).

- SUCCEEDING: only Always reruns.
- FAILING: Always, or OnFailure while executionAttempts <= onFailureRetries.
- SUBMISSION_FAILED: Always, or OnFailure while submissionAttempts <= onSubmissionFailureRetries.
The wait is linear: interval x submissionAttempts, counted from the last submission attempt; the
intervals default to 5 s whenever the type is not Never.
"""

from __future__ import annotations

from datetime import datetime

from sparkfleet.api.sparkapplication import RestartPolicy, RestartPolicyType
from sparkfleet.api.sparkstatus import ApplicationStateType, SparkApplicationStatus
from sparkfleet.api.timefmt import parse_optional_rfc3339

__all__ = ["backoff_seconds", "retry_due_in", "should_retry"]

_LAST_SUBMISSION = "status.lastSubmissionAttemptTime"


def should_retry(policy: RestartPolicy, status: SparkApplicationStatus) -> bool:
    state = status.applicationState.state
    if state == ApplicationStateType.SUCCEEDING:
        return policy.type == RestartPolicyType.ALWAYS
    if state == ApplicationStateType.FAILING:
        limit, attempts = policy.onFailureRetries, status.executionAttempts
    elif state == ApplicationStateType.SUBMISSION_FAILED:
        limit, attempts = policy.onSubmissionFailureRetries, status.submissionAttempts
    else:
        return False
    if policy.type == RestartPolicyType.ALWAYS:
        return True
    return policy.type == RestartPolicyType.ON_FAILURE and limit is not None and attempts <= limit


def backoff_seconds(policy: RestartPolicy, status: SparkApplicationStatus) -> float:
    """The whole wait before the next try: interval x attempts so far (0 when nothing to wait for)."""
    effective = policy.with_defaults()
    if status.applicationState.state == ApplicationStateType.SUBMISSION_FAILED:
        interval = effective.onSubmissionFailureRetryInterval
    else:
        interval = effective.onFailureRetryInterval
    return float((interval or 0) * max(status.submissionAttempts, 0))


def retry_due_in(policy: RestartPolicy, status: SparkApplicationStatus, now: datetime) -> float:
    """Seconds until the retry may start (<= 0: now). Without a last attempt time it is due at once."""
    last = parse_optional_rfc3339(status.lastSubmissionAttemptTime, field=_LAST_SUBMISSION)
    if last is None:
        return 0.0
    return backoff_seconds(policy, status) - (now - last).total_seconds()
