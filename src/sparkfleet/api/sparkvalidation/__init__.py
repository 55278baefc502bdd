"""Semantic checks of SparkApplication and ScheduledSparkApplication that field types cannot express.

The operator's validating webhook rules (DNS-1035 names, denied sparkConf keys, the namespace, node
selectors set twice) plus the mistakes that otherwise surface only minutes later as a failed pod. Every
issue names the full field path and says the fix. One module per part: `metadata` (names and labels),
`spec` (the SparkApplication spec), `limits` (what it asks for: executors, cores, memory), `schedule`
(ScheduledSparkApplication) and `hints` (advice that does not block: the object is valid as written).
"""

from __future__ import annotations

from sparkfleet.api.sparkvalidation.hints import (
    scheduled_spark_application_hints,
    spark_application_hints,
    spark_application_spec_hints,
)
from sparkfleet.api.sparkvalidation.limits import executor_limit_issues
from sparkfleet.api.sparkvalidation.metadata import (
    GENERATE_NAME_RANDOM,
    LABEL_MAX,
    MAX_APP_NAME,
    MAX_SCHEDULED_NAME,
    NAME_SUFFIX_LENGTH,
    suggest_label,
)
from sparkfleet.api.sparkvalidation.schedule import (
    schedule_issue,
    time_zone_issue,
    validate_scheduled_spark_application,
)
from sparkfleet.api.sparkvalidation.spec import (
    KNOWN_BATCH_SCHEDULERS,
    validate_spark_application,
    validate_spark_application_spec,
)

__all__ = [
    "GENERATE_NAME_RANDOM",
    "KNOWN_BATCH_SCHEDULERS",
    "LABEL_MAX",
    "MAX_APP_NAME",
    "MAX_SCHEDULED_NAME",
    "NAME_SUFFIX_LENGTH",
    "executor_limit_issues",
    "schedule_issue",
    "scheduled_spark_application_hints",
    "spark_application_hints",
    "spark_application_spec_hints",
    "suggest_label",
    "time_zone_issue",
    "validate_scheduled_spark_application",
    "validate_spark_application",
    "validate_spark_application_spec",
]
