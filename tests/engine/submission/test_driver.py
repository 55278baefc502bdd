"""The driver pod: spark-submit's pod field for field (golden), then the operator webhook's patches."""

from __future__ import annotations

from typing import Any

import pytest

from sparkfleet.api.sparkapplication import load_spark_application
from sparkfleet.engine.submission import SubmissionError, build_submission

from .reference import (
    APP_UID,
    GOLDEN_OPTIONS,
    SUBMISSION_ID,
    SUBMITTED_AT,
    golden,
    golden_app,
    golden_manifest,
    renamed,
)

GOLDEN_APP_ID = "spark-dfd5ccfb64f748508bf11cefa73ff623"
GOLDEN_CONF_MAP = "spark-drv-3d67c6a20ac0351d-conf-map"
APP_OWNER = {
    "apiVersion": "sparkoperator.k8s.io/v1beta2",
    "kind": "SparkApplication",
    "name": "pyspark-pi-karpenter",
    "uid": APP_UID,
    "controller": True,
}


def build(manifest: dict[str, Any]) -> dict[str, Any]:
    return build_submission(load_spark_application(manifest), SUBMISSION_ID, GOLDEN_OPTIONS).driver_pod


def spark_container(pod: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in pod["spec"]["containers"] if c["name"] == "spark-kubernetes-driver")


def test_the_driver_pod_is_spark_submits_pod_with_the_webhooks_owner_reference() -> None:
    submission = build_submission(golden_app(), SUBMISSION_ID, GOLDEN_OPTIONS, submitted_at=SUBMITTED_AT)
    expected = renamed(
        golden("01-Pod-pyspark-pi-karpenter-driver.json"),
        {GOLDEN_APP_ID: submission.spark_app_id, GOLDEN_CONF_MAP: submission.config_map["metadata"]["name"]},
    )
    # Added by the operator's webhook; fabric8 sends the namespace in the URL rather than the body.
    expected["metadata"]["ownerReferences"] = [APP_OWNER]
    expected["metadata"]["namespace"] = "spark-team-a"
    assert submission.driver_pod == expected


def test_driver_memory_is_heap_plus_the_384_mib_minimum_overhead_for_a_small_python_driver() -> None:
    resources = spark_container(build(golden_manifest()))["resources"]
    assert resources == {
        "requests": {"cpu": "1", "memory": "896Mi"},
        "limits": {"cpu": "1200m", "memory": "896Mi"},
    }


def test_core_request_replaces_cores_in_the_cpu_request() -> None:
    manifest = golden_manifest()
    manifest["spec"]["driver"]["coreRequest"] = "500m"
    assert spark_container(build(manifest))["resources"]["requests"]["cpu"] == "500m"


def test_the_pod_template_is_the_base_spark_adds_to() -> None:
    manifest = golden_manifest()
    manifest["spec"]["driver"]["template"] = {
        "metadata": {"labels": {"team": "a"}, "annotations": {"note": "kept"}},
        "spec": {
            "priorityClassName": "high",
            "nodeSelector": {"zone": "a"},
            "containers": [
                {"name": "log-shipper", "image": "fluent-bit"},
                {
                    "name": "spark-kubernetes-driver",
                    "env": [{"name": "FROM_TEMPLATE", "value": "1"}],
                    "resources": {"requests": {"ephemeral-storage": "1Gi"}},
                },
            ],
        },
    }
    pod = build(manifest)
    assert [c["name"] for c in pod["spec"]["containers"]] == ["log-shipper", "spark-kubernetes-driver"]
    spark = spark_container(pod)
    assert spark["env"][0] == {"name": "FROM_TEMPLATE", "value": "1"}
    assert spark["resources"]["requests"] == {"ephemeral-storage": "1Gi", "cpu": "1", "memory": "896Mi"}
    assert pod["metadata"]["labels"]["team"] == "a"
    assert pod["metadata"]["annotations"] == {"note": "kept"}
    assert pod["spec"]["nodeSelector"] == {"zone": "a", "NodeGroupType": "SparkComputeOptimized"}
    assert pod["spec"]["priorityClassName"] == "high"


def test_a_template_without_the_named_container_gives_its_first_container_to_spark() -> None:
    manifest = golden_manifest()
    manifest["spec"]["driver"]["template"] = {"spec": {"containers": [{"name": "main", "workingDir": "/w"}]}}
    pod = build(manifest)
    assert [c["name"] for c in pod["spec"]["containers"]] == ["main"]
    assert pod["spec"]["containers"][0]["workingDir"] == "/w"


