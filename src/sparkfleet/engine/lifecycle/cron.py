"""When a ScheduledSparkApplication fires next: robfig/cron's standard parser semantics on croniter.

Five-field cron and the descriptors (`@hourly`, `@daily`, ...) are evaluated in the schedule's zone, so
`0 6 * * *` in Europe/Paris stays at 06:00 local time across daylight-saving changes. `@every <duration>`
is a constant delay from the current second, as robfig/cron computes it. "Local" is the zone the
controller runs in, given by the caller (the engine never looks at the machine).
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, tzinfo

from croniter import croniter

from sparkfleet.api.cron import CRON_DESCRIPTORS
from sparkfleet.api.scheduledsparkapplication import ScheduledSparkApplicationSpec, every_interval
from sparkfleet.api.sparkvalidation import schedule_issue, time_zone_issue

__all__ = ["ScheduleError", "next_run_after", "schedule_zone", "validate_schedule"]


class ScheduleError(ValueError):
    """A schedule or time zone the controller cannot run; the message is the FailedValidation reason."""


def validate_schedule(spec: ScheduledSparkApplicationSpec) -> str | None:
    """The reason the schedule cannot run, or None."""
    zone_problem = time_zone_issue(spec.timeZone, "spec.timeZone")
    if zone_problem is not None:
        return f"Invalid timezone: {zone_problem.message}"
    schedule_problem = schedule_issue(spec.schedule, "spec.schedule")
    if schedule_problem is not None:
        return schedule_problem.message
    return None


def schedule_zone(spec: ScheduledSparkApplicationSpec, local_zone: tzinfo) -> tzinfo:
    zone, _ = spec.zone_and_expression()
    if zone in ("", "Local"):
        return local_zone
    try:
        return zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"Invalid timezone: unknown time zone {zone}") from None


def next_run_after(spec: ScheduledSparkApplicationSpec, after: datetime, local_zone: tzinfo) -> datetime:
    """The first time strictly after `after` at which the schedule fires (an aware datetime)."""
    if after.tzinfo is None:
        raise ValueError("next_run_after needs an aware datetime")
    _, expression = spec.zone_and_expression()
    delay = every_interval(expression)
    if delay is not None:
        return after.replace(microsecond=0) + delay
    zone = schedule_zone(spec, local_zone)
    expression = CRON_DESCRIPTORS.get(expression, expression)
    try:
        fired = croniter(expression, after.astimezone(zone)).get_next(datetime)
    except (ValueError, KeyError) as exc:
        raise ScheduleError(f"invalid cron schedule {expression!r}: {exc}") from None
    if not isinstance(fired, datetime):
        raise ScheduleError(f"invalid cron schedule {expression!r}")
    return fired
