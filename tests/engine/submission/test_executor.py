"""Executor pods and their OnDemand claims, made from the submission's template as a driver makes them."""

from __future__ import annotations

from typing import Any

from sparkfleet.api.sparkapplication import load_spark_application
from sparkfleet.engine.submission import (
    EXECUTOR_SPARK_ENV,
    JAVA_OPT_PREFIX,
    build_executor_config_map,
    build_executor_pod,
    build_executor_volume_claims,
    build_submission,
    parse_properties,
)

from .reference import (
    GOLDEN_OPTIONS,
    SUBMISSION_ID,
    client_mode_app,
    golden,
    golden_app,
    golden_manifest,
    renamed,
)

GOLDEN_APP_ID = "spark-4d1cd29e6cc14a80b2be4ba6c0452d28"
GOLDEN_EXEC_CONF_MAP = "spark-exec-639016a20ac07692-conf-map"
GOLDEN_DRIVER_URL = "spark://CoarseGrainedScheduler@192.0.2.2:36815"
DRIVER = {"metadata": {"name": "pyspark-pi-karpenter-driver", "uid": "u1"}}


def is_java_opt(env: dict[str, Any]) -> bool:
    return str(env["name"]).startswith("SPARK_JAVA_OPT_")


def expected_executor(golden_name: str, exec_conf_map: str) -> dict[str, Any]:
    """The golden executor, with what a cluster-mode submission through the operator adds."""
    pod: dict[str, Any] = renamed(golden(golden_name), {GOLDEN_EXEC_CONF_MAP: exec_conf_map})
    meta = pod["metadata"]
    meta["namespace"] = "spark-team-a"
    meta["labels"]["sparkoperator.k8s.io/launched-by-spark-operator"] = "true"
    meta["labels"]["sparkoperator.k8s.io/submission-id"] = SUBMISSION_ID
    env = pod["spec"]["containers"][0]["env"]
    first = next(i for i, e in enumerate(env) if is_java_opt(e))
    opts = sorted((e for e in env if is_java_opt(e)), key=lambda e: int(e["name"].rsplit("_", 1)[1]))
    values = [e["value"] for e in opts]
    # spark-submit sets spark.driver.blockManager.port in cluster mode, so executors get it as well.
    values.insert(len(values) - 1, "-Dspark.driver.blockManager.port=7079")
    rest = [e for e in env if not is_java_opt(e)]
    java = [{"name": f"SPARK_JAVA_OPT_{i}", "value": v} for i, v in enumerate(values)]
    pod["spec"]["containers"][0]["env"] = rest[:first] + java + rest[first:]
    return pod


def test_executor_pods_are_the_ones_a_spark_driver_creates() -> None:
    submission = build_submission(client_mode_app(), SUBMISSION_ID, GOLDEN_OPTIONS)
    conf_map = submission.executor_config_map["metadata"]["name"]
    for executor_id, golden_name in (
        (1, "05-Pod-pyspark-pi-karpenter-exec-1.json"),
        (2, "07-Pod-pyspark-pi-karpenter-exec-2.json"),
    ):
        pod = build_executor_pod(
            submission.executor_pod_template,
            GOLDEN_APP_ID,
            executor_id,
            driver_pod=DRIVER,
            driver_url=GOLDEN_DRIVER_URL,
            app_name="PythonPi",
        )
        assert pod == expected_executor(golden_name, conf_map)


def test_on_demand_claims_are_the_ones_a_spark_driver_creates() -> None:
    submission = build_submission(client_mode_app(), SUBMISSION_ID, GOLDEN_OPTIONS)
    for executor_id, golden_name in (
        (1, "06-PersistentVolumeClaim-pyspark-pi-karpenter-exec-1-pvc-0.json"),
        (2, "08-PersistentVolumeClaim-pyspark-pi-karpenter-exec-2-pvc-0.json"),
    ):
        claims = build_executor_volume_claims(
            submission.executor_claim_templates, GOLDEN_APP_ID, executor_id, owner_pod=DRIVER
        )
        expected = golden(golden_name)
        expected["metadata"]["namespace"] = "spark-team-a"
        assert claims == [expected]


def test_in_cluster_mode_executors_reach_the_driver_through_its_service() -> None:
    submission = build_submission(golden_app(), SUBMISSION_ID, GOLDEN_OPTIONS)
    pod = submission.executor_pod(3, driver_pod=DRIVER)
    env = {e["name"]: e.get("value") for e in pod["spec"]["containers"][0]["env"]}
    service = submission.services[0]["metadata"]["name"]
    assert env["SPARK_DRIVER_URL"] == f"spark://CoarseGrainedScheduler@{service}.spark-team-a.svc:7078"
    assert env["SPARK_APPLICATION_ID"] == submission.spark_app_id
    assert env["SPARK_EXECUTOR_ID"] == "3"
    assert "-Dspark.driver.port=7078" in env.values()
    assert pod["metadata"]["labels"]["spark-app-selector"] == submission.spark_app_id
    assert pod["metadata"]["labels"]["spark-app-name"] == "pyspark-pi-karpenter"


