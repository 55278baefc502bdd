"""Checks of a ScheduledSparkApplication: a schedule the operator's cron parser accepts and that fires,
a known time zone, a name that leaves room for the run suffix, and its template's rules."""

from __future__ import annotations

import functools
import zoneinfo
from datetime import datetime

from sparkfleet.api.base import FieldIssue, did_you_mean
from sparkfleet.api.cron import CRON_DESCRIPTORS
from sparkfleet.api.scheduledsparkapplication import (
    ScheduledSparkApplication,
    every_interval,
    split_time_zone,
)
from sparkfleet.api.settings import DEFAULT_MAX_EXECUTORS
from sparkfleet.api.sparkvalidation.metadata import MAX_SCHEDULED_NAME, label_issues, object_name_issues
from sparkfleet.api.sparkvalidation.spec import validate_spark_application_spec

# A fixed instant to look for a schedule's next firing: validation must not read the clock.
_CRON_PROBE = datetime(2001, 1, 1)


@functools.cache
def _time_zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def time_zone_issue(zone: str, path: str) -> FieldIssue | None:
    """None when `zone` is "Local" (the controller's zone), empty, or an IANA zone name."""
    if zone in ("", "Local"):
        return None
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        hint = did_you_mean(zone, _time_zones())
        return FieldIssue(
            path,
            f'unknown time zone {zone!r}{hint}: use an IANA name such as "Europe/Paris" or "UTC", or "Local"',
        )
    return None


def schedule_issue(schedule: str, path: str) -> FieldIssue | None:
    """None when `schedule` is what the operator's cron parser accepts and it fires at least once."""
    zone, expression = split_time_zone(schedule)
    if zone is not None:
        bad_zone = time_zone_issue(zone, path)
        if bad_zone is not None:
            return bad_zone
    if expression.startswith("@every"):
        try:
            every_interval(expression)
        except ValueError as exc:
            return FieldIssue(path, str(exc))
        return None
    if expression.startswith("@"):
        if expression in CRON_DESCRIPTORS:
            return None
        hint = did_you_mean(expression, sorted(CRON_DESCRIPTORS))
        return FieldIssue(
            path,
            f"unknown descriptor {expression!r}{hint}: use one of "
            f"{', '.join(sorted(CRON_DESCRIPTORS))} or @every <duration>",
        )
    from croniter import CroniterBadDateError, croniter  # only a five-field schedule needs it

    fields = expression.split()
    if len(fields) != 5 or not croniter.is_valid(expression):
        return FieldIssue(
            path,
            f"invalid cron schedule {expression!r}: use five fields (minute hour day-of-month month "
            'day-of-week), e.g. "*/15 * * * *", or @hourly, @daily, @every 10m',
        )
    try:
        croniter(expression, _CRON_PROBE).get_next(datetime)
    except CroniterBadDateError:
        return FieldIssue(path, f"cron schedule {expression!r} never fires: check the day and month fields")
    return None


def validate_scheduled_spark_application(
    app: ScheduledSparkApplication, max_executors: int = DEFAULT_MAX_EXECUTORS
) -> list[FieldIssue]:
    """Every semantic problem of a parsed ScheduledSparkApplication, its template included."""
    issues = object_name_issues(
        app.metadata,
        MAX_SCHEDULED_NAME,
        'its runs "<name>-<unix nanoseconds>" and their driver pods and UI services',
    )
    issues += label_issues(app.metadata.labels, "metadata.labels")
    bad_schedule = schedule_issue(app.spec.schedule, "spec.schedule")
    if bad_schedule is not None:
        issues.append(bad_schedule)
    bad_zone = time_zone_issue(app.spec.timeZone, "spec.timeZone")
    if bad_zone is not None:
        issues.append(bad_zone)
    issues += validate_spark_application_spec(
        app.spec.template, "spec.template", app.metadata.namespace, max_executors
    )
    return issues
