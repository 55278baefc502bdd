"""The operator webhook's patches, applied when the pods are built (no admission webhook involved)."""

from __future__ import annotations

from typing import Any

import pytest

from sparkfleet.api.sparkapplication import load_spark_application
from sparkfleet.engine.submission import Submission, SubmissionError, build_submission

from .reference import GOLDEN_OPTIONS, SUBMISSION_ID, golden_manifest

ROLES = ("driver", "executor")


def submit(manifest: dict[str, Any]) -> Submission:
    return build_submission(load_spark_application(manifest), SUBMISSION_ID, GOLDEN_OPTIONS)


def pod_of(submission: Submission, role: str) -> dict[str, Any]:
    return submission.driver_pod if role == "driver" else submission.executor_pod(1)


def spark(pod: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in pod["spec"]["containers"] if c["name"].startswith("spark-kubernetes-"))


@pytest.mark.parametrize("role", ROLES)
def test_env_and_env_from_are_appended_to_the_spark_container(role: str) -> None:
    manifest = golden_manifest()
    manifest["spec"][role]["env"] = [
        {"name": "A", "value": "1"},
        {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "b"}}},
    ]
    manifest["spec"][role]["envFrom"] = [{"secretRef": {"name": "creds"}}]
    container = spark(pod_of(submit(manifest), role))
    assert container["env"][-2:] == manifest["spec"][role]["env"]
    assert container["envFrom"] == [{"secretRef": {"name": "creds"}}]


@pytest.mark.parametrize("role", ROLES)
def test_pod_level_settings_are_patched_per_role(role: str) -> None:
    manifest = golden_manifest()
    manifest["spec"][role].update(
        hostNetwork=True,
        hostAliases=[{"ip": "10.0.0.1", "hostnames": ["meta"]}],
        dnsConfig={"nameservers": ["1.1.1.1"]},
        priorityClassName="spark-high",
        affinity={
            "nodeAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "weight": 10,
                        "preference": {"matchExpressions": [{"key": "z", "operator": "In", "values": ["a"]}]},
                    }
                ]
            }
        },
        tolerations=[{"key": "spot", "operator": "Exists"}],
        podSecurityContext={"fsGroup": 185},
        securityContext={"runAsNonRoot": True},
        terminationGracePeriodSeconds=45,
        shareProcessNamespace=True,
        nodeSelector={"role": role},
        lifecycle={"preStop": {"exec": {"command": ["/stop.sh"]}}},
    )
    pod = pod_of(submit(manifest), role)
    spec = pod["spec"]
    assert spec["hostNetwork"] is True and spec["dnsPolicy"] == "ClusterFirstWithHostNet"
    assert spec["hostAliases"] == [{"ip": "10.0.0.1", "hostnames": ["meta"]}]
    assert spec["dnsConfig"] == {"nameservers": ["1.1.1.1"]}
    assert spec["priorityClassName"] == "spark-high"
    assert spec["affinity"] == manifest["spec"][role]["affinity"]
    assert spec["tolerations"] == [{"key": "spot", "operator": "Exists"}]
    assert spec["securityContext"] == {"fsGroup": 185}
    assert spec["terminationGracePeriodSeconds"] == 45
    assert spec["shareProcessNamespace"] is True
    assert spec["nodeSelector"] == {"NodeGroupType": "SparkComputeOptimized", "role": role}
    assert spark(pod)["securityContext"] == {"runAsNonRoot": True}
    assert spark(pod)["lifecycle"] == {"preStop": {"exec": {"command": ["/stop.sh"]}}}


@pytest.mark.parametrize("role", ROLES)
def test_init_containers_and_sidecars_are_added_once(role: str) -> None:
    manifest = golden_manifest()
    manifest["spec"][role]["initContainers"] = [{"name": "init", "image": "busybox"}]
    manifest["spec"][role]["sidecars"] = [{"name": "proxy", "image": "envoy"}]
    manifest["spec"][role]["template"] = {
        "spec": {
            "initContainers": [{"name": "init", "image": "busybox"}],
            "containers": [{"name": "proxy", "image": "envoy"}, {"name": f"spark-kubernetes-{role}"}],
        }
    }
    pod = pod_of(submit(manifest), role)
    assert [c["name"] for c in pod["spec"]["initContainers"]] == ["init"]
    assert [c["name"] for c in pod["spec"]["containers"]] == ["proxy", f"spark-kubernetes-{role}"]


