"""Native submission: a SparkApplication becomes the Kubernetes objects spark-submit and the Spark
Operator would create (driver pod, conf ConfigMap, services, executor template), with no JVM started."""

from sparkfleet.engine.submission.build import LOCAL_IMAGE, Submission, SubmissionOptions, build_submission
from sparkfleet.engine.submission.errors import SubmissionError
from sparkfleet.engine.submission.executor import (
    EXECUTOR_TEMPLATE_KEY,
    SPARK_4_EXECUTOR_JAVA_OPTIONS,
    ExecutorTemplate,
    build_executor_config_map,
    build_executor_pod,
    build_executor_volume_claims,
)
from sparkfleet.engine.submission.features import (
    DRIVER_CONF_VOLUME,
    EXECUTOR_CONF_VOLUME,
    EXECUTOR_SPARK_ENV,
    JAVA_OPT_PREFIX,
    RESERVED_EXECUTOR_LABELS,
    SPARK_PROPERTIES,
)
from sparkfleet.engine.submission.memory import PodMemory, driver_memory, executor_memory
from sparkfleet.engine.submission.names import SubmissionIds, submission_ids
from sparkfleet.engine.submission.ports import DEFAULT_UI_PORT, UI_PORT_NAME
from sparkfleet.engine.submission.properties import parse_properties, render_properties

__all__ = [
    "DEFAULT_UI_PORT",
    "DRIVER_CONF_VOLUME",
    "EXECUTOR_CONF_VOLUME",
    "EXECUTOR_SPARK_ENV",
    "EXECUTOR_TEMPLATE_KEY",
    "JAVA_OPT_PREFIX",
    "LOCAL_IMAGE",
    "RESERVED_EXECUTOR_LABELS",
    "SPARK_4_EXECUTOR_JAVA_OPTIONS",
    "SPARK_PROPERTIES",
    "UI_PORT_NAME",
    "ExecutorTemplate",
    "PodMemory",
    "Submission",
    "SubmissionError",
    "SubmissionIds",
    "SubmissionOptions",
    "build_executor_config_map",
    "build_executor_pod",
    "build_executor_volume_claims",
    "build_submission",
    "driver_memory",
    "executor_memory",
    "parse_properties",
    "render_properties",
    "submission_ids",
]
