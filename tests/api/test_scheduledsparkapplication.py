"""ScheduledSparkApplication: the operator's shape and defaults, run names and schedule helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from sparkfleet.api.base import ManifestError
from sparkfleet.api.scheduledsparkapplication import (
    ConcurrencyPolicy,
    ScheduledSparkApplication,
    every_interval,
    load_scheduled_spark_application,
    split_time_zone,
)
from sparkfleet.api.sparkstatus import ScheduleState


def scheduled(**spec: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "kind": "ScheduledSparkApplication",
        "metadata": {"name": "spark-pi-scheduled", "namespace": "default"},
        "spec": {
            "schedule": "@every 5m",
            "template": {
                "type": "Scala",
                "sparkVersion": "3.5.3",
                "mainClass": "org.apache.spark.examples.SparkPi",
                "mainApplicationFile": "local:///opt/spark/examples/jars/spark-examples.jar",
                "driver": {"cores": 1, "memory": "512m"},
                "executor": {"cores": 1, "instances": 1, "memory": "512m"},
                "restartPolicy": {"type": "Never"},
            },
        },
    }
    doc["spec"].update(spec)
    return doc


def only_issue(doc: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(ManifestError) as caught:
        load_scheduled_spark_application(doc)
    found = [(issue.path, issue.message) for issue in caught.value.issues]
    assert len(found) == 1, found
    return found[0]


def test_the_operators_documented_example_parses_with_its_values() -> None:
    app = load_scheduled_spark_application(
        scheduled(concurrencyPolicy="Allow", successfulRunHistoryLimit=1, failedRunHistoryLimit=3)
    )
    assert app.spec.schedule == "@every 5m"
    assert app.spec.failedRunHistoryLimit == 3
    assert app.spec.template.driver.memory_bytes() == 512 * 2**20


def test_omitted_fields_take_the_operators_defaults() -> None:
    spec = load_scheduled_spark_application(scheduled()).spec
    assert spec.timeZone == "Local"
    assert spec.concurrencyPolicy == ConcurrencyPolicy.ALLOW
    assert spec.successfulRunHistoryLimit == 1
    assert spec.failedRunHistoryLimit == 1
    assert spec.suspend is False


def test_status_reads_the_operators_shape() -> None:
    doc = scheduled()
    doc["status"] = {
        "scheduleState": "Scheduled",
        "lastRunName": "spark-pi-scheduled-1700000000000000000",
        "pastSuccessfulRunNames": ["spark-pi-scheduled-1700000000000000000"],
    }
    status = load_scheduled_spark_application(doc).status
    assert status is not None
    assert status.scheduleState == ScheduleState.SCHEDULED
    assert status.pastFailedRunNames == []


def test_runs_are_named_after_the_unix_nanoseconds_of_their_start() -> None:
    app = load_scheduled_spark_application(scheduled())
    at = datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=UTC)
    assert app.run_name(at) == "spark-pi-scheduled-1700000000123456000"
    paris = at.astimezone(timezone(timedelta(hours=1)))
    assert app.run_name(paris) == app.run_name(at)


def test_a_run_name_needs_an_aware_time() -> None:
    app = load_scheduled_spark_application(scheduled())
    with pytest.raises(ValueError, match="aware"):
        app.run_name(datetime(2024, 1, 1))


@pytest.mark.parametrize(
    "schedule,interval",
    [
        ("@every 5m", timedelta(minutes=5)),
        ("@every 1h30m", timedelta(hours=1, minutes=30)),
        ("@every 1.5h", timedelta(hours=1, minutes=30)),
        ("@every 500ms", timedelta(seconds=1)),
        ("*/5 * * * *", None),
    ],
)
def test_every_intervals_follow_go_durations_rounded_to_whole_seconds(
    schedule: str, interval: timedelta | None
) -> None:
    assert every_interval(schedule) == interval


def test_an_every_schedule_without_a_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="Go duration"):
        every_interval("@every 5")


def test_a_cron_tz_prefix_overrides_the_time_zone_field() -> None:
    assert split_time_zone("CRON_TZ=Asia/Tokyo 0 6 * * *") == ("Asia/Tokyo", "0 6 * * *")
    assert split_time_zone("0 6 * * *") == (None, "0 6 * * *")
    spec = load_scheduled_spark_application(
        scheduled(schedule="TZ=UTC 0 6 * * *", timeZone="Europe/Paris")
    ).spec
    assert spec.zone_and_expression() == ("UTC", "0 6 * * *")


def test_an_unknown_concurrency_policy_suggests_the_allowed_spelling() -> None:
    path, message = only_issue(scheduled(concurrencyPolicy="forbid"))
    assert path == "spec.concurrencyPolicy"
    assert 'did you mean "Forbid"' in message


def test_a_negative_history_limit_is_refused() -> None:
    path, message = only_issue(scheduled(successfulRunHistoryLimit=-1))
    assert path == "spec.successfulRunHistoryLimit"
    assert "greater than or equal to 0" in message


def test_a_missing_schedule_is_reported() -> None:
    doc = scheduled()
    del doc["spec"]["schedule"]
    assert only_issue(doc) == ("spec.schedule", "required field is missing")


def test_a_typo_in_the_template_names_the_path_inside_it() -> None:
    doc = scheduled()
    doc["spec"]["template"]["executor"]["instance"] = 3
    assert only_issue(doc) == ("spec.template.executor.instance", 'unknown field (did you mean "instances"?)')


def test_the_template_keeps_its_own_required_fields() -> None:
    doc = scheduled()
    del doc["spec"]["template"]["mainApplicationFile"]
    assert only_issue(doc) == ("spec.template.mainApplicationFile", "required field is missing")


def test_a_model_survives_the_trip_through_its_manifest_form() -> None:
    app = load_scheduled_spark_application(scheduled(concurrencyPolicy="Replace", timeZone="UTC"))
    assert ScheduledSparkApplication.model_validate(app.to_dict()) == app


def test_an_every_interval_longer_than_go_can_count_is_refused() -> None:
    assert every_interval("@every 2562047h") == timedelta(hours=2562047)
    with pytest.raises(ValueError, match="at most 2562047h"):
        every_interval("@every 99999999999999999h")
