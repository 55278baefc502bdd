"""An application's facts read from its stored objects and the scheduler's statuses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sparkfleet.api.wire import (
    ANNOTATION_PLACEHOLDER,
    ANNOTATION_PLANNED_CAPACITY_TYPE,
    ANNOTATION_PLANNED_INSTANCE_TYPE,
    ANNOTATION_PLANNED_ZONE,
    LABEL_APPLICATION_ID,
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_TYPE,
    LABEL_NODEPOOL,
    LABEL_SPARK_APP_SELECTOR,
    LABEL_SPARK_ROLE,
)
from sparkfleet.engine.explain import (
    claim_facts,
    event_facts,
    expected_executors,
    facts_from_objects,
    pod_facts,
    scheduler_app_id,
)
from sparkfleet.engine.scheduling import AppState, AppStatus

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NS = "spark-team-a"
Obj = dict[str, Any]


def pod(
    name: str,
    role: str | None = None,
    *,
    app_id: str = "pi",
    created: str = "2026-01-05T09:00:00Z",
    **extra: Any,
) -> Obj:
    labels = {LABEL_APPLICATION_ID: app_id, LABEL_SPARK_APP_SELECTOR: "spark-123"}
    if role:
        labels[LABEL_SPARK_ROLE] = role
    meta = {"name": name, "namespace": NS, "labels": labels, "creationTimestamp": created}
    return {"kind": "Pod", "metadata": meta, "spec": {}, "status": {}, **extra}


def test_a_pending_pod_carries_its_unschedulable_condition() -> None:
    obj = pod("d", "driver")
    obj["status"] = {
        "phase": "Pending",
        "conditions": [
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "QueueLimit",
                "message": "queue root.dev max vcore 10 exceeded: allocated 10, ask 1",
                "lastTransitionTime": "2026-01-05T09:00:07Z",
            }
        ],
    }
    facts = pod_facts(obj)
    assert (facts.name, facts.phase, facts.node) == ("d", "Pending", None)
    assert facts.scheduled_reason == "QueueLimit"
    assert facts.scheduled_message.startswith("queue root.dev max vcore 10")
    assert facts.scheduled_since == datetime(2026, 1, 5, 9, 0, 7, tzinfo=UTC)


def test_a_bound_pod_keeps_when_it_was_bound_but_no_reason() -> None:
    obj = pod("d", "driver", spec={"nodeName": "n1"})
    obj["status"] = {
        "phase": "Running",
        "startTime": "2026-01-05T09:01:00Z",
        "conditions": [
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2026-01-05T09:00:50Z"}
        ],
    }
    facts = pod_facts(obj)
    assert (facts.node, facts.scheduled_reason, facts.scheduled_message) == ("n1", "", "")
    assert facts.scheduled_since == datetime(2026, 1, 5, 9, 0, 50, tzinfo=UTC)
    assert facts.started == datetime(2026, 1, 5, 9, 1, tzinfo=UTC)


def test_an_event_is_dated_by_its_last_time_else_its_event_time() -> None:
    event = {
        "involvedObject": {"kind": "Pod", "name": "d"},
        "reason": "Nominated",
        "message": "Pod should schedule on: nodeclaim/c1",
        "eventTime": "2026-01-05T09:00:03Z",
        "firstTimestamp": "2026-01-05T09:00:01Z",
    }
    facts = event_facts(event)
    assert (facts.kind, facts.name, facts.reason) == ("Pod", "d", "Nominated")
    assert facts.at == datetime(2026, 1, 5, 9, 0, 3, tzinfo=UTC)
    assert event_facts({**event, "lastTimestamp": "2026-01-05T09:00:09Z"}).at == datetime(
        2026, 1, 5, 9, 0, 9, tzinfo=UTC
    )
    assert event_facts({"reason": "X", "lastTimestamp": "not a time"}).at is None


def test_a_claim_is_read_from_its_labels_else_its_planned_annotations() -> None:
    planned = {
        "metadata": {
            "name": "c1",
            "labels": {LABEL_NODEPOOL: "spark-compute-optimized"},
            "annotations": {
                ANNOTATION_PLANNED_INSTANCE_TYPE: "c5d.xlarge",
                ANNOTATION_PLANNED_CAPACITY_TYPE: "spot",
                ANNOTATION_PLANNED_ZONE: "us-east-1a",
            },
        },
        "status": {"conditions": [{"type": "Launched", "status": "True"}]},
    }
    facts = claim_facts(planned)
    assert (facts.instance_type, facts.capacity_type, facts.zone) == ("c5d.xlarge", "spot", "us-east-1a")
    assert (facts.launched, facts.registered) == (True, False)
    planned["metadata"]["labels"] |= {LABEL_INSTANCE_TYPE: "c5d.2xlarge", LABEL_CAPACITY_TYPE: "on-demand"}
    assert (claim_facts(planned).instance_type, claim_facts(planned).capacity_type) == (
        "c5d.2xlarge",
        "on-demand",
    )


def test_the_executors_expected_follow_sparks_initial_target() -> None:
    assert expected_executors({}) == 2
    assert expected_executors({"executor": {"instances": 5}}) == 5
    dynamic = {"enabled": True, "minExecutors": 1, "initialExecutors": 3}
    assert expected_executors({"executor": {"instances": 2}, "dynamicAllocation": dynamic}) == 3
    assert expected_executors({"dynamicAllocation": {"enabled": True, "minExecutors": 4}}) == 4


def status(app_id: str, state: AppState, submitted: float, queue: str = "root.dev") -> AppStatus:
    return AppStatus(app_id, state, submitted_at=submitted, state_since=submitted + 1, queue=queue)


def spark_app(**status_fields: Any) -> Obj:
    return {
        "kind": "SparkApplication",
        "metadata": {"name": "pi", "namespace": NS, "creationTimestamp": "2026-01-05T09:00:00Z"},
        "spec": {"executor": {"instances": 3}},
        "status": {"sparkApplicationId": "spark-123", **status_fields},
    }


def test_the_scheduler_knows_the_application_by_its_drivers_id_not_the_spark_app_selector() -> None:
    app = spark_app()
    assert scheduler_app_id(app, pod("d", "driver", app_id="pi")) == "pi"
    assert scheduler_app_id(app, None) == "spark-123"


def test_the_facts_sort_pods_by_role_and_count_the_applications_ahead_in_the_queue() -> None:
    app = spark_app(
        driverInfo={"podName": "pi-driver"},
        applicationState={"state": "SUBMITTED"},
        transitions=[{"time": "2026-01-05T09:00:02Z"}],
    )
    old_driver = pod("pi-driver", "driver", created="2026-01-05T09:00:01Z")
    retry = pod("pi-driver-retry", "driver", created="2026-01-05T09:05:00Z")
    executors = [pod("pi-exec-2", "executor"), pod("pi-exec-1", "executor")]
    placeholder = pod("tg-pi-spark-driver-abc")
    placeholder["metadata"]["annotations"] = {ANNOTATION_PLACEHOLDER: "true"}
    events = [
        {
            "involvedObject": {"kind": "Pod", "name": "pi-driver"},
            "reason": "B",
            "lastTimestamp": "2026-01-05T09:00:09Z",
        },
        {
            "involvedObject": {"kind": "Pod", "name": "pi-driver"},
            "reason": "A",
            "lastTimestamp": "2026-01-05T09:00:04Z",
        },
    ]
    apps = {
        "first": status("first", AppState.RUNNING, 0),
        "second": status("second", AppState.RESERVING, 10),
        "third": status("third", AppState.ACCEPTED, 20),
        "elsewhere": status("elsewhere", AppState.ACCEPTED, 5, queue="root.test"),
        "pi": AppStatus("pi", AppState.ACCEPTED, submitted_at=30, state_since=31, queue="root.dev"),
        "later": status("later", AppState.ACCEPTED, 40),
    }
    facts = facts_from_objects(app, [retry, old_driver, *executors, placeholder], events, (), apps)
    assert facts.driver is not None and facts.driver.name == "pi-driver"  # the one the status names
    assert [e.name for e in facts.executors] == ["pi-exec-1", "pi-exec-2"]
    assert [p.name for p in facts.placeholders] == ["tg-pi-spark-driver-abc"]
    assert [e.reason for e in facts.events] == ["A", "B"]
    assert (facts.state, facts.expected_executors) == ("SUBMITTED", 3)
    assert facts.state_since == datetime(2026, 1, 5, 9, 0, 2, tzinfo=UTC)
    assert facts.scheduler is not None
    assert (facts.scheduler.state, facts.scheduler.queue, facts.scheduler.ahead) == (
        "Accepted",
        "root.dev",
        2,
    )
    assert facts.scheduler.since == datetime.fromtimestamp(31, UTC)


def test_without_the_named_driver_the_newest_one_is_taken() -> None:
    app = spark_app(driverInfo={"podName": "gone"})
    old_driver = pod("a", "driver", created="2026-01-05T09:00:01Z")
    retry = pod("b", "driver", created="2026-01-05T09:05:00Z")
    facts = facts_from_objects(app, [old_driver, retry])
    assert facts.driver is not None and facts.driver.name == "b"
    assert facts.scheduler is None  # the scheduler has no status for it