def test_sidecars_follow_the_spark_container() -> None:
    manifest = golden_manifest()
    manifest["spec"]["driver"]["sidecars"] = [{"name": "proxy", "image": "envoy"}]
    pod = submit(manifest).driver_pod
    assert [c["name"] for c in pod["spec"]["containers"]] == ["spark-kubernetes-driver", "proxy"]


@pytest.mark.parametrize("role", ROLES)
def test_config_maps_are_mounted_read_only(role: str) -> None:
    manifest = golden_manifest()
    manifest["spec"][role]["configMaps"] = [{"name": "extra", "path": "/etc/extra"}]
    manifest["spec"]["sparkConfigMap"] = "spark-defaults"
    manifest["spec"]["hadoopConfigMap"] = "hadoop-site"
    pod = pod_of(submit(manifest), role)
    volumes = pod["spec"]["volumes"]
    assert {"configMap": {"name": "extra"}, "name": "extra-vol"} in volumes
    assert {"configMap": {"name": "spark-defaults"}, "name": "spark-configmap-volume"} in volumes
    assert {"configMap": {"name": "hadoop-site"}, "name": "hadoop-configmap-volume"} in volumes
    mounts = spark(pod)["volumeMounts"]
    assert {"mountPath": "/etc/extra", "name": "extra-vol", "readOnly": True} in mounts
    env = {e["name"]: e.get("value") for e in spark(pod)["env"]}
    assert env["SPARK_CONF_DIR"] == "/etc/spark/conf"
    assert env["HADOOP_CONF_DIR"] == "/etc/hadoop/conf"
    assert [e["name"] for e in spark(pod)["env"]].count("SPARK_CONF_DIR") == 1


@pytest.mark.parametrize("role", ROLES)
def test_ports_gpu_and_memory_limit_are_added_to_the_spark_container(role: str) -> None:
    manifest = golden_manifest()
    manifest["spec"][role].update(
        ports=[{"name": "metrics", "protocol": "TCP", "containerPort": 9090}],
        gpu={"name": "nvidia.com/gpu", "quantity": 1},
        memoryLimit="2Gi",
    )
    container = spark(pod_of(submit(manifest), role))
    assert container["ports"][-1] == {"name": "metrics", "protocol": "TCP", "containerPort": 9090}
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert container["resources"]["limits"]["memory"] == "2Gi"
    assert container["resources"]["requests"]["memory"] == "896Mi"


@pytest.mark.parametrize("role", ROLES)
def test_a_mount_of_an_undefined_volume_is_an_error_not_silently_dropped(role: str) -> None:
    manifest = golden_manifest()
    manifest["spec"][role]["volumeMounts"] = [{"name": "missing", "mountPath": "/m"}]
    with pytest.raises(SubmissionError, match="'missing' is not defined"):
        submit(manifest)


def test_a_volume_mounted_twice_is_added_once() -> None:
    manifest = golden_manifest()
    manifest["spec"]["volumes"].append({"name": "shared", "persistentVolumeClaim": {"claimName": "c"}})
    manifest["spec"]["executor"]["volumeMounts"] = [
        {"name": "shared", "mountPath": "/a"},
        {"name": "shared", "mountPath": "/b", "subPath": "b"},
    ]
    pod = submit(manifest).executor_pod(1)
    assert [v["name"] for v in pod["spec"]["volumes"]].count("shared") == 1
    assert [m["mountPath"] for m in spark(pod)["volumeMounts"] if m["name"] == "shared"] == ["/a", "/b"]


def test_batch_scheduler_options_priority_class_applies_when_the_role_sets_none() -> None:
    manifest = golden_manifest()
    manifest["spec"]["batchSchedulerOptions"] = {"priorityClassName": "batch"}
    manifest["spec"]["executor"]["priorityClassName"] = "low"
    submission = submit(manifest)
    assert submission.driver_pod["spec"]["priorityClassName"] == "batch"
    assert submission.executor_pod(1)["spec"]["priorityClassName"] == "low"
