"""The scheduler's queue-limit messages, as it writes them, read as a typed reason and one sentence."""

from __future__ import annotations

import pytest

from sparkfleet.engine.explain import WaitReason, queue_wait


@pytest.mark.parametrize(
    ("message", "reason", "sentence"),
    [
        (
            "queue root.dev max vcore 10 exceeded: allocated 10, ask 1",
            WaitReason.QUEUE_MAX_REACHED,
            "queue root.dev is at its max of 10 vcore (allocated 10, the application asks 1)",
        ),
        (
            "the gang waits for room in its queue: queue root.dev max memory 100G exceeded: "
            "allocated 90G, ask 20G",
            WaitReason.QUEUE_MAX_REACHED,
            "queue root.dev is at its max of 100G memory (allocated 90G, the application asks 20G)",
        ),
        (
            "queue root.prod runs 5 applications, its maxapplications is 5: the application waits until "
            "one finishes",
            WaitReason.MAX_APPLICATIONS,
            "queue root.prod runs 5 applications, its maxapplications is 5",
        ),
        (
            "user alice in queue root.dev runs 2 applications, the limit is 2: the application waits until "
            "one finishes",
            WaitReason.USER_LIMIT,
            "user alice in queue root.dev runs 2 applications, the limit is 2",
        ),
        (
            "group data in queue root.dev maxresources memory 8Gi reached: used 8Gi, ask 1Gi",
            WaitReason.USER_LIMIT,
            "group data in queue root.dev is at its limit of 8Gi memory",
        ),
        (
            "the gang waits for room: user bob in queue root.test maxresources vcore 4 would be exceeded "
            "by the gang's 6",
            WaitReason.USER_LIMIT,
            "user bob in queue root.test is at its limit of 4 vcore",
        ),
    ],
)
def test_each_limit_the_scheduler_names_reads_as_its_reason(
    message: str, reason: WaitReason, sentence: str
) -> None:
    assert queue_wait(message) == (reason, sentence)


def test_the_applications_ahead_are_counted_after_the_sentence() -> None:
    message = "queue root.dev max vcore 10 exceeded: allocated 10, ask 10"
    assert queue_wait(message, 1)[1].endswith("; 1 application ahead")
    assert queue_wait(message, 2)[1].endswith("; 2 applications ahead")
    assert ";" not in queue_wait(message, 0)[1]


def test_a_message_of_another_shape_keeps_its_text() -> None:
    assert queue_wait("the queue is draining", 3) == (
        WaitReason.QUEUE_MAX_REACHED,
        "the queue is draining; 3 applications ahead",
    )
    assert queue_wait("") == (WaitReason.QUEUE_MAX_REACHED, "the queue has no room")
