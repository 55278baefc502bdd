"""restartPolicy retry rules and the linear back-off."""

from __future__ import annotations

import pytest

from sparkfleet.api.sparkapplication import RestartPolicy
from sparkfleet.api.sparkstatus import SparkApplicationStatus
from sparkfleet.engine.lifecycle.retry import backoff_seconds, retry_due_in, should_retry

from .builders import at


def status(
    state: str, execution: int = 1, submission: int = 1, last: str | None = None
) -> SparkApplicationStatus:
    return SparkApplicationStatus.model_validate(
        {
            "applicationState": {"state": state},
            "executionAttempts": execution,
            "submissionAttempts": submission,
            "lastSubmissionAttemptTime": last,
        }
    )


@pytest.mark.parametrize(
    ("policy", "state", "execution", "submission", "expected"),
    [
        ({"type": "Never"}, "FAILING", 1, 1, False),
        ({"type": "Never"}, "SUBMISSION_FAILED", 0, 1, False),
        ({"type": "Never"}, "SUCCEEDING", 1, 1, False),
        ({"type": "Always"}, "FAILING", 99, 99, True),
        ({"type": "Always"}, "SUBMISSION_FAILED", 0, 99, True),
        ({"type": "Always"}, "SUCCEEDING", 1, 1, True),
        ({"type": "OnFailure", "onFailureRetries": 2}, "FAILING", 2, 5, True),
        ({"type": "OnFailure", "onFailureRetries": 2}, "FAILING", 3, 3, False),
        ({"type": "OnFailure"}, "FAILING", 1, 1, False),
        ({"type": "OnFailure", "onSubmissionFailureRetries": 1}, "SUBMISSION_FAILED", 0, 1, True),
        ({"type": "OnFailure", "onSubmissionFailureRetries": 1}, "SUBMISSION_FAILED", 0, 2, False),
        ({"type": "OnFailure", "onFailureRetries": 5}, "SUCCEEDING", 1, 1, False),
        ({"type": "Always"}, "RUNNING", 1, 1, False),
    ],
)
def test_should_retry_follows_the_operator(
    policy: dict[str, object], state: str, execution: int, submission: int, expected: bool
) -> None:
    assert (
        should_retry(RestartPolicy.model_validate(policy), status(state, execution, submission)) is expected
    )


def test_the_back_off_is_the_interval_times_the_submission_attempts() -> None:
    policy = RestartPolicy.model_validate(
        {"type": "OnFailure", "onFailureRetryInterval": 10, "onSubmissionFailureRetryInterval": 3}
    )
    assert backoff_seconds(policy, status("FAILING", submission=4)) == 40
    assert backoff_seconds(policy, status("SUBMISSION_FAILED", submission=4)) == 12


def test_the_intervals_default_to_five_seconds_unless_never() -> None:
    assert backoff_seconds(RestartPolicy(type="Always"), status("FAILING", submission=2)) == 10
    assert backoff_seconds(RestartPolicy(type="Never"), status("FAILING", submission=2)) == 0


def test_the_retry_is_due_counting_from_the_last_submission() -> None:
    policy = RestartPolicy(type="Always")
    failing = status("FAILING", submission=3, last="2026-01-05T09:00:00Z")
    assert retry_due_in(policy, failing, at(10)) == pytest.approx(5)
    assert retry_due_in(policy, failing, at(15)) == pytest.approx(0)
    assert retry_due_in(policy, status("FAILING"), at(0)) == 0.0, "no last attempt: due at once"
