"""Names and ids derived from the submission id: stable, valid, and shaped like Spark's."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from sparkfleet.engine.submission import submission_ids
from sparkfleet.engine.submission.names import (
    app_name_label,
    driver_service_name,
    executor_hostname,
    resource_name_prefix,
    ui_service_name,
)

LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def test_ids_have_sparks_shapes_and_depend_only_on_the_submission_id() -> None:
    ids = submission_ids("abc")
    assert ids == submission_ids("abc") != submission_ids("abd")
    assert re.fullmatch(r"spark-[0-9a-f]{32}", ids.app_id)
    assert re.fullmatch(r"spark-drv-[0-9a-f]{16}-conf-map", ids.driver_config_map)
    assert re.fullmatch(r"spark-exec-[0-9a-f]{16}-conf-map", ids.executor_config_map)
    assert re.fullmatch(r"[0-9a-f]{16}", ids.driver_unique)
    assert re.fullmatch(
        r"/var/data/spark-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", ids.local_dir
    )


def test_resource_prefix_is_made_safe_as_spark_makes_it() -> None:
    assert resource_name_prefix("Spark Pi!", "00ff") == "spark-pi-00ff"
    assert resource_name_prefix("-x", "1") == "x-1"
    assert resource_name_prefix("9lives", "1") == "xlives-1"


def test_app_name_label_is_lower_dashed_and_at_most_63_characters() -> None:
    assert app_name_label("PythonPi") == "pythonpi"
    assert app_name_label("My App_2") == "my-app-2"
    assert len(app_name_label("a" * 100)) == 63


def test_driver_service_name_falls_back_to_spark_and_the_unique_part_when_too_long() -> None:
    assert driver_service_name("app-0123", "0123") == "app-0123-driver-svc"
    assert driver_service_name("a" * 60, "0123") == "spark-0123-driver-svc"


def test_executor_hostname_keeps_the_tail_and_only_hostname_characters() -> None:
    assert executor_hostname("app-exec-1") == "app-exec-1"
    assert executor_hostname("x" * 60 + "-exec-12") == ("x" * 60 + "-exec-12")[-63:]
    assert executor_hostname("--a.b-exec-1") == "a_b-exec-1"


@given(st.from_regex(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?", fullmatch=True))
def test_ui_service_names_are_always_valid_dns_labels(app: str) -> None:
    name = ui_service_name(app)
    assert len(name) <= 63 and LABEL.match(name) and name.endswith("-ui-svc")


@given(st.text(min_size=1, max_size=80).filter(lambda t: any(c.isalnum() and c.isascii() for c in t)))
def test_app_name_labels_are_valid_label_values(app: str) -> None:
    label = app_name_label(app)
    assert label == "" or (len(label) <= 63 and LABEL.match(label))
