"""The conf: the operator's spark-submit flags in order, then what spark-submit adds in cluster mode."""

from __future__ import annotations

from typing import Any

import pytest

from sparkfleet.api.sparkapplication import load_spark_application
from sparkfleet.engine.submission import SubmissionError, build_submission

from .reference import GOLDEN_OPTIONS, SUBMISSION_ID, golden_manifest


def conf_of(manifest: dict[str, Any]) -> dict[str, str]:
    return build_submission(load_spark_application(manifest), SUBMISSION_ID, GOLDEN_OPTIONS).conf


def test_spec_fields_written_in_the_manifest_win_over_spark_conf() -> None:
    manifest = golden_manifest({"spark.driver.memory": "8g", "spark.executor.instances": "9"})
    conf = conf_of(manifest)
    assert conf["spark.driver.memory"] == "512m"
    assert conf["spark.executor.instances"] == "2"


def test_spark_conf_settles_what_the_manifest_leaves_to_defaults() -> None:
    manifest = golden_manifest({"spark.driver.memory": "2g", "spark.executor.cores": "3"})
    del manifest["spec"]["driver"]["memory"]
    del manifest["spec"]["executor"]["cores"]
    conf = conf_of(manifest)
    assert conf["spark.driver.memory"] == "2g"
    assert conf["spark.executor.cores"] == "3"


def test_unset_defaults_are_passed_as_the_operator_passes_them() -> None:
    manifest = golden_manifest()
    del manifest["spec"]["driver"]["memory"]
    assert conf_of(manifest)["spark.driver.memory"] == "1g"


def test_spark_submit_flags_override_the_same_keys_from_spark_conf() -> None:
    manifest = golden_manifest({"spark.app.name": "other", "spark.jars": "local:///a.jar"})
    manifest["spec"]["deps"] = {"jars": ["local:///b.jar"]}
    conf = conf_of(manifest)
    assert conf["spark.app.name"] == "pyspark-pi-karpenter"
    assert conf["spark.jars"] == "local:///b.jar"


def test_dependencies_become_their_spark_keys() -> None:
    manifest = golden_manifest()
    manifest["spec"]["deps"] = {
        "jars": ["local:///a.jar", "s3a://b/c.jar"],
        "files": ["s3a://b/f.txt"],
        "pyFiles": ["local:///lib.zip"],
        "packages": ["org.apache.hadoop:hadoop-aws:3.3.4"],
        "excludePackages": ["com.x:y"],
        "repositories": ["https://repo.example"],
        "archives": ["s3a://b/env.tar.gz#env"],
    }
    conf = conf_of(manifest)
    assert conf["spark.jars"] == "local:///a.jar,s3a://b/c.jar"
    assert conf["spark.files"] == "s3a://b/f.txt"
    assert conf["spark.submit.pyFiles"] == "local:///lib.zip"
    assert conf["spark.jars.packages"] == "org.apache.hadoop:hadoop-aws:3.3.4"
    assert conf["spark.jars.excludes"] == "com.x:y"
    assert conf["spark.jars.repositories"] == "https://repo.example"
    assert conf["spark.archives"] == "s3a://b/env.tar.gz#env"


def test_hadoop_conf_gets_the_spark_hadoop_prefix() -> None:
    manifest = golden_manifest()
    manifest["spec"]["hadoopConf"] = {"fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem"}
    assert conf_of(manifest)["spark.hadoop.fs.s3a.impl"] == "org.apache.hadoop.fs.s3a.S3AFileSystem"


def test_dynamic_allocation_turns_shuffle_tracking_on_unless_told_otherwise() -> None:
    manifest = golden_manifest()
    manifest["spec"]["dynamicAllocation"] = {"enabled": True, "minExecutors": 1, "maxExecutors": 8}
    conf = conf_of(manifest)
    assert conf["spark.dynamicAllocation.enabled"] == "true"
    assert conf["spark.dynamicAllocation.minExecutors"] == "1"
    assert conf["spark.dynamicAllocation.maxExecutors"] == "8"
    assert conf["spark.dynamicAllocation.shuffleTracking.enabled"] == "true"
    manifest["spec"]["dynamicAllocation"].update(shuffleTrackingEnabled=False, shuffleTrackingTimeout=60000)
    conf = conf_of(manifest)
    assert conf["spark.dynamicAllocation.shuffleTracking.enabled"] == "false"
    assert conf["spark.dynamicAllocation.shuffleTracking.timeout"] == "60000"


def test_disabled_dynamic_allocation_passes_nothing() -> None:
    manifest = golden_manifest()
    manifest["spec"]["dynamicAllocation"] = {"enabled": False, "maxExecutors": 8}
    assert not any(k.startswith("spark.dynamicAllocation") for k in conf_of(manifest))


