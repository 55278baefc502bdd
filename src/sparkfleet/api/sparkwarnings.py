"""What a valid SparkApplication carries that a real cluster would refuse or skip: warnings, not errors.

The pod templates are schemaless in the CRD, so what Kubernetes would refuse on the pod is kept and only
warned about; YuniKorn skips a scheduling policy parameter it cannot read (the default applies).
"""

from __future__ import annotations

from sparkfleet.api.base import FieldIssue
from sparkfleet.api.kubeschema import CORE, schema_warnings
from sparkfleet.api.scheduledsparkapplication import ScheduledSparkApplication
from sparkfleet.api.sparkapplication import SparkApplication, SparkApplicationSpec
from sparkfleet.api.yunikorn import yunikorn_annotation_warnings

__all__ = [
    "annotation_warnings",
    "scheduled_spark_application_warnings",
    "spark_application_warnings",
    "template_warnings",
]


def template_warnings(spec: SparkApplicationSpec, prefix: str = "spec") -> list[FieldIssue]:
    """What the API server would refuse in the pod templates: kept and passed on, so only warned about."""
    found: list[FieldIssue] = []
    for role, pod in (("driver", spec.driver), ("executor", spec.executor)):
        if pod.template is not None:
            where = f"{prefix}.{role}.template"
            found.extend(
                FieldIssue(
                    w.path, f"{_kept(w.message)} (pod templates are schemaless: kept, passed to the pod)"
                )
                for w in schema_warnings(f"{CORE}PodTemplateSpec", pod.template.to_dict(), where)
            )
    return found


def _kept(message: str) -> str:
    return message.replace("unknown field; remove it", "unknown field: Kubernetes has no such field")


def annotation_warnings(spec: SparkApplicationSpec, prefix: str = "spec") -> list[FieldIssue]:
    """The YuniKorn scheduling policy parameters the driver and executor pods carry that YuniKorn skips."""
    found: list[FieldIssue] = []
    for role, pod in (("driver", spec.driver), ("executor", spec.executor)):
        found += yunikorn_annotation_warnings(pod.annotations, f"{prefix}.{role}.annotations")
        meta = pod.template.metadata if pod.template is not None else None
        if meta is not None:
            where = f"{prefix}.{role}.template.metadata.annotations"
            found += yunikorn_annotation_warnings(meta.annotations, where)
    return found


def spark_application_warnings(app: SparkApplication) -> list[FieldIssue]:
    return template_warnings(app.spec) + annotation_warnings(app.spec)


def scheduled_spark_application_warnings(app: ScheduledSparkApplication) -> list[FieldIssue]:
    spec = app.spec.template
    return template_warnings(spec, "spec.template") + annotation_warnings(spec, "spec.template")
