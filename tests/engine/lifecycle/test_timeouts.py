"""Why a driver is Pending, and when it has been Pending too long."""

from __future__ import annotations

from sparkfleet.engine.lifecycle.timeouts import check_start_timeout, pending_explanation

from .builders import T0, at, driver


def test_no_scheduling_decision_yet_is_said_plainly() -> None:
    assert pending_explanation(driver("Pending")) == "no scheduling decision yet (no PodScheduled condition)"


def test_the_unschedulable_reason_queue_and_scheduler_are_reported() -> None:
    pod = driver(
        "Pending",
        conditions=[
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "queue full"}
        ],
        annotations={"yunikorn.apache.org/queue": "root.batch"},
    )
    pod.spec.schedulerName = "yunikorn"
    assert pending_explanation(pod) == "Unschedulable: queue full; queue root.batch; scheduler yunikorn"


def test_a_malformed_task_groups_annotation_does_not_break_the_explanation() -> None:
    pod = driver(
        "Pending",
        annotations={
            "yunikorn.apache.org/task-group-name": "spark-driver",
            "yunikorn.apache.org/task-groups": "not json",
        },
    )
    assert pending_explanation(pod).endswith("gang member of task group spark-driver")


def test_the_timeout_counts_from_the_pending_start() -> None:
    pod = driver("Pending")
    waiting = check_start_timeout(pod, T0, at(599), 600)
    assert waiting is not None and not waiting.timed_out and waiting.due_in == 1
    expired = check_start_timeout(pod, T0, at(900), 600)
    assert expired is not None and expired.timed_out
    assert expired.detail.startswith("Driver pod pi-driver has been Pending for 15m0s (start timeout 10m0s)")


def test_no_timeout_without_a_start_time_or_when_disabled() -> None:
    assert check_start_timeout(driver("Pending"), None, at(10_000), 600) is None
    assert check_start_timeout(driver("Pending"), T0, at(10_000), None) is None
