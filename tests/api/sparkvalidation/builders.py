"""SparkApplication and ScheduledSparkApplication documents and the issues they get, shared by these tests."""

from __future__ import annotations

from typing import Any

from sparkfleet.api.scheduledsparkapplication import load_scheduled_spark_application
from sparkfleet.api.sparkapplication import load_spark_application
from sparkfleet.api.sparkvalidation import validate_scheduled_spark_application, validate_spark_application


def app_doc(name: str = "taxi-trip", namespace: str | None = "spark-team-a", **spec: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    doc: dict[str, Any] = {
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "kind": "SparkApplication",
        "metadata": metadata,
        "spec": {
            "type": "Python",
            "sparkVersion": "3.5.3",
            "mainApplicationFile": "s3a://bucket/taxi-trip/scripts/pyspark-taxi-trip.py",
            "driver": {"cores": 1, "memory": "4g"},
            "executor": {"cores": 1, "instances": 4, "memory": "4g"},
        },
    }
    doc["spec"].update(spec)
    return doc


def issues(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return [(i.path, i.message) for i in validate_spark_application(load_spark_application(doc))]


def only_issue(doc: dict[str, Any]) -> tuple[str, str]:
    found = issues(doc)
    assert len(found) == 1, found
    return found[0]


def scheduled_doc(name: str = "nightly", **spec: Any) -> dict[str, Any]:
    template = app_doc()["spec"]
    doc: dict[str, Any] = {
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "kind": "ScheduledSparkApplication",
        "metadata": {"name": name, "namespace": "spark-team-a"},
        "spec": {"schedule": "0 2 * * *", "template": template},
    }
    doc["spec"].update(spec)
    return doc


def scheduled_issues(doc: dict[str, Any]) -> list[tuple[str, str]]:
    app = load_scheduled_spark_application(doc)
    return [(i.path, i.message) for i in validate_scheduled_spark_application(app)]