def test_without_a_pod_name_prefix_executors_are_named_after_the_app_with_a_derived_suffix() -> None:
    submission = build_submission(golden_app(), SUBMISSION_ID, GOLDEN_OPTIONS)
    pod = submission.executor_pod(7)
    name = pod["metadata"]["name"]
    assert name.startswith("pyspark-pi-karpenter-") and name.endswith("-exec-7")
    assert pod["spec"]["hostname"] == name
    assert submission.executor_volume_claims(7)[0]["metadata"]["name"] == f"{name}-pvc-0"


def test_a_hostname_keeps_the_last_63_characters_of_a_long_executor_name() -> None:
    manifest = golden_manifest({"spark.kubernetes.executor.podNamePrefix": "x" * 70})
    submission = build_submission(load_spark_application(manifest), SUBMISSION_ID, GOLDEN_OPTIONS)
    pod = submission.executor_pod(12)
    assert pod["spec"]["hostname"] == ("x" * 70 + "-exec-12")[-63:]


def test_spark_placeholders_in_executor_annotations_and_java_options_are_filled_per_executor() -> None:
    manifest = golden_manifest()
    manifest["spec"]["executor"]["annotations"] = {"trace": "{{APP_ID}}/{{EXECUTOR_ID}}"}
    manifest["spec"]["executor"]["javaOptions"] = "-Dexec={{EXECUTOR_ID}} -Dquoted='a b'"
    submission = build_submission(load_spark_application(manifest), SUBMISSION_ID, GOLDEN_OPTIONS)
    pod = submission.executor_pod(4)
    assert pod["metadata"]["annotations"]["trace"] == f"{submission.spark_app_id}/4"
    values = [e.get("value") for e in pod["spec"]["containers"][0]["env"]]
    assert "-Dexec=4" in values and "-Dquoted=a b" in values


def test_executor_limits_requests_and_resources_follow_the_executor_spec() -> None:
    manifest = golden_manifest({"spark.executor.pyspark.memory": "256m"})
    manifest["spec"]["executor"].update(coreRequest="500m", coreLimit="2", memory="4g")
    container = build_submission(
        load_spark_application(manifest), SUBMISSION_ID, GOLDEN_OPTIONS
    ).executor_pod(1)["spec"]["containers"][0]
    # 4096 MiB heap + 0.4 x 4096 overhead (Python) + 256 MiB PySpark memory
    assert container["resources"] == {
        "requests": {"memory": "5990Mi", "cpu": "500m"},
        "limits": {"memory": "5990Mi", "cpu": "2"},
    }
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["SPARK_EXECUTOR_MEMORY"] == "4096m"


def test_the_executor_config_map_holds_the_namespace_and_is_owned_by_the_driver() -> None:
    cm = build_executor_config_map("spark-exec-abc-conf-map", "spark-team-a", "spark-1", driver_pod=DRIVER)
    assert cm["metadata"] == {
        "labels": {"spark-app-selector": "spark-1", "spark-role": "executor"},
        "name": "spark-exec-abc-conf-map",
        "namespace": "spark-team-a",
        "ownerReferences": [
            {
                "apiVersion": "v1",
                "controller": True,
                "kind": "Pod",
                "name": "pyspark-pi-karpenter-driver",
                "uid": "u1",
            }
        ],
    }
    assert cm["immutable"] is True
    assert parse_properties(cm["data"]["spark.properties"]) == {"spark.kubernetes.namespace": "spark-team-a"}


def test_executor_service_account_falls_back_to_the_drivers() -> None:
    manifest = golden_manifest()
    del manifest["spec"]["executor"]["serviceAccount"]
    pod = build_submission(load_spark_application(manifest), SUBMISSION_ID, GOLDEN_OPTIONS).executor_pod(1)
    assert pod["spec"]["serviceAccountName"] == "spark-team-a"


def test_every_spark_variable_of_a_built_executor_is_one_spark_sets() -> None:
    """runtime/local/podtemplate.py leaves these to Spark's own feature steps: the list must be whole."""
    manifest = golden_manifest({"spark.executor.extraClassPath": "/opt/extra/*"})
    submission = build_submission(load_spark_application(manifest), SUBMISSION_ID, GOLDEN_OPTIONS)
    names = {
        e["name"]
        for c in submission.executor_pod(1)["spec"]["containers"]
        for e in c.get("env") or []
        if e["name"].startswith("SPARK_")
    }
    assert {"SPARK_CLASSPATH", "SPARK_LOCAL_DIRS", "SPARK_EXECUTOR_POD_IP"} <= names
    assert {n for n in names if not n.startswith(JAVA_OPT_PREFIX)} <= EXECUTOR_SPARK_ENV
