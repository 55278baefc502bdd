"""build_submission as a whole: the conf ConfigMap (golden), creation order, owners and determinism."""

from __future__ import annotations

import dataclasses
import re

import pytest

from sparkfleet.api.sparkapplication import load_spark_application
from sparkfleet.engine.submission import SubmissionError, build_submission, parse_properties
from sparkfleet.engine.submission.properties import java_date

from .reference import (
    GOLDEN_OPTIONS,
    IMAGE,
    SUBMISSION_ID,
    SUBMITTED_AT,
    golden,
    golden_app,
    golden_manifest,
    renamed,
)

GOLDEN_CONF_MAP = "spark-drv-3d67c6a20ac0351d-conf-map"
GOLDEN_DRIVER_UID = "132bdff0-0318-4d11-8f27-5c4c532b152d"
OPERATOR_ADDITIONS = {
    # The operator passes the image per role and labels executors like the driver; command.sh does not.
    "spark.kubernetes.driver.container.image": IMAGE,
    "spark.kubernetes.executor.container.image": IMAGE,
    "spark.kubernetes.executor.label.sparkoperator.k8s.io/launched-by-spark-operator": "true",
    "spark.kubernetes.executor.label.sparkoperator.k8s.io/submission-id": SUBMISSION_ID,
}
DATE_LINE = re.compile(r"^#\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}$")


def test_the_conf_config_map_is_the_one_spark_submit_applies() -> None:
    submission = build_submission(golden_app(), SUBMISSION_ID, GOLDEN_OPTIONS, submitted_at=SUBMITTED_AT)
    driver = {
        **submission.driver_pod,
        "metadata": {**submission.driver_pod["metadata"], "uid": GOLDEN_DRIVER_UID},
    }
    config_map = submission.dependents(driver)[0]
    ours_name = config_map["metadata"]["name"]
    service = submission.services[0]["metadata"]["name"]
    names = {
        GOLDEN_CONF_MAP: ours_name,
        "spark-dfd5ccfb64f748508bf11cefa73ff623": submission.spark_app_id,
        "pyspark-pi-karpenter-1b49eda20ac030ea-driver-svc": service,
    }
    expected = renamed(golden("03-ConfigMap-spark-drv-3d67c6a20ac0351d-conf-map.json"), names)
    ours_text = config_map["data"].pop("spark.properties")
    golden_text = expected["data"].pop("spark.properties")
    assert config_map == expected

    ours_lines, golden_lines = ours_text.splitlines(), golden_text.splitlines()
    assert (
        ours_lines[0]
        == golden_lines[0]
        == f"#Java properties built from Kubernetes config map with name: {ours_name}"
    )
    assert DATE_LINE.match(golden_lines[1]) and ours_lines[1] == "#" + java_date(SUBMITTED_AT)
    assert parse_properties(ours_text) == {**parse_properties(golden_text), **OPERATOR_ADDITIONS}


def test_the_properties_text_escapes_as_java_does() -> None:
    submission = build_submission(golden_app(), SUBMISSION_ID, GOLDEN_OPTIONS, submitted_at=SUBMITTED_AT)
    text = submission.config_map["data"]["spark.properties"]
    assert "spark.master=k8s\\://http\\://127.0.0.1\\:18444\n" in text
    assert "spark.eventLog.dir=s3a\\://bucket/spark-event-logs\n" in text
    assert parse_properties(text) == submission.conf


def test_building_twice_gives_the_same_objects_so_a_retry_finds_the_first_driver() -> None:
    first = build_submission(golden_app(), SUBMISSION_ID, GOLDEN_OPTIONS, submitted_at=SUBMITTED_AT)
    second = build_submission(golden_app(), SUBMISSION_ID, GOLDEN_OPTIONS, submitted_at=SUBMITTED_AT)
    assert first == second


def test_another_submission_gets_other_ids_and_names_but_the_same_driver_pod_name() -> None:
    first = build_submission(golden_app(), SUBMISSION_ID, GOLDEN_OPTIONS)
    second = build_submission(golden_app(), "00000000-0000-0000-0000-000000000002", GOLDEN_OPTIONS)
    assert first.spark_app_id != second.spark_app_id
    assert re.fullmatch(r"spark-[0-9a-f]{32}", first.spark_app_id)
    assert first.config_map["metadata"]["name"] != second.config_map["metadata"]["name"]
    assert first.services[0]["metadata"]["name"] != second.services[0]["metadata"]["name"]
    assert first.driver_pod_name == second.driver_pod_name == "pyspark-pi-karpenter-driver"


