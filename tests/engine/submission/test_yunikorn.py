"""YuniKorn gang scheduling: queue, scheduler name, task groups sized so placeholders fit the real pods."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sparkfleet.api.podrequests import pod_requests
from sparkfleet.api.quantity import cpu_millis, memory_bytes
from sparkfleet.api.sparkapplication import load_spark_application
from sparkfleet.engine.submission import Submission, SubmissionOptions, build_submission
from sparkfleet.engine.submission.yunikorn import DRIVER_GROUP, task_group

from .reference import SUBMISSION_ID, golden_manifest, manifest_app

YUNIKORN = SubmissionOptions()
TOLERATION = {"key": "spark-compute-optimized", "operator": "Exists", "effect": "NoSchedule"}


def groups_of(submission: Submission) -> list[dict[str, Any]]:
    return list(
        json.loads(submission.driver_pod["metadata"]["annotations"]["yunikorn.apache.org/task-groups"])
    )


def submit(manifest: dict[str, Any], options: SubmissionOptions = YUNIKORN) -> Submission:
    return build_submission(load_spark_application(manifest), SUBMISSION_ID, options)


def test_the_gang_job_gets_task_groups_with_memory_overhead_included() -> None:
    submission = build_submission(
        manifest_app("nvme-storage-yunikorn-gang-scheduling.yaml"), SUBMISSION_ID, YUNIKORN
    )
    assert groups_of(submission) == [
        {
            "name": "spark-driver",
            "minMember": 1,
            "minResource": {"cpu": "1", "memory": "8192Mi"},
            "nodeSelector": {
                "NodeGroupType": "SparkComputeOptimized",
                "karpenter.sh/capacity-type": "on-demand",
            },
            "tolerations": [TOLERATION],
            "labels": {"version": "3.5.3", "queue": "root.default"},
        },
        {
            "name": "spark-executor",
            "minMember": 4,
            "minResource": {"cpu": "1", "memory": "8192Mi"},
            "nodeSelector": {"NodeGroupType": "SparkComputeOptimized"},
            "tolerations": [TOLERATION],
            "labels": {"version": "3.5.3", "queue": "root.default"},
        },
    ]
    assert submission.task_groups == groups_of(submission)


def test_yunikorn_pods_carry_the_scheduler_queue_label_and_task_group_name() -> None:
    submission = build_submission(
        manifest_app("nvme-storage-yunikorn-gang-scheduling.yaml"), SUBMISSION_ID, YUNIKORN
    )
    driver, executor = submission.driver_pod, submission.executor_pod(1)
    assert driver["spec"]["schedulerName"] == executor["spec"]["schedulerName"] == "yunikorn"
    assert driver["metadata"]["labels"]["queue"] == executor["metadata"]["labels"]["queue"] == "root.default"
    assert driver["metadata"]["annotations"]["yunikorn.apache.org/task-group-name"] == "spark-driver"
    assert executor["metadata"]["annotations"]["yunikorn.apache.org/task-group-name"] == "spark-executor"
    assert "yunikorn.apache.org/task-groups" not in executor["metadata"]["annotations"]
    key = "spark.kubernetes.driver.annotation.yunikorn.apache.org/task-groups"
    assert json.loads(submission.conf[key]) == submission.task_groups


def test_the_platform_default_applies_yunikorn_with_the_apps_queue_label() -> None:
    submission = build_submission(manifest_app("pyspark-pi-job.yaml"), SUBMISSION_ID, YUNIKORN)
    assert submission.scheduler_name == "yunikorn"
    assert submission.driver_pod["metadata"]["labels"]["queue"] == "root.test"
    assert [g["minResource"] for g in groups_of(submission)] == [
        {"cpu": "1", "memory": "896Mi"},
        {"cpu": "1", "memory": "896Mi"},
    ]


def test_without_any_queue_the_platform_default_queue_is_used() -> None:
    manifest = golden_manifest()
    del manifest["spec"]["driver"]["labels"]["queue"]
    options = SubmissionOptions(default_queue="root.batch")
    assert submit(manifest, options).driver_pod["metadata"]["labels"]["queue"] == "root.batch"


def test_a_role_scheduler_name_opts_out_of_the_platform_default() -> None:
    manifest = golden_manifest()
    manifest["spec"]["driver"]["schedulerName"] = "default-scheduler"
    submission = submit(manifest)
    assert submission.driver_pod["spec"]["schedulerName"] == "default-scheduler"
    assert submission.task_groups == []
    assert "annotations" not in submission.driver_pod["metadata"]


def test_dynamic_allocation_gang_size_is_the_largest_initial_executor_count() -> None:
    manifest = golden_manifest()
    manifest["spec"]["dynamicAllocation"] = {
        "enabled": True,
        "initialExecutors": 3,
        "minExecutors": 5,
        "maxExecutors": 9,
    }
    assert [g["minMember"] for g in groups_of(submit(manifest))] == [1, 5]


def test_no_executor_group_when_no_executor_starts_with_the_application() -> None:
    manifest = golden_manifest({"spark.executor.instances": "0"})
    del manifest["spec"]["executor"]["instances"]
    manifest["spec"]["dynamicAllocation"] = {"enabled": True, "minExecutors": 0}
    assert [g["name"] for g in groups_of(submit(manifest))] == ["spark-driver"]


def test_scheduling_policy_parameters_on_the_application_reach_the_driver() -> None:
    manifest = golden_manifest()
    policy = "placeholderTimeoutInSeconds=30 gangSchedulingStyle=Hard"
    manifest["metadata"]["annotations"] = {"yunikorn.apache.org/schedulingPolicyParameters": policy}
    annotations = submit(manifest).driver_pod["metadata"]["annotations"]
    assert annotations["yunikorn.apache.org/schedulingPolicyParameters"] == (
        "placeholderTimeoutInSeconds=30 gangSchedulingStyle=Hard"
    )


def test_sidecars_count_and_init_containers_set_a_floor_in_min_resource() -> None:
    manifest = golden_manifest()
    manifest["spec"]["driver"]["sidecars"] = [
        {"name": "proxy", "image": "envoy", "resources": {"requests": {"cpu": "250m", "memory": "128Mi"}}}
    ]
    manifest["spec"]["executor"]["initContainers"] = [
        {"name": "warm", "image": "busybox", "resources": {"limits": {"cpu": "3", "memory": "1Gi"}}}
    ]
    driver_group, executor_group = groups_of(submit(manifest))
    assert driver_group["minResource"] == {"cpu": "1250m", "memory": "1024Mi"}
    assert executor_group["minResource"] == {"cpu": "3", "memory": "1024Mi"}


def test_pod_overhead_counts_in_min_resource() -> None:
    pod = copy.deepcopy(submit(golden_manifest()).driver_pod)
    pod["spec"]["overhead"] = {"cpu": "250m", "memory": "128Mi"}
    group = task_group(DRIVER_GROUP, 1, pod, {})
    assert group["minResource"] == {"cpu": "1250m", "memory": "1024Mi"}


def _requests(min_resource: dict[str, str]) -> dict[str, int]:
    return {k: cpu_millis(v) if k == "cpu" else memory_bytes(v) for k, v in min_resource.items()}


@settings(max_examples=60, deadline=None)
@given(
    app_type=st.sampled_from(["Python", "Scala", "R"]),
    driver_memory=st.integers(min_value=1, max_value=64 * 1024),
    executor_memory=st.integers(min_value=1, max_value=64 * 1024),
    overhead=st.one_of(st.none(), st.integers(min_value=0, max_value=8192)),
    factor=st.one_of(st.none(), st.sampled_from(["0.1", "0.2", "0.4", "0.75"])),
    pyspark=st.one_of(st.none(), st.integers(min_value=1, max_value=4096)),
    off_heap=st.one_of(st.none(), st.integers(min_value=1, max_value=4096)),
    cores=st.integers(min_value=1, max_value=16),
    core_request=st.one_of(st.none(), st.sampled_from(["100m", "500m", "1.5", "3"])),
    sidecar_cpu=st.one_of(st.none(), st.sampled_from(["10m", "250m", "1"])),
)
def test_placeholders_are_never_smaller_than_the_real_pods(
    app_type: str,
    driver_memory: int,
    executor_memory: int,
    overhead: int | None,
    factor: str | None,
    pyspark: int | None,
    off_heap: int | None,
    cores: int,
    core_request: str | None,
    sidecar_cpu: str | None,
) -> None:
    conf: dict[str, str] = {}
    if pyspark is not None:
        conf["spark.executor.pyspark.memory"] = f"{pyspark}m"
    if off_heap is not None:
        conf.update({"spark.memory.offHeap.enabled": "true", "spark.memory.offHeap.size": f"{off_heap}m"})
    manifest = golden_manifest(conf)
    spec = manifest["spec"]
    spec["type"] = app_type
    if app_type == "Scala":
        spec.update(mainClass="org.example.Main", mainApplicationFile="local:///app.jar")
    if factor is not None:
        spec["memoryOverheadFactor"] = factor
    spec["driver"]["memory"] = f"{driver_memory}m"
    spec["executor"].update(memory=f"{executor_memory}m", cores=cores)
    if overhead is not None:
        spec["executor"]["memoryOverhead"] = f"{overhead}m"
    if core_request is not None:
        spec["executor"]["coreRequest"] = core_request
    if sidecar_cpu is not None:
        spec["executor"]["sidecars"] = [
            {"name": "side", "image": "x", "resources": {"requests": {"cpu": sidecar_cpu, "memory": "64Mi"}}}
        ]
    submission = submit(manifest)
    driver_group, executor_group = groups_of(submission)
    for group, pod in ((driver_group, submission.driver_pod), (executor_group, submission.executor_pod(1))):
        placeholder, real = _requests(group["minResource"]), pod_requests(pod["spec"])
        assert all(placeholder.get(name, 0) >= amount for name, amount in real.items()), (placeholder, real)
