"""SparkApplication spec rules: the operator's webhook checks and the mistakes that would fail later."""

from __future__ import annotations

from typing import Any

import pytest

from ..reference import REFERENCE_APPS
from .builders import app_doc, issues, only_issue

# --- valid applications ---


@pytest.mark.parametrize("name,doc", REFERENCE_APPS, ids=[n for n, _ in REFERENCE_APPS])
def test_every_blueprint_spark_application_has_no_issues(name: str, doc: dict[str, Any]) -> None:
    assert issues(doc) == []


def test_a_plain_application_has_no_issues() -> None:
    assert issues(app_doc()) == []


def test_a_generated_name_is_accepted_when_its_prefix_is_a_label() -> None:
    doc = app_doc()
    doc["metadata"] = {"generateName": "spark-pi-python-", "namespace": "spark-team-a"}
    assert issues(doc) == []


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
