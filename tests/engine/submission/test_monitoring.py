"""spec.monitoring: the Prometheus JMX exporter wired as the operator wires it."""

from __future__ import annotations

from typing import Any

import yaml

from sparkfleet.api.sparkapplication import load_spark_application
from sparkfleet.engine.submission import Submission, build_submission
from sparkfleet.engine.submission.monitoring import DEFAULT_METRICS_PROPERTIES, DEFAULT_PROMETHEUS_CONFIG

from .reference import APP_UID, GOLDEN_OPTIONS, SUBMISSION_ID, golden_manifest

AGENT = "-javaagent:/prometheus/jmx_prometheus_javaagent.jar=8090:/etc/metrics/conf/prometheus.yaml"


def submit(monitoring: dict[str, Any]) -> Submission:
    manifest = golden_manifest()
    manifest["spec"]["monitoring"] = monitoring
    return build_submission(load_spark_application(manifest), SUBMISSION_ID, GOLDEN_OPTIONS)


def exposing(**extra: Any) -> dict[str, Any]:
    return {
        "exposeDriverMetrics": True,
        "exposeExecutorMetrics": True,
        "prometheus": {"jmxExporterJar": "/prometheus/jmx_prometheus_javaagent.jar", **extra},
    }


def spark(pod: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in pod["spec"]["containers"] if c["name"].startswith("spark-kubernetes-"))


def test_metrics_config_map_is_created_and_owned_by_the_application() -> None:
    submission = submit(exposing())
    (config_map,) = submission.extra_objects
    assert config_map["metadata"]["name"] == "pyspark-pi-karpenter-prom-conf"
    assert config_map["metadata"]["ownerReferences"][0]["uid"] == APP_UID
    assert config_map["data"] == {
        "metrics.properties": DEFAULT_METRICS_PROPERTIES,
        "prometheus.yaml": DEFAULT_PROMETHEUS_CONFIG,
    }
    assert config_map in submission.dependents({"metadata": {"name": "d", "uid": "u"}})


def test_exposed_roles_get_the_agent_annotations_mount_and_port() -> None:
    submission = submit(exposing())
    assert submission.conf["spark.driver.extraJavaOptions"] == AGENT
    assert submission.conf["spark.executor.extraJavaOptions"] == AGENT
    assert submission.conf["spark.metrics.conf"] == "/etc/metrics/conf/metrics.properties"
    assert submission.conf["spark.metrics.namespace"] == "spark-team-a.pyspark-pi-karpenter"
    for pod in (submission.driver_pod, submission.executor_pod(1)):
        assert pod["metadata"]["annotations"] == {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": "8090",
            "prometheus.io/path": "/metrics",
        }
        assert {
            "mountPath": "/etc/metrics/conf",
            "name": "pyspark-pi-karpenter-prom-conf-vol",
            "readOnly": True,
        } in spark(pod)["volumeMounts"]
        assert spark(pod)["ports"][-1] == {"containerPort": 8090, "name": "jmx-exporter", "protocol": "TCP"}


def test_the_agent_is_appended_to_the_users_java_options() -> None:
    manifest = golden_manifest({"spark.driver.extraJavaOptions": "-Dfrom=conf"})
    manifest["spec"]["monitoring"] = exposing()
    manifest["spec"]["executor"]["javaOptions"] = "-Dfrom=spec"
    conf = build_submission(load_spark_application(manifest), SUBMISSION_ID, GOLDEN_OPTIONS).conf
    assert conf["spark.driver.extraJavaOptions"] == f"-Dfrom=conf {AGENT}"
    assert conf["spark.executor.extraJavaOptions"] == f"-Dfrom=spec {AGENT}"


def test_files_in_the_image_replace_the_config_map() -> None:
    submission = submit(
        {
            "exposeDriverMetrics": True,
            "metricsPropertiesFile": "/opt/spark/metrics.properties",
            "prometheus": {"jmxExporterJar": "/j.jar", "configFile": "/opt/prom.yaml", "port": 9100},
        }
    )
    assert submission.extra_objects == []
    assert submission.conf["spark.driver.extraJavaOptions"] == "-javaagent:/j.jar=9100:/opt/prom.yaml"
    assert submission.conf["spark.metrics.conf"] == "/opt/spark/metrics.properties"
    assert all(
        m["name"] != "pyspark-pi-karpenter-prom-conf-vol"
        for m in spark(submission.driver_pod)["volumeMounts"]
    )


def test_a_role_that_does_not_expose_metrics_is_left_alone() -> None:
    submission = submit({"exposeDriverMetrics": True, "prometheus": {"jmxExporterJar": "/j.jar"}})
    assert "spark.executor.extraJavaOptions" not in submission.conf
    assert "annotations" not in submission.executor_pod(1)["metadata"]


def test_the_default_exporter_rules_are_valid_yaml_with_a_rule_per_metric_family() -> None:
    config = yaml.safe_load(DEFAULT_PROMETHEUS_CONFIG)
    assert config["lowercaseOutputName"] is True
    assert len(config["rules"]) == 13
    assert all(rule["labels"]["app_namespace"] == "$1" for rule in config["rules"])
