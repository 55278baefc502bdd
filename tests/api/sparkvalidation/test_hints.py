"""Hints: fields ignored or deprecated as written, which do not block."""

from __future__ import annotations

from sparkfleet.api.sparkapplication import load_spark_application
from sparkfleet.api.sparkvalidation import spark_application_hints

from .builders import app_doc, issues

# --- hints that do not block ---


def test_a_python_version_on_a_scala_application_is_only_a_hint() -> None:
    doc = app_doc(type="Scala", mainClass="Main", pythonVersion="3")
    assert issues(doc) == []
    hints = [(h.path, h.message) for h in spark_application_hints(load_spark_application(doc))]
    assert hints == [
        ("spec.pythonVersion", 'is ignored for type "Scala": remove it, or set type to "Python"')
    ]


def test_retries_with_restart_policy_never_are_a_hint() -> None:
    doc = app_doc(restartPolicy={"type": "Never", "onFailureRetries": 3})
    hints = spark_application_hints(load_spark_application(doc))
    assert [h.path for h in hints] == ["spec.restartPolicy.type"]
