"""The operator's metrics, exactly named, counted from lifecycle decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest

from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.sparkstatus import ApplicationStateType as S
from sparkfleet.api.sparkstatus import ExecutorStateType as E
from sparkfleet.api.sparkstatus import SparkApplicationStatus
from sparkfleet.api.wire import EventType
from sparkfleet.controllers.support.metrics import SparkApplicationMetrics, metric_name
from sparkfleet.engine.lifecycle import ExecutorChange, LifecycleDecision, LifecycleEvent, TransitionRecord

CREATED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NAMES = [
    "spark_application_count",
    "spark_application_submit_count",
    "spark_application_failed_submission_count",
    "spark_application_running_count",
    "spark_application_success_count",
    "spark_application_failure_count",
    "spark_application_success_execution_time_seconds",
    "spark_application_failure_execution_time_seconds",
    "spark_application_submit_latency_seconds",
    "spark_application_submit_latency_seconds_histogram",
    "spark_application_start_latency_seconds",
    "spark_application_start_latency_seconds_histogram",
    "spark_executor_running_count",
    "spark_executor_success_count",
    "spark_executor_failure_count",
]


def app(labels: dict[str, str] | None = None) -> SparkApplication:
    return SparkApplication.model_validate(
        {
            "metadata": {
                "name": "pi",
                "namespace": "team-a",
                "labels": labels or {},
                "creationTimestamp": "2026-01-05T09:00:00Z",
            },
            "spec": {
                "type": "Python",
                "sparkVersion": "4.0.1",
                "mainApplicationFile": "local:///pi.py",
                "driver": {},
                "executor": {},
            },
        }
    )


def decision(*steps: tuple[S, S], executions: int = 1, **status: str) -> LifecycleDecision:
    events = tuple(
        LifecycleEvent(EventType.NORMAL, "SparkApplicationAdded", "") for p, _ in steps if p == S.NEW
    )
    return LifecycleDecision(
        status=SparkApplicationStatus.model_validate(
            {"applicationState": {"state": steps[-1][1].value}, "executionAttempts": executions, **status}
        ),
        transitions=tuple(TransitionRecord(p, n, "", "") for p, n in steps),
        events=events,
    )


def value(registry: CollectorRegistry, name: str, labels: dict[str, str] | None = None) -> float | None:
    return registry.get_sample_value(name, labels or {})


def test_every_metric_is_exposed_under_the_operators_name() -> None:
    registry = CollectorRegistry()
    metrics = SparkApplicationMetrics(registry)
    metrics.record(app(), decision((S.NEW, S.SUBMITTED)), CREATED + timedelta(seconds=2))
    text = generate_latest(registry).decode()
    for name in NAMES:
        assert f"# TYPE {name} " in text, name
    assert "spark_application_count 1.0" in text
    assert "spark_application_count_total" not in text


def test_a_run_from_submission_to_success_is_counted() -> None:
    registry = CollectorRegistry()
    metrics = SparkApplicationMetrics(registry)
    application = app()
    metrics.record(application, decision((S.NEW, S.SUBMITTED)), CREATED + timedelta(seconds=2))
    metrics.record(application, decision((S.SUBMITTED, S.RUNNING)), CREATED + timedelta(seconds=40))
    assert value(registry, "spark_application_running_count") == 1
    done = decision(
        (S.RUNNING, S.SUCCEEDING),
        (S.SUCCEEDING, S.COMPLETED),
        lastSubmissionAttemptTime="2026-01-05T09:00:02Z",
        terminationTime="2026-01-05T09:02:02Z",
    )
    metrics.record(application, done, CREATED + timedelta(seconds=122))
    assert value(registry, "spark_application_count") == 1
    assert value(registry, "spark_application_submit_count") == 1
    assert value(registry, "spark_application_running_count") == 0
    assert value(registry, "spark_application_success_count") == 1
    assert value(registry, "spark_application_success_execution_time_seconds_sum") == 120
    assert value(registry, "spark_application_submit_latency_seconds_sum") == 2
    assert value(registry, "spark_application_start_latency_seconds_sum") == 40
    assert value(registry, "spark_application_start_latency_seconds_histogram_bucket", {"le": "60.0"}) == 1


def test_failures_and_failed_submissions_are_counted() -> None:
    registry = CollectorRegistry()
    metrics = SparkApplicationMetrics(registry)
    failed = decision((S.NEW, S.SUBMISSION_FAILED), (S.SUBMISSION_FAILED, S.FAILED), executions=0)
    metrics.record(app(), failed, CREATED)
    assert value(registry, "spark_application_failed_submission_count") == 1
    assert value(registry, "spark_application_failure_count") == 1


def test_the_running_gauge_counts_each_application_once_and_never_goes_negative() -> None:
    registry = CollectorRegistry()
    metrics = SparkApplicationMetrics(registry)
    running = decision((S.SUBMITTED, S.RUNNING))
    application = app()
    metrics.record(application, running, CREATED)
    metrics.record(application, running, CREATED)
    assert value(registry, "spark_application_running_count") == 1
    metrics.forget("team-a", "pi")
    metrics.forget("team-a", "pi")
    assert value(registry, "spark_application_running_count") == 0


def test_executor_metrics_follow_state_changes() -> None:
    registry = CollectorRegistry()
    metrics = SparkApplicationMetrics(registry)
    changes = [
        ExecutorChange("e1", None, E.RUNNING),
        ExecutorChange("e2", None, E.RUNNING),
        ExecutorChange("e1", E.RUNNING, E.COMPLETED),
        ExecutorChange("e2", E.RUNNING, E.FAILED, 1, "Error"),
    ]
    metrics.record_executors("team-a", "pi", (), changes[:2])
    assert value(registry, "spark_executor_running_count") == 2
    metrics.record_executors("team-a", "pi", (), changes[2:])
    assert value(registry, "spark_executor_running_count") == 0
    assert value(registry, "spark_executor_success_count") == 1
    assert value(registry, "spark_executor_failure_count") == 1


def test_labels_come_from_the_application_and_its_namespace() -> None:
    registry = CollectorRegistry()
    metrics = SparkApplicationMetrics(registry, prefix="ops_", labels=["namespace", "app-type", "team"])
    metrics.record(app({"app-type": "batch"}), decision((S.NEW, S.SUBMITTED)), CREATED)
    labels = {"namespace": "team-a", "app_type": "batch", "team": "Unknown"}
    assert value(registry, "ops_spark_application_submit_count", labels) == 1
    assert metric_name("ops-", "x.y") == "ops_x_y"
