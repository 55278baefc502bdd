"""Every SparkApplication of the blueprint's karpenter folder, submitted natively.

For each manifest the driver pod, the executor template, the conf and the YuniKorn task groups are
checked against what the operator (spark-submit + webhook + its YuniKorn scheduler) produces from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from sparkfleet.api.pod import Pod
from sparkfleet.engine.submission import Submission, SubmissionOptions, build_submission

from .reference import SUBMISSION_ID, manifest_app, manifest_documents

OPTIONS = SubmissionOptions()
DOCS = dict(manifest_documents())


@dataclass(frozen=True)
class Sizes:
    driver_pod: str
    driver_memory: str
    driver_cpu: str
    driver_cpu_limit: str | None
    executor_memory: str
    executor_cpu: str
    executor_cpu_limit: str | None
    executors: int
    queue: str


TAXI = Sizes("taxi-trip", "8192Mi", "1", "1200m", "8192Mi", "1", "1200m", 4, "root.test")
EXPECTED = {
    # 4g heap + 4g memoryOverhead on both roles
    "ebs-storage-dynamic-pvc.yaml": TAXI,
    "nvme-ephemeral-storage.yaml": Sizes(
        "taxi-trip", "8192Mi", "1", "1200m", "8192Mi", "1", "3400m", 4, "root.test"
    ),
    "nvme-storage-yunikorn-gang-scheduling.yaml": Sizes(
        "taxi-trip", "8192Mi", "1", "1200m", "8192Mi", "1", "1200m", 4, "root.default"
    ),
    # Python 512m: 512 MiB + the 384 MiB minimum overhead
    "pyspark-pi-job.yaml": Sizes(
        "pyspark-pi-karpenter-driver", "896Mi", "1", "1200m", "896Mi", "1", None, 2, "root.test"
    ),
    # 4g heap + 2g memoryOverhead, 2 cores
    "spark-app-graviton.yaml": Sizes(
        "order-graviton-driver", "6144Mi", "2", "4200m", "6144Mi", "2", "2000m", 4, "root.test"
    ),
    "spark-app-nvme.yaml": Sizes(
        "order-nvme-driver", "6144Mi", "2", "4200m", "6144Mi", "2", "2000m", 4, "root.test"
    ),
    "spark-app-ondemand.yaml": Sizes(
        "order-ondemand-driver", "6144Mi", "2", "4200m", "6144Mi", "2", "2000m", 4, "root.test"
    ),
    "spark-app-spot-cmr.yaml": Sizes(
        "order-spot-cmr-driver", "6144Mi", "2", "4200m", "6144Mi", "2", "2000m", 4, "root.test"
    ),
    "spark-app-spot-r.yaml": Sizes(
        "order-spot-r-driver", "6144Mi", "2", "4200m", "6144Mi", "2", "2000m", 4, "root.test"
    ),
}


def test_every_blueprint_manifest_has_its_expectations() -> None:
    assert sorted(DOCS) == sorted(EXPECTED)


def submission_for(name: str) -> Submission:
    return build_submission(manifest_app(name), SUBMISSION_ID, OPTIONS)


def spark_container(pod: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in pod["spec"]["containers"] if c["name"].startswith("spark-kubernetes-"))


def role_conf(spark_conf: dict[str, str], prefix: str) -> dict[str, str]:
    return {k[len(prefix) :]: v for k, v in spark_conf.items() if k.startswith(prefix)}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_driver_pod_matches_what_the_operator_creates(name: str) -> None:
    doc, sizes = DOCS[name], EXPECTED[name]
    spec, meta, role = doc["spec"], doc["metadata"], doc["spec"]["driver"]
    submission = submission_for(name)
    pod = submission.driver_pod
    container = spark_container(pod)

    assert pod["metadata"]["name"] == sizes.driver_pod
    labels = pod["metadata"]["labels"]
    expected_labels = {
        **meta.get("labels", {}),
        **{k: str(v) for k, v in role.get("labels", {}).items()},
        "queue": sizes.queue,
        "sparkoperator.k8s.io/app-name": meta["name"],
        "sparkoperator.k8s.io/launched-by-spark-operator": "true",
        "sparkoperator.k8s.io/submission-id": SUBMISSION_ID,
        "spark-role": "driver",
        "spark-app-selector": submission.spark_app_id,
        "spark-app-name": meta["name"],
        "spark-version": spec["sparkVersion"],
    }
    assert labels == expected_labels
    annotations = pod["metadata"].get("annotations", {})
    for key, value in {
        **role.get("annotations", {}),
        **role_conf(spec["sparkConf"], "spark.kubernetes.driver.annotation."),
        "yunikorn.apache.org/task-group-name": "spark-driver",
    }.items():
        assert annotations[key] == value
    assert pod["spec"]["nodeSelector"] == {**spec.get("nodeSelector", {}), **role.get("nodeSelector", {})}
    assert pod["spec"].get("tolerations") == role.get("tolerations")
    assert pod["spec"]["schedulerName"] == "yunikorn"
    assert pod["spec"]["serviceAccountName"] == role["serviceAccount"]
    assert pod["spec"].get("securityContext") == role.get("podSecurityContext")
    assert pod["spec"].get("initContainers") == role.get("initContainers")
    assert pod["metadata"]["ownerReferences"][0]["kind"] == "SparkApplication"
    assert container["image"] == spec["image"]
    assert container["imagePullPolicy"] == spec["imagePullPolicy"]
    assert container["args"][-1 - len(spec.get("arguments", [])) :] == [
        spec["mainApplicationFile"],
        *spec.get("arguments", []),
    ]
    limits = {
        "memory": sizes.driver_memory,
        **({"cpu": sizes.driver_cpu_limit} if sizes.driver_cpu_limit else {}),
    }
    assert container["resources"] == {
        "requests": {"cpu": sizes.driver_cpu, "memory": sizes.driver_memory},
        "limits": limits,
    }
    for mount in role.get("volumeMounts", []):
        assert mount["mountPath"] in [m["mountPath"] for m in container["volumeMounts"]]
        if not mount["name"].startswith("spark-local-dir-"):
            volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
            assert volume in pod["spec"]["volumes"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_executor_template_matches_what_the_driver_and_webhook_create(name: str) -> None:
    doc, sizes = DOCS[name], EXPECTED[name]
    spec, meta, role = doc["spec"], doc["metadata"], doc["spec"]["executor"]
    submission = submission_for(name)
    pod = submission.executor_pod(1)
    container = spark_container(pod)

    prefix = spec["sparkConf"].get("spark.kubernetes.executor.podNamePrefix")
    if prefix:
        assert pod["metadata"]["name"] == f"{prefix}-exec-1"
    labels = pod["metadata"]["labels"]
    for key, value in {
        **meta.get("labels", {}),
        **{k: str(v) for k, v in role.get("labels", {}).items()},
        "queue": sizes.queue,
        "spark-role": "executor",
        "spark-exec-id": "1",
        "spark-app-selector": submission.spark_app_id,
    }.items():
        assert labels[key] == value
    assert pod["metadata"]["annotations"]["yunikorn.apache.org/task-group-name"] == "spark-executor"
    assert pod["spec"]["nodeSelector"] == {**spec.get("nodeSelector", {}), **role.get("nodeSelector", {})}
    assert pod["spec"].get("tolerations") == role.get("tolerations")
    assert pod["spec"]["schedulerName"] == "yunikorn"
    assert pod["spec"]["serviceAccountName"] == role["serviceAccount"]
    assert pod["spec"].get("securityContext") == role.get("podSecurityContext")
    assert pod["spec"].get("initContainers") == role.get("initContainers")
    assert container["args"] == ["executor"]
    limits = {"memory": sizes.executor_memory}
    if sizes.executor_cpu_limit:
        limits["cpu"] = sizes.executor_cpu_limit
    assert container["resources"] == {
        "requests": {"memory": sizes.executor_memory, "cpu": sizes.executor_cpu},
        "limits": limits,
    }
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["SPARK_EXECUTOR_CORES"] == str(role["cores"])
    assert env["SPARK_EXECUTOR_MEMORY"] == ("4096m" if role["memory"] == "4g" else "512m")
    for mount in role.get("volumeMounts", []):
        volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
        assert volume in pod["spec"]["volumes"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_conf_holds_the_users_settings_and_the_operators(name: str) -> None:
    doc, sizes = DOCS[name], EXPECTED[name]
    spec, meta = doc["spec"], doc["metadata"]
    conf = submission_for(name).conf
    for key, value in spec["sparkConf"].items():
        assert conf[key] == value, key
    for key, value in spec.get("hadoopConf", {}).items():
        assert conf[f"spark.hadoop.{key}"] == value
    assert conf["spark.kubernetes.namespace"] == meta["namespace"]
    assert conf["spark.kubernetes.driver.pod.name"] == sizes.driver_pod
    assert conf["spark.app.name"] == meta["name"]
    assert conf["spark.kubernetes.container.image"] == spec["image"]
    assert conf["spark.executor.instances"] == str(sizes.executors)
    assert conf["spark.kubernetes.memoryOverheadFactor"] == "0.4"
    assert conf["spark.kubernetes.resource.type"] == "python"
    assert conf["spark.kubernetes.driver.label.queue"] == sizes.queue
    assert conf["spark.kubernetes.authenticate.driver.serviceAccountName"] == spec["driver"]["serviceAccount"]
    if "pythonVersion" in spec:
        assert conf["spark.kubernetes.pyspark.pythonVersion"] == spec["pythonVersion"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_task_groups_hold_the_pods_with_their_overhead(name: str) -> None:
    doc, sizes = DOCS[name], EXPECTED[name]
    spec = doc["spec"]
    driver_group, executor_group = submission_for(name).task_groups
    assert driver_group["minMember"] == 1
    assert driver_group["minResource"] == {"cpu": sizes.driver_cpu, "memory": sizes.driver_memory}
    assert driver_group["nodeSelector"] == {
        **spec.get("nodeSelector", {}),
        **spec["driver"].get("nodeSelector", {}),
    }
    assert driver_group.get("tolerations") == spec["driver"].get("tolerations")
    assert executor_group["minMember"] == sizes.executors
    assert executor_group["minResource"] == {"cpu": sizes.executor_cpu, "memory": sizes.executor_memory}
    assert executor_group.get("tolerations") == spec["executor"].get("tolerations")
    assert executor_group["labels"]["queue"] == sizes.queue


def test_ebs_job_gets_driver_owned_on_demand_claims_for_both_roles() -> None:
    submission = submission_for("ebs-storage-dynamic-pvc.yaml")
    (claim,) = submission.volume_claims
    assert claim["metadata"]["name"].endswith("-driver-pvc-0")
    assert claim["metadata"]["name"].startswith("taxi-trip-")
    assert claim["spec"] == {
        "accessModes": ["ReadWriteOncePod"],
        "resources": {"requests": {"storage": "500Gi"}},
        "storageClassName": "gp2",
    }
    volume = next(v for v in submission.driver_pod["spec"]["volumes"] if v["name"] == "spark-local-dir-1")
    assert volume == {
        "persistentVolumeClaim": {"claimName": claim["metadata"]["name"], "readOnly": False},
        "name": "spark-local-dir-1",
    }
    driver = {"metadata": {"name": "taxi-trip", "uid": "d-1"}}
    (executor_claim,) = submission.executor_volume_claims(3, driver_pod=driver)
    assert executor_claim["metadata"]["name"] == "taxi-trip-exec-3-pvc-0"
    assert executor_claim["metadata"]["ownerReferences"][0]["name"] == "taxi-trip"
    env = spark_container(submission.driver_pod)["env"]
    assert {"name": "SPARK_LOCAL_DIRS", "value": "/data1"} in env
    assert [c["name"] for c in submission.driver_pod["spec"]["initContainers"]] == ["volume-permissions"]


def test_nvme_job_turns_spark_local_dir_into_an_empty_dir_volume() -> None:
    pod = submission_for("nvme-ephemeral-storage.yaml").driver_pod
    assert {"emptyDir": {}, "name": "spark-local-dir-1"} in pod["spec"]["volumes"]
    assert {"mountPath": "/data", "name": "spark-local-dir-1"} in spark_container(pod)["volumeMounts"]


def test_s3_express_jobs_mount_their_claim_and_keep_prometheus_service_settings() -> None:
    submission = submission_for("spark-app-spot-cmr.yaml")
    pod = submission.driver_pod
    assert {
        "name": "spark-s3-mount",
        "persistentVolumeClaim": {"claimName": "spark-s3-mount-spotcmr-pvc"},
    } in pod["spec"]["volumes"]
    assert {"mountPath": "/data1", "name": "spark-s3-mount"} in spark_container(pod)["volumeMounts"]
    assert pod["metadata"]["annotations"]["prometheus.io/port"] == "4040"
    service = submission.services[0]
    assert service["metadata"]["annotations"]["prometheus.io/path"] == "/metrics/driver/prometheus/"
    assert service["metadata"]["labels"]["spark_role"] == "driver"
    assert submission.conf["spark.driver.extraJavaOptions"] == "-Divy.cache.dir=/tmp -Divy.home=/tmp"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_built_pods_are_valid_pods(name: str) -> None:
    submission = submission_for(name)
    driver = Pod.model_validate(submission.driver_pod)
    owner = {"metadata": {"name": "d", "uid": "u"}}
    executor = Pod.model_validate(submission.executor_pod(1, driver_pod=owner))
    assert driver.metadata.name == EXPECTED[name].driver_pod
    assert executor.spec.containers[0].args == ["executor"]
