"""ScheduledSparkApplication (`sparkoperator.k8s.io/v1beta2`): a SparkApplication run on a cron schedule.

Each run is a SparkApplication named `<name>-<unix nanoseconds>` (as the operator names them) whose spec is
the template. The schedule and time zone are checked in sparkvalidation (croniter, zoneinfo).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, ValidationError

from sparkfleet.api.base import ManifestError, Model, hinted_issues
from sparkfleet.api.meta import ObjectMeta
from sparkfleet.api.sparkapplication import SparkApplicationSpec
from sparkfleet.api.sparkstatus import ScheduledSparkApplicationStatus
from sparkfleet.api.sparktypes import INT64_MAX, Int32

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RUN_SUFFIX_LENGTH = 20
"""Length of `-<unix nanoseconds>` appended to a run's name (19 digits until the year 2286)."""


_GO_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_GO_UNIT_NANOS = {"ns": 1, "us": 10**3, "µs": 10**3, "μs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9}
_GO_UNIT_NANOS["h"] = 3600 * 10**9


def every_interval(schedule: str) -> timedelta | None:
    """The interval of an `@every <Go duration>` schedule (`@every 1h30m`), else None.

    As robfig/cron does, the interval is truncated to whole seconds and is at least one second.
    Raises ValueError when the duration is not a Go duration.
    """
    if not schedule.startswith("@every"):
        return None
    text = schedule[len("@every") :].strip()
    pos, nanos = 0, Decimal(0)
    while pos < len(text):
        match = _GO_DURATION_PART.match(text, pos)
        if match is None:
            break
        nanos += Decimal(match.group(1)) * _GO_UNIT_NANOS[match.group(2)]
        pos = match.end()
    if not text or pos != len(text):
        raise ValueError(
            f"invalid duration {text!r} after @every: expected a Go duration such as 90s, 5m or 1h30m"
        )
    if nanos > INT64_MAX:
        # Go counts a duration in int64 nanoseconds: ParseDuration refuses anything longer.
        raise ValueError(f"invalid duration {text!r} after @every: at most 2562047h (about 292 years)")
    return timedelta(seconds=max(int(nanos // 10**9), 1))


def split_time_zone(schedule: str) -> tuple[str | None, str]:
    """`CRON_TZ=Europe/Paris 0 6 * * *` -> ("Europe/Paris", "0 6 * * *"); a zone prefix overrides timeZone."""
    for prefix in ("CRON_TZ=", "TZ="):
        if schedule.startswith(prefix):
            zone, _, rest = schedule[len(prefix) :].partition(" ")
            return zone, rest.strip()
    return None, schedule.strip()


class ConcurrencyPolicy(StrEnum):
    ALLOW = "Allow"
    """Start runs whether or not the previous one has finished."""
    FORBID = "Forbid"
    """Skip a run while the last one is neither COMPLETED nor FAILED."""
    REPLACE = "Replace"
    """Delete the unfinished run, then start the new one."""


class ScheduledSparkApplicationSpec(Model):
    schedule: str
    """Standard five-field cron, or a descriptor such as `@hourly` or `@every 1h30m`."""
    timeZone: str = "Local"
    """An IANA zone name (`Europe/Paris`); `Local` is the controller's zone."""
    template: SparkApplicationSpec
    suspend: bool = False
    concurrencyPolicy: ConcurrencyPolicy = ConcurrencyPolicy.ALLOW
    successfulRunHistoryLimit: Int32 = Field(default=1, ge=0)
    failedRunHistoryLimit: Int32 = Field(default=1, ge=0)

    def zone_and_expression(self) -> tuple[str, str]:
        """The zone the schedule runs in (a `CRON_TZ=` prefix wins over timeZone) and the bare schedule."""
        zone, expression = split_time_zone(self.schedule)
        return zone or self.timeZone or "Local", expression


class ScheduledSparkApplication(Model):
    apiVersion: Literal["sparkoperator.k8s.io/v1beta2"] = "sparkoperator.k8s.io/v1beta2"
    kind: Literal["ScheduledSparkApplication"] = "ScheduledSparkApplication"
    metadata: ObjectMeta
    spec: ScheduledSparkApplicationSpec
    status: ScheduledSparkApplicationStatus | None = None

    def run_name(self, at: datetime) -> str:
        """The name of the run started at `at` (an aware datetime): `<name>-<unix nanoseconds>`."""
        if not self.metadata.name:
            raise ValueError("the scheduled application has no metadata.name yet")
        if at.tzinfo is None:
            raise ValueError("run_name needs an aware datetime")
        delta = at - _EPOCH
        nanos = (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
        return f"{self.metadata.name}-{nanos}"


def load_scheduled_spark_application(data: Any) -> ScheduledSparkApplication:
    """Parse a manifest (a mapping from YAML or JSON); every problem is raised in one ManifestError."""
    try:
        return ScheduledSparkApplication.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(hinted_issues(exc, ScheduledSparkApplication)) from None