def test_dependents_are_owned_by_the_created_driver_pod_except_application_owned_ones() -> None:
    submission = build_submission(golden_app(), SUBMISSION_ID, GOLDEN_OPTIONS)
    driver = {**submission.driver_pod, "metadata": {**submission.driver_pod["metadata"], "uid": "driver-uid"}}
    owners = {
        (obj["kind"], obj["metadata"]["name"]): obj["metadata"]["ownerReferences"][0]["kind"]
        for obj in submission.dependents(driver)
    }
    assert owners == {
        ("ConfigMap", submission.config_map["metadata"]["name"]): "Pod",
        ("Service", submission.services[0]["metadata"]["name"]): "Pod",
        ("NetworkPolicy", submission.network_policies[0]["metadata"]["name"]): "Pod",
        ("Service", "pyspark-pi-karpenter-ui-svc"): "SparkApplication",
    }
    assert "ownerReferences" not in submission.config_map["metadata"]


def test_executors_get_the_network_policy_spark_4_creates() -> None:
    submission = build_submission(golden_app(), SUBMISSION_ID, GOLDEN_OPTIONS)
    (policy,) = submission.network_policies
    service = submission.services[0]["metadata"]["name"]
    app = {"spark-app-selector": submission.spark_app_id}
    # As Spark 4.3's spark-submit creates it: named after the resource prefix, like the driver service.
    assert policy["metadata"]["name"] == service.removesuffix("-driver-svc") + "-policy"
    assert policy["metadata"]["labels"] == app
    assert policy["spec"] == {
        "podSelector": {"matchLabels": {"spark-role": "executor", **app}},
        "ingress": [{"from": [{"podSelector": {"matchLabels": app}}]}],
    }


def test_without_a_submission_time_there_is_no_submit_time_and_no_date_line() -> None:
    submission = build_submission(golden_app(), SUBMISSION_ID, GOLDEN_OPTIONS)
    assert "spark.app.submitTime" not in submission.conf
    assert submission.config_map["data"]["spark.properties"].splitlines()[1].startswith("spark.")


def test_client_mode_is_refused_with_the_reason() -> None:
    manifest = golden_manifest()
    manifest["spec"]["mode"] = "client"
    with pytest.raises(SubmissionError, match='use mode "cluster"'):
        build_submission(load_spark_application(manifest), SUBMISSION_ID, GOLDEN_OPTIONS)


def test_an_application_without_a_namespace_goes_to_default() -> None:
    manifest = golden_manifest()
    del manifest["metadata"]["namespace"]
    submission = build_submission(load_spark_application(manifest), SUBMISSION_ID, GOLDEN_OPTIONS)
    assert submission.namespace == submission.driver_pod["metadata"]["namespace"] == "default"
    assert submission.conf["spark.kubernetes.namespace"] == "default"


def test_an_invalid_memory_setting_is_a_submission_error_naming_the_key() -> None:
    manifest = golden_manifest({"spark.executor.memoryOverheadFactor": "-1"})
    with pytest.raises(SubmissionError, match=r"spark\.executor\.memoryOverheadFactor"):
        build_submission(load_spark_application(manifest), SUBMISSION_ID, GOLDEN_OPTIONS)


def test_more_executors_than_the_cluster_allows_fail_the_submission_before_any_pod_is_made() -> None:
    manifest = golden_manifest()
    manifest["spec"]["executor"]["instances"] = 5
    options = dataclasses.replace(GOLDEN_OPTIONS, max_executors=4)
    with pytest.raises(SubmissionError, match=r"spec\.executor\.instances: .* 5 executors, above .* of 4"):
        build_submission(load_spark_application(manifest), SUBMISSION_ID, options)
    options = dataclasses.replace(GOLDEN_OPTIONS, max_executors=5)
    assert build_submission(load_spark_application(manifest), SUBMISSION_ID, options).driver_pod
