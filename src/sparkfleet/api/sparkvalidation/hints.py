"""Advice that does not block: fields of an application that are ignored or deprecated as written."""

from __future__ import annotations

from sparkfleet.api.base import FieldIssue
from sparkfleet.api.scheduledsparkapplication import ScheduledSparkApplication
from sparkfleet.api.sparkapplication import ApplicationType, SparkApplication, SparkApplicationSpec


def spark_application_spec_hints(spec: SparkApplicationSpec, prefix: str = "spec") -> list[FieldIssue]:
    """Advice that does not block: fields that are ignored or deprecated as written."""
    hints: list[FieldIssue] = []
    if spec.pythonVersion is not None and spec.type != ApplicationType.PYTHON:
        hints.append(
            FieldIssue(
                f"{prefix}.pythonVersion",
                f'is ignored for type "{spec.type}": remove it, or set type to "Python"',
            )
        )
    if spec.type in (ApplicationType.JAVA, ApplicationType.SCALA) and not spec.mainClass:
        hints.append(
            FieldIssue(
                f"{prefix}.mainClass",
                "is not set: the jar's manifest must name its Main-Class, or set mainClass",
            )
        )
    policy = spec.restartPolicy
    if policy.type == "Never" and (policy.onFailureRetries or policy.onSubmissionFailureRetries):
        hints.append(
            FieldIssue(
                f"{prefix}.restartPolicy.type",
                'is "Never", so the retry counts are ignored: set type to "OnFailure" to retry',
            )
        )
    for legacy, replacement in (
        ("failureRetries", "onFailureRetries"),
        ("retryInterval", "onFailureRetryInterval"),
    ):
        if getattr(spec, legacy) is not None:
            hints.append(
                FieldIssue(
                    f"{prefix}.{legacy}",
                    f"is not used by v1beta2: set {prefix}.restartPolicy.{replacement} instead",
                )
            )
    for role, pod in (("driver", spec.driver), ("executor", spec.executor)):
        if pod.envVars:
            hints.append(FieldIssue(f"{prefix}.{role}.envVars", "is deprecated: use env instead"))
        if pod.envSecretKeyRefs:
            hints.append(
                FieldIssue(
                    f"{prefix}.{role}.envSecretKeyRefs",
                    "is deprecated: use env with valueFrom.secretKeyRef instead",
                )
            )
    return hints


def spark_application_hints(app: SparkApplication) -> list[FieldIssue]:
    return spark_application_spec_hints(app.spec)


def scheduled_spark_application_hints(app: ScheduledSparkApplication) -> list[FieldIssue]:
    return spark_application_spec_hints(app.spec.template, "spec.template")