def test_role_settings_become_their_kubernetes_keys() -> None:
    manifest = golden_manifest()
    manifest["spec"]["driver"].update(
        coreRequest="500m",
        memoryOverhead="1g",
        javaOptions="-XX:+UseG1GC",
        annotations={"a": "1"},
        envVars={"MODE": "x"},
        envSecretKeyRefs={"TOKEN": {"name": "s", "key": "k"}},
        secrets=[{"name": "tok", "path": "/t", "secretType": "HadoopDelegationToken"}],
    )
    manifest["spec"]["executor"].update(
        coreLimit="2", envVars={"MODE": "y"}, deleteOnTermination=False, javaOptions="-Dx=1"
    )
    manifest["spec"]["imagePullSecrets"] = ["regcred"]
    manifest["spec"]["memoryOverheadFactor"] = "0.2"
    conf = conf_of(manifest)
    assert conf["spark.kubernetes.driver.request.cores"] == "500m"
    assert conf["spark.driver.memoryOverhead"] == "1g"
    assert conf["spark.driver.extraJavaOptions"] == "-XX:+UseG1GC"
    assert conf["spark.kubernetes.driver.annotation.a"] == "1"
    assert conf["spark.kubernetes.driverEnv.MODE"] == "x"
    assert conf["spark.kubernetes.driver.secretKeyRef.TOKEN"] == "s:k"
    assert conf["spark.kubernetes.driver.secrets.tok"] == "/t"
    assert conf["spark.kubernetes.driverEnv.HADOOP_TOKEN_FILE_LOCATION"] == "/t/hadoop.token"
    assert conf["spark.kubernetes.executor.limit.cores"] == "2"
    assert conf["spark.executorEnv.MODE"] == "y"
    assert conf["spark.kubernetes.executor.deleteOnTermination"] == "false"
    assert conf["spark.executor.extraJavaOptions"] == "-Dx=1"
    assert conf["spark.kubernetes.container.image.pullSecrets"] == "regcred"
    assert conf["spark.kubernetes.memoryOverheadFactor"] == "0.2"


def test_local_dir_volumes_mounted_by_a_role_go_through_the_conf_with_their_options() -> None:
    manifest = golden_manifest()
    manifest["spec"]["volumes"] = [
        {"name": "spark-local-dir-1", "hostPath": {"path": "/mnt/k8s-disks/0", "type": "Directory"}},
        {"name": "spark-local-dir-2", "emptyDir": {"sizeLimit": "10Gi"}},
        {"name": "spark-local-dir-3", "nfs": {"server": "nfs.local", "path": "/x", "readOnly": True}},
    ]
    manifest["spec"]["executor"]["volumeMounts"] = [
        {"name": "spark-local-dir-1", "mountPath": "/d1", "subPath": "s", "readOnly": True},
        {"name": "spark-local-dir-2", "mountPath": "/d2"},
        {"name": "spark-local-dir-3", "mountPath": "/d3"},
    ]
    conf = conf_of(manifest)
    base = "spark.kubernetes.executor.volumes"
    assert conf[f"{base}.hostPath.spark-local-dir-1.mount.path"] == "/d1"
    assert conf[f"{base}.hostPath.spark-local-dir-1.mount.subPath"] == "s"
    assert conf[f"{base}.hostPath.spark-local-dir-1.mount.readOnly"] == "true"
    assert conf[f"{base}.hostPath.spark-local-dir-1.options.type"] == "Directory"
    assert conf[f"{base}.emptyDir.spark-local-dir-2.options.sizeLimit"] == "10Gi"
    assert conf[f"{base}.nfs.spark-local-dir-3.options.server"] == "nfs.local"
    assert conf[f"{base}.nfs.spark-local-dir-3.options.readOnly"] == "true"


def test_a_local_dir_mount_without_its_volume_fails_like_the_operator() -> None:
    manifest = golden_manifest()
    manifest["spec"]["volumes"] = []
    with pytest.raises(SubmissionError, match="volume spark-local-dir-1 not found"):
        conf_of(manifest)


def test_spark_owned_driver_address_settings_are_refused() -> None:
    with pytest.raises(SubmissionError, match=r"spark\.driver\.host"):
        conf_of(golden_manifest({"spark.driver.host": "10.0.0.1"}))


def test_ports_set_by_the_user_are_kept_for_the_driver_and_its_service() -> None:
    manifest = golden_manifest({"spark.driver.port": "7100", "spark.blockManager.port": "7200"})
    submission = build_submission(load_spark_application(manifest), SUBMISSION_ID, GOLDEN_OPTIONS)
    assert submission.conf["spark.driver.port"] == "7100"
    assert submission.conf["spark.driver.blockManager.port"] == "7200"
    ports = [p["port"] for p in submission.services[0]["spec"]["ports"]]
    assert ports == [7100, 7200, 4040]
