"""Warnings about valid Spark applications: what the schemaless pod templates carry that Kubernetes would
refuse (kept and passed on), and scheduling policy parameters YuniKorn would skip."""

from __future__ import annotations

from typing import Any

from sparkfleet.api.scheduledsparkapplication import load_scheduled_spark_application
from sparkfleet.api.sparkapplication import load_spark_application
from sparkfleet.api.sparkwarnings import (
    scheduled_spark_application_warnings,
    spark_application_warnings,
    template_warnings,
)
from sparkfleet.api.wire import ANNOTATION_SCHEDULING_POLICY_PARAMETERS


def spec(**driver: Any) -> dict[str, Any]:
    return {
        "type": "Python",
        "sparkVersion": "3.5.3",
        "mainApplicationFile": "local:///a.py",
        "driver": driver,
        "executor": {},
    }


def app(**driver: Any) -> dict[str, Any]:
    return {
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "kind": "SparkApplication",
        "metadata": {"name": "t", "namespace": "default"},
        "spec": spec(**driver),
    }


def test_pod_templates_keep_unknown_fields_and_pass_them_on_with_a_warning() -> None:
    parsed = load_spark_application(
        app(template={"spec": {"securityContext": {"capabilities": {"drop": ["ALL"]}}, "futureField": 1}})
    )
    template = parsed.spec.driver.template
    assert template is not None
    written = template.model_dump(mode="json", exclude_unset=True)
    assert written["spec"]["securityContext"] == {"capabilities": {"drop": ["ALL"]}}
    assert written["spec"]["futureField"] == 1
    first, second = template_warnings(parsed.spec)
    assert first.path == "spec.driver.template.spec.securityContext.capabilities"
    assert first.message.startswith("unknown field; capabilities belongs in a container's securityContext")
    assert second.path == "spec.driver.template.spec.futureField"
    assert second.message == (
        "unknown field: Kubernetes has no such field (pod templates are schemaless: kept, passed to the pod)"
    )


def test_a_template_of_valid_fields_and_plain_annotations_warn_of_nothing() -> None:
    parsed = load_spark_application(app(template={"spec": {"os": {"name": "linux"}}}, annotations={"a": "b"}))
    assert spark_application_warnings(parsed) == []


def test_a_policy_parameter_yunikorn_skips_is_a_warning_on_the_role_s_annotations() -> None:
    parsed = load_spark_application(
        app(annotations={ANNOTATION_SCHEDULING_POLICY_PARAMETERS: "placeholderTimeoutSeconds=60"})
    )
    (warning,) = spark_application_warnings(parsed)
    assert warning.path == f'spec.driver.annotations["{ANNOTATION_SCHEDULING_POLICY_PARAMETERS}"]'
    assert 'did you mean "placeholderTimeoutInSeconds"' in warning.message


def test_a_scheduled_application_s_warnings_are_under_its_template() -> None:
    scheduled = load_scheduled_spark_application(
        {
            "apiVersion": "sparkoperator.k8s.io/v1beta2",
            "kind": "ScheduledSparkApplication",
            "metadata": {"name": "s", "namespace": "default"},
            "spec": {"schedule": "@every 1h", "template": spec(template={"spec": {"x": 1}})},
        }
    )
    (warning,) = scheduled_spark_application_warnings(scheduled)
    assert warning.path == "spec.template.driver.template.spec.x"
