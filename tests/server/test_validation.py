"""Admission: model validation of incoming objects, with Kubernetes' fieldValidation for unknown fields."""

from __future__ import annotations

import pytest

from sparkfleet.cluster.errors import BadRequest
from sparkfleet.cluster.kinds import lookup
from sparkfleet.server.errors import FieldInvalid
from sparkfleet.server.validation import FieldValidation, admit, field_validation
from support.objects import pod, spark_app

SPARK_APP = lookup("SparkApplication")


def test_a_valid_object_is_admitted_unchanged() -> None:
    app = spark_app("pi")
    assert admit(SPARK_APP, app, FieldValidation.STRICT).obj == app


def test_invalid_values_are_refused_with_every_field_path() -> None:
    app = spark_app("pi", type="python")
    app["spec"]["driver"]["cores"] = "one"
    with pytest.raises(FieldInvalid) as caught:
        admit(SPARK_APP, app, FieldValidation.WARN)
    assert [c.field for c in caught.value.causes] == ["spec.type", "spec.driver.cores"]
    assert 'did you mean "Python"' in caught.value.causes[0].message


def test_strict_refuses_unknown_fields_with_a_hint() -> None:
    app = spark_app("pi")
    app["spec"]["driver"]["memry"] = "1g"
    with pytest.raises(
        BadRequest,
        match=r'strict decoding error: unknown field "spec.driver.memry" \(did you mean "memory"\?\)',
    ):
        admit(SPARK_APP, app, FieldValidation.STRICT)


def test_strict_reports_unknown_fields_with_the_other_problems() -> None:
    app = spark_app("pi", type="Cobol")
    app["spec"]["colour"] = "blue"
    with pytest.raises(FieldInvalid) as caught:
        admit(SPARK_APP, app, FieldValidation.STRICT)
    assert {c.field for c in caught.value.causes} == {"spec.type", "spec.colour"}


def test_warn_drops_unknown_fields_and_says_so() -> None:
    app = spark_app("pi")
    app["spec"]["driver"]["memry"] = "1g"
    admitted = admit(SPARK_APP, app, FieldValidation.WARN)
    assert "memry" not in admitted.obj["spec"]["driver"]
    assert admitted.warnings == ['unknown field "spec.driver.memry" (did you mean "memory"?)']
    assert app["spec"]["driver"]["memry"] == "1g"  # the request itself is left alone


def test_ignore_drops_unknown_fields_silently() -> None:
    obj = pod("p")
    obj["spec"]["containers"][0]["imagePolicy"] = "x"
    admitted = admit(lookup("Pod"), obj, FieldValidation.IGNORE)
    assert "imagePolicy" not in admitted.obj["spec"]["containers"][0]
    assert admitted.warnings == []


def test_a_status_write_is_judged_on_status_only() -> None:
    app = spark_app("pi", type="python")  # stored long ago, before the rules
    app["status"] = {"applicationState": {"state": 7}}
    with pytest.raises(FieldInvalid) as caught:
        admit(SPARK_APP, app, FieldValidation.STRICT, status_only=True)
    assert [c.field for c in caught.value.causes] == ["status.applicationState.state"]
    app["status"] = {"applicationState": {"state": "RUNNING"}}
    assert admit(SPARK_APP, app, FieldValidation.STRICT, status_only=True).obj["status"][
        "applicationState"
    ] == {"state": "RUNNING"}


def test_field_validation_reads_the_query_value() -> None:
    assert field_validation(None) is FieldValidation.WARN
    assert field_validation("Strict") is FieldValidation.STRICT
    with pytest.raises(BadRequest, match="Ignore, Warn, Strict"):
        field_validation("strict")
