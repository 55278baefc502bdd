"""Names short enough for the objects named after them, with a suggestion when they are not labels."""

from __future__ import annotations

from sparkfleet.api.sparkvalidation import (
    MAX_APP_NAME,
    suggest_label,
)

from .builders import app_doc, issues, only_issue

# --- names ---


def test_a_name_that_is_not_a_dns_label_gets_a_suggestion() -> None:
    path, message = only_issue(app_doc(name="Taxi_Trip"))
    assert path == "metadata.name"
    assert "not a DNS-1035 label" in message
    assert 'such as "taxi-trip"' in message


def test_a_name_starting_with_a_digit_is_refused() -> None:
    path, message = only_issue(app_doc(name="1-taxi"))
    assert path == "metadata.name"
    assert "starting with a letter" in message


def test_a_name_too_long_for_the_driver_pod_and_ui_service_says_how_short_it_must_be() -> None:
    path, message = only_issue(app_doc(name="a" * (MAX_APP_NAME + 1)))
    assert path == "metadata.name"
    assert f"shorten it to at most {MAX_APP_NAME} characters" in message
    assert "<name>-ui-svc" in message
    assert issues(app_doc(name="a" * MAX_APP_NAME)) == []


def test_a_generate_name_leaves_room_for_the_random_suffix() -> None:
    doc = app_doc()
    doc["metadata"] = {"generateName": "a" * MAX_APP_NAME}
    path, message = only_issue(doc)
    assert path == "metadata.generateName"
    assert f"at most {MAX_APP_NAME - 5} characters" in message


def test_a_missing_name_and_generate_name_is_reported() -> None:
    doc = app_doc()
    doc["metadata"] = {"namespace": "spark-team-a"}
    path, message = only_issue(doc)
    assert path == "metadata.name"
    assert "required" in message


def test_suggested_labels_are_valid_or_absent() -> None:
    assert suggest_label("My.Spark Job") == "my-spark-job"
    assert suggest_label("123") is None


def test_an_explicit_driver_pod_name_must_be_a_valid_pod_name() -> None:
    path, message = only_issue(app_doc(sparkConf={"spark.kubernetes.driver.pod.name": "Taxi_Driver"}))
    assert path == 'spec.sparkConf["spark.kubernetes.driver.pod.name"]'
    assert message.startswith('Invalid value: "Taxi_Driver": a lowercase RFC 1123 subdomain')
