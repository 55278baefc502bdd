"""ScheduledSparkApplication rules: schedules the operator accepts and that fire, time zones, run names."""

from __future__ import annotations

import pytest

from sparkfleet.api.scheduledsparkapplication import load_scheduled_spark_application
from sparkfleet.api.sparkvalidation import (
    MAX_SCHEDULED_NAME,
    schedule_issue,
    scheduled_spark_application_hints,
    time_zone_issue,
    validate_scheduled_spark_application,
)

from .builders import scheduled_doc, scheduled_issues

# --- ScheduledSparkApplication ---


def test_a_plain_scheduled_application_has_no_issues_or_hints() -> None:
    app = load_scheduled_spark_application(scheduled_doc())
    assert validate_scheduled_spark_application(app) == []
    assert scheduled_spark_application_hints(app) == []


@pytest.mark.parametrize(
    "schedule",
    [
        "*/15 * * * *",
        "0 6 * * MON-FRI",
        "@hourly",
        "@midnight",
        "@every 1h30m",
        "CRON_TZ=Asia/Tokyo 0 6 * * *",
    ],
)
def test_schedules_the_operators_parser_accepts_are_accepted(schedule: str) -> None:
    assert schedule_issue(schedule, "spec.schedule") is None


def test_a_bad_cron_expression_shows_the_expected_form() -> None:
    assert scheduled_issues(scheduled_doc(schedule="61 * * * *")) == [
        (
            "spec.schedule",
            "invalid cron schedule '61 * * * *': use five fields (minute hour day-of-month month "
            'day-of-week), e.g. "*/15 * * * *", or @hourly, @daily, @every 10m',
        )
    ]


def test_a_six_field_schedule_is_refused_as_the_operator_does() -> None:
    [(path, message)] = scheduled_issues(scheduled_doc(schedule="0 0 2 * * *"))
    assert path == "spec.schedule"
    assert "five fields" in message


def test_a_schedule_that_never_fires_is_refused() -> None:
    [(path, message)] = scheduled_issues(scheduled_doc(schedule="0 0 30 2 *"))
    assert path == "spec.schedule"
    assert "never fires" in message


def test_a_misspelt_descriptor_suggests_the_real_one() -> None:
    [(path, message)] = scheduled_issues(scheduled_doc(schedule="@hourlly"))
    assert path == "spec.schedule"
    assert 'did you mean "@hourly"' in message


def test_an_every_schedule_needs_a_go_duration() -> None:
    [(path, message)] = scheduled_issues(scheduled_doc(schedule="@every 5"))
    assert path == "spec.schedule"
    assert "Go duration" in message


def test_an_unknown_time_zone_suggests_a_close_one() -> None:
    [(path, message)] = scheduled_issues(scheduled_doc(timeZone="Europe/Pariss"))
    assert path == "spec.timeZone"
    assert 'did you mean "Europe/Paris"' in message


def test_local_and_iana_time_zones_are_accepted() -> None:
    assert time_zone_issue("Local", "spec.timeZone") is None
    assert time_zone_issue("America/New_York", "spec.timeZone") is None


def test_an_unknown_zone_in_a_cron_tz_prefix_is_reported_on_the_schedule() -> None:
    [(path, message)] = scheduled_issues(scheduled_doc(schedule="CRON_TZ=Mars/Olympus 0 6 * * *"))
    assert path == "spec.schedule"
    assert "unknown time zone 'Mars/Olympus'" in message


def test_a_scheduled_name_leaves_room_for_the_run_suffix() -> None:
    [(path, message)] = scheduled_issues(scheduled_doc(name="n" * (MAX_SCHEDULED_NAME + 1)))
    assert path == "metadata.name"
    assert f"at most {MAX_SCHEDULED_NAME} characters" in message


def test_template_issues_carry_the_template_path() -> None:
    doc = scheduled_doc()
    doc["spec"]["template"]["sparkConf"] = {"spark.master": "local[*]"}
    doc["spec"]["template"]["nodeSelector"] = {"a": "b"}
    doc["spec"]["template"]["executor"]["nodeSelector"] = {"c": "d"}
    assert [path for path, _ in scheduled_issues(doc)] == [
        'spec.template.sparkConf["spark.master"]',
        "spec.template.executor.nodeSelector",
    ]
    assert "spec.template.nodeSelector" in scheduled_issues(doc)[1][1]