def test_secrets_from_the_spec_are_mounted_and_exported_as_spark_mounts_them() -> None:
    manifest = golden_manifest()
    manifest["spec"]["driver"]["secrets"] = [
        {"name": "gcp", "path": "/mnt/gcp", "secretType": "GCPServiceAccount"}
    ]
    manifest["spec"]["driver"]["envSecretKeyRefs"] = {"TOKEN": {"name": "api", "key": "token"}}
    pod = build(manifest)
    spark = spark_container(pod)
    assert {"name": "gcp-volume", "secret": {"secretName": "gcp"}} in pod["spec"]["volumes"]
    assert {"mountPath": "/mnt/gcp", "name": "gcp-volume"} in spark["volumeMounts"]
    env = {e["name"]: e for e in spark["env"]}
    assert env["TOKEN"] == {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"key": "token", "name": "api"}}}
    assert env["GOOGLE_APPLICATION_CREDENTIALS"]["value"] == "/mnt/gcp/key.json"


def test_env_vars_map_reaches_the_driver_through_driver_env_conf() -> None:
    manifest = golden_manifest()
    manifest["spec"]["driver"]["envVars"] = {"MODE": "batch"}
    env = [e["name"] for e in spark_container(build(manifest))["env"]]
    assert env[:4] == ["SPARK_USER", "SPARK_APPLICATION_ID", "MODE", "SPARK_DRIVER_BIND_ADDRESS"]


def test_without_a_local_dir_volume_spark_local_dir_becomes_an_empty_dir() -> None:
    manifest = golden_manifest({"spark.local.dir": "/data,/scratch"})
    manifest["spec"]["driver"]["volumeMounts"] = []
    pod = build(manifest)
    spark = spark_container(pod)
    assert {"emptyDir": {}, "name": "spark-local-dir-2"} in pod["spec"]["volumes"]
    assert {"mountPath": "/scratch", "name": "spark-local-dir-2"} in spark["volumeMounts"]
    assert {"name": "SPARK_LOCAL_DIRS", "value": "/data,/scratch"} in spark["env"]


def test_the_default_local_dir_is_derived_from_the_submission_not_random() -> None:
    manifest = golden_manifest()
    manifest["spec"]["driver"]["volumeMounts"] = []
    first, second = build(manifest), build(manifest)
    dirs = next(e["value"] for e in spark_container(first)["env"] if e["name"] == "SPARK_LOCAL_DIRS")
    assert dirs.startswith("/var/data/spark-")
    assert first == second


def test_a_java_application_runs_its_main_class_and_puts_its_jar_on_spark_jars() -> None:
    manifest = golden_manifest()
    manifest["spec"].update(
        type="Scala", mainClass="org.example.Main", mainApplicationFile="local:///app.jar"
    )
    submission = build_submission(load_spark_application(manifest), SUBMISSION_ID, GOLDEN_OPTIONS)
    args = spark_container(submission.driver_pod)["args"]
    assert args[3:6] == ["--class", "org.example.Main", "local:///app.jar"]
    assert submission.conf["spark.jars"] == "local:///app.jar"
    assert submission.conf["spark.kubernetes.resource.type"] == "java"
    assert spark_container(submission.driver_pod)["resources"]["requests"]["memory"] == "896Mi"


def test_a_java_application_without_a_main_class_cannot_be_submitted() -> None:
    manifest = golden_manifest()
    manifest["spec"].update(type="Java", mainApplicationFile="local:///app.jar")
    with pytest.raises(SubmissionError, match="mainClass"):
        build(manifest)


def test_proxy_user_is_passed_to_the_driver_entrypoint() -> None:
    manifest = golden_manifest()
    manifest["spec"]["proxyUser"] = "alice"
    assert spark_container(build(manifest))["args"][:3] == ["driver", "--proxy-user", "alice"]


def test_reserved_spark_labels_are_refused_as_spark_refuses_them() -> None:
    manifest = golden_manifest()
    manifest["spec"]["driver"]["labels"]["spark-role"] = "mine"
    with pytest.raises(SubmissionError, match="reserved for Spark bookkeeping"):
        build(manifest)


def test_an_application_without_any_image_cannot_be_submitted() -> None:
    manifest = golden_manifest()
    del manifest["spec"]["image"]
    with pytest.raises(SubmissionError, match="container image"):
        build(manifest)


def test_gpu_and_spark_resource_requests_become_extended_resource_limits() -> None:
    manifest = golden_manifest(
        {"spark.driver.resource.fpga.amount": "1", "spark.driver.resource.fpga.vendor": "xilinx.com"}
    )
    manifest["spec"]["driver"]["gpu"] = {"name": "nvidia.com/gpu", "quantity": 2}
    limits = spark_container(build(manifest))["resources"]["limits"]
    assert limits["xilinx.com/fpga"] == "1"
    assert limits["nvidia.com/gpu"] == "2"


def test_image_pull_secrets_are_on_the_pod() -> None:
    manifest = golden_manifest()
    manifest["spec"]["imagePullSecrets"] = ["regcred", "other"]
    assert build(manifest)["spec"]["imagePullSecrets"] == [{"name": "regcred"}, {"name": "other"}]
