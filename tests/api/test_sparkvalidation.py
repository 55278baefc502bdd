"""Semantic rules: the operator's webhook checks and the mistakes that would fail later, each with a fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from sparkfleet.api.scheduledsparkapplication import load_scheduled_spark_application
from sparkfleet.api.sparkapplication import load_spark_application
from sparkfleet.api.sparkvalidation import (
    MAX_APP_NAME,
    MAX_SCHEDULED_NAME,
    schedule_issue,
    scheduled_spark_application_hints,
    spark_application_hints,
    suggest_label,
    time_zone_issue,
    validate_scheduled_spark_application,
    validate_spark_application,
)

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "data-on-eks"


def reference_apps() -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(REFERENCE.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not isinstance(doc, dict):
                continue
            name = str(path.relative_to(REFERENCE))
            if doc.get("kind") == "SparkApplication":
                found.append((name, doc))
            for template in (doc.get("spec") or {}).get("templates") or []:
                manifest = (template.get("resource") or {}).get("manifest")
                if manifest:
                    found.append((f"{name}#{template['name']}", yaml.safe_load(manifest)))
    return found


REFERENCE_APPS = reference_apps() if REFERENCE.exists() else []


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


# --- valid applications ---


@pytest.mark.skipif(not REFERENCE.exists(), reason="reference manifests not beside the repository")
@pytest.mark.parametrize("name,doc", REFERENCE_APPS, ids=[n for n, _ in REFERENCE_APPS])
def test_every_blueprint_spark_application_has_no_issues(name: str, doc: dict[str, Any]) -> None:
    assert issues(doc) == []


def test_a_plain_application_has_no_issues() -> None:
    assert issues(app_doc()) == []


def test_a_generated_name_is_accepted_when_its_prefix_is_a_label() -> None:
    doc = app_doc()
    doc["metadata"] = {"generateName": "spark-pi-python-", "namespace": "spark-team-a"}
    assert issues(doc) == []


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


# --- sparkConf ---


@pytest.mark.parametrize(
    "key,fix",
    [
        ("spark.master", "remove it"),
        ("spark.kubernetes.driver.master", "spec.driver.kubernetesMaster"),
        ("spark.kubernetes.container.image", "set spec.image"),
        ("spark.kubernetes.driver.container.image", "set spec.driver.image"),
        ("spark.kubernetes.executor.container.image", "set spec.executor.image"),
        ("spark.kubernetes.authenticate.driver.serviceAccountName", "spec.driver.serviceAccount"),
        ("spark.kubernetes.authenticate.executor.serviceAccountName", "spec.executor.serviceAccount"),
        ("spark.kubernetes.authenticate.submission.oauthToken", "service account"),
        ("spark.kubernetes.authenticate.driver.oauthTokenFile", "service account"),
    ],
)
def test_denied_spark_conf_keys_name_the_field_to_use_instead(key: str, fix: str) -> None:
    path, message = only_issue(app_doc(sparkConf={key: "x"}))
    assert path == f'spec.sparkConf["{key}"]'
    assert "is not allowed" in message
    assert fix in message


def test_a_spark_namespace_other_than_the_applications_is_refused() -> None:
    path, message = only_issue(app_doc(sparkConf={"spark.kubernetes.namespace": "spark-team-b"}))
    assert path == 'spec.sparkConf["spark.kubernetes.namespace"]'
    assert 'namespace "spark-team-a"' in message


def test_the_same_spark_namespace_is_accepted() -> None:
    assert issues(app_doc(sparkConf={"spark.kubernetes.namespace": "spark-team-a"})) == []


def test_the_namespace_rule_waits_until_the_namespace_is_known() -> None:
    assert issues(app_doc(namespace=None, sparkConf={"spark.kubernetes.namespace": "x"})) == []


# --- pods ---


def test_node_selectors_at_both_levels_name_both_paths() -> None:
    doc = app_doc(nodeSelector={"NodeGroupType": "SparkComputeOptimized"})
    doc["spec"]["driver"]["nodeSelector"] = {"karpenter.sh/capacity-type": "on-demand"}
    path, message = only_issue(doc)
    assert path == "spec.driver.nodeSelector"
    assert "spec.nodeSelector" in message


def test_node_selectors_conflict_for_executors_too() -> None:
    doc = app_doc(nodeSelector={"a": "b"})
    doc["spec"]["executor"]["nodeSelector"] = {"c": "d"}
    assert only_issue(doc)[0] == "spec.executor.nodeSelector"


def test_a_core_limit_below_the_request_is_refused() -> None:
    doc = app_doc()
    doc["spec"]["executor"].update(cores=2, coreLimit="1200m")
    path, message = only_issue(doc)
    assert path == "spec.executor.coreLimit"
    assert "2000m" in message


def test_a_memory_limit_below_memory_plus_overhead_is_refused() -> None:
    doc = app_doc()
    doc["spec"]["driver"].update(memory="4g", memoryOverhead="1g", memoryLimit="4Gi")
    path, message = only_issue(doc)
    assert path == "spec.driver.memoryLimit"
    assert "5120Mi" in message


def test_a_mount_of_an_undeclared_volume_suggests_the_declared_one() -> None:
    doc = app_doc(volumes=[{"name": "spark-local-dir-1", "hostPath": {"path": "/mnt/k8s-disks/0"}}])
    doc["spec"]["executor"]["volumeMounts"] = [{"name": "spark-local-dir-2", "mountPath": "/data1"}]
    path, message = only_issue(doc)
    assert path == "spec.executor.volumeMounts[0].name"
    assert 'did you mean "spark-local-dir-1"' in message


def test_volumes_declared_through_spark_conf_count_as_declared() -> None:
    key = "spark.kubernetes.driver.volumes.persistentVolumeClaim.spark-local-dir-1.mount.path"
    doc = app_doc(sparkConf={key: "/data1"})
    doc["spec"]["driver"]["volumeMounts"] = [{"name": "spark-local-dir-1", "mountPath": "/data1"}]
    assert issues(doc) == []


def test_a_volume_declared_twice_is_refused() -> None:
    volume = {"name": "data", "emptyDir": {}}
    path, _ = only_issue(app_doc(volumes=[volume, volume]))
    assert path == "spec.volumes[1].name"


def test_an_invalid_label_value_on_the_driver_is_refused() -> None:
    doc = app_doc()
    doc["spec"]["driver"]["labels"] = {"team": "data science"}
    path, message = only_issue(doc)
    assert path == 'spec.driver.labels["team"]'
    assert "invalid label value" in message


# --- the rest of the spec ---


def test_a_blank_main_application_file_is_refused() -> None:
    path, message = only_issue(app_doc(mainApplicationFile=" "))
    assert path == "spec.mainApplicationFile"
    assert "must not be empty" in message


def test_dynamic_allocation_bounds_must_be_in_order() -> None:
    found = issues(
        app_doc(
            dynamicAllocation={"enabled": True, "minExecutors": 5, "initialExecutors": 2, "maxExecutors": 4}
        )
    )
    assert [path for path, _ in found] == [
        "spec.dynamicAllocation.minExecutors",
        "spec.dynamicAllocation.initialExecutors",
    ]
    assert "make min <= max" in found[0][1]


def test_dynamic_allocation_without_shuffle_tracking_needs_the_shuffle_service() -> None:
    path, message = only_issue(app_doc(dynamicAllocation={"enabled": True, "shuffleTrackingEnabled": False}))
    assert path == "spec.dynamicAllocation.shuffleTrackingEnabled"
    assert "spark.shuffle.service.enabled" in message
    with_service = app_doc(
        dynamicAllocation={"enabled": True, "shuffleTrackingEnabled": False},
        sparkConf={"spark.shuffle.service.enabled": "true"},
    )
    assert issues(with_service) == []


def test_py_files_in_a_scala_application_are_refused() -> None:
    path, message = only_issue(app_doc(type="Scala", mainClass="Main", deps={"pyFiles": ["s3a://b/lib.zip"]}))
    assert path == "spec.deps.pyFiles"
    assert 'set type to "Python"' in message


def test_an_unknown_batch_scheduler_suggests_a_known_one() -> None:
    path, message = only_issue(app_doc(batchScheduler="yunicorn"))
    assert path == "spec.batchScheduler"
    assert 'did you mean "yunikorn"' in message


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


# --- ScheduledSparkApplication ---


def test_a_plain_scheduled_application_has_no_issues_or_hints() -> None:
    app = load_scheduled_spark_application(scheduled_doc())
    assert validate_scheduled_spark_application(app) == []
    assert scheduled_spark_application_hints(app) == []


@pytest.mark.parametrize(
    "schedule",
    [
        "*/15 * * * *",
        "0 6 * * MON-FRI",
        "@hourly",
        "@midnight",
        "@every 1h30m",
        "CRON_TZ=Asia/Tokyo 0 6 * * *",
    ],
)
def test_schedules_the_operators_parser_accepts_are_accepted(schedule: str) -> None:
    assert schedule_issue(schedule, "spec.schedule") is None


def test_a_bad_cron_expression_shows_the_expected_form() -> None:
    assert scheduled_issues(scheduled_doc(schedule="61 * * * *")) == [
        (
            "spec.schedule",
            "invalid cron schedule '61 * * * *': use five fields (minute hour day-of-month month "
            'day-of-week), e.g. "*/15 * * * *", or @hourly, @daily, @every 10m',
        )
    ]


def test_a_six_field_schedule_is_refused_as_the_operator_does() -> None:
    [(path, message)] = scheduled_issues(scheduled_doc(schedule="0 0 2 * * *"))
    assert path == "spec.schedule"
    assert "five fields" in message


def test_a_schedule_that_never_fires_is_refused() -> None:
    [(path, message)] = scheduled_issues(scheduled_doc(schedule="0 0 30 2 *"))
    assert path == "spec.schedule"
    assert "never fires" in message


def test_a_misspelt_descriptor_suggests_the_real_one() -> None:
    [(path, message)] = scheduled_issues(scheduled_doc(schedule="@hourlly"))
    assert path == "spec.schedule"
    assert 'did you mean "@hourly"' in message


def test_an_every_schedule_needs_a_go_duration() -> None:
    [(path, message)] = scheduled_issues(scheduled_doc(schedule="@every 5"))
    assert path == "spec.schedule"
    assert "Go duration" in message


def test_an_unknown_time_zone_suggests_a_close_one() -> None:
    [(path, message)] = scheduled_issues(scheduled_doc(timeZone="Europe/Pariss"))
    assert path == "spec.timeZone"
    assert 'did you mean "Europe/Paris"' in message


def test_local_and_iana_time_zones_are_accepted() -> None:
    assert time_zone_issue("Local", "spec.timeZone") is None
    assert time_zone_issue("America/New_York", "spec.timeZone") is None


def test_an_unknown_zone_in_a_cron_tz_prefix_is_reported_on_the_schedule() -> None:
    [(path, message)] = scheduled_issues(scheduled_doc(schedule="CRON_TZ=Mars/Olympus 0 6 * * *"))
    assert path == "spec.schedule"
    assert "unknown time zone 'Mars/Olympus'" in message


def test_a_scheduled_name_leaves_room_for_the_run_suffix() -> None:
    [(path, message)] = scheduled_issues(scheduled_doc(name="n" * (MAX_SCHEDULED_NAME + 1)))
    assert path == "metadata.name"
    assert f"at most {MAX_SCHEDULED_NAME} characters" in message


def test_template_issues_carry_the_template_path() -> None:
    doc = scheduled_doc()
    doc["spec"]["template"]["sparkConf"] = {"spark.master": "local[*]"}
    doc["spec"]["template"]["nodeSelector"] = {"a": "b"}
    doc["spec"]["template"]["executor"]["nodeSelector"] = {"c": "d"}
    assert [path for path, _ in scheduled_issues(doc)] == [
        'spec.template.sparkConf["spark.master"]',
        "spec.template.executor.nodeSelector",
    ]
    assert "spec.template.nodeSelector" in scheduled_issues(doc)[1][1]
