"""An executor pod as the Spark image's entrypoint runs it: the KubernetesExecutorBackend JVM, its heap
within this machine's budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from sparkfleet.runtime import StartError
from sparkfleet.runtime.local import SparkInstall
from sparkfleet.runtime.local.executorjvm import (
    EXECUTOR_BACKEND,
    MIN_HEAP,
    asked_heap,
    executor_argv,
    executor_plan,
    heap_within,
)
from sparkfleet.runtime.local.paths import PathRefused

MIB = 2**20
ENV = {
    "SPARK_DRIVER_URL": "spark://CoarseGrainedScheduler@127.1.2.3:7078",
    "SPARK_EXECUTOR_ID": "1",
    "SPARK_EXECUTOR_CORES": "1",
    "SPARK_EXECUTOR_MEMORY": "512m",
    "SPARK_APPLICATION_ID": "spark-abc",
    "SPARK_EXECUTOR_POD_IP": "127.4.5.6",
    "SPARK_RESOURCE_PROFILE_ID": "0",
    "SPARK_EXECUTOR_POD_NAME": "pi-exec-1",
    "SPARK_CONF_DIR": "/node/pod/conf",
    "SPARK_JAVA_OPT_10": "-Dten",
    "SPARK_JAVA_OPT_2": "-Dtwo",
}


def test_the_entrypoints_executor_command(fake_spark: SparkInstall) -> None:
    argv = executor_argv(ENV, fake_spark, 512 * MIB)
    java = str(fake_spark.java_home / "bin" / "java") if fake_spark.java_home else "java"
    assert argv[:5] == (java, "-Dtwo", "-Dten", "-Xms512m", "-Xmx512m")  # SPARK_JAVA_OPT_n in order of n
    assert argv[5:8] == ("-cp", f"/node/pod/conf:{fake_spark.home / 'jars' / '*'}", EXECUTOR_BACKEND)
    flags = dict(zip(argv[8::2], argv[9::2], strict=True))
    assert flags == {
        "--driver-url": ENV["SPARK_DRIVER_URL"],
        "--executor-id": "1",
        "--cores": "1",
        "--app-id": "spark-abc",
        "--hostname": "127.4.5.6",
        "--resourceProfileId": "0",
        "--podName": "pi-exec-1",
    }


def test_an_executor_pod_spark_did_not_make_is_refused_with_what_is_missing(fake_spark: SparkInstall) -> None:
    with pytest.raises(StartError, match="SPARK_DRIVER_URL"):
        executor_argv({k: v for k, v in ENV.items() if k != "SPARK_DRIVER_URL"}, fake_spark, MIN_HEAP)


def test_the_heap_asked_is_spark_executor_memory() -> None:
    assert asked_heap(ENV) == 512 * MIB
    assert asked_heap({}) == 1024 * MIB  # Spark's default
    with pytest.raises(StartError, match="SPARK_EXECUTOR_MEMORY"):
        asked_heap({"SPARK_EXECUTOR_MEMORY": "lots"})


def test_heaps_that_fit_the_budget_are_given_whole_and_others_scaled_in_proportion() -> None:
    gib = 1024 * MIB
    assert heap_within(2 * gib, 2 * gib, 8 * gib) == 2 * gib
    # 36 executors of 26 GiB on a 12 GiB budget: each gets its share, not less than Spark's floor.
    assert heap_within(26 * gib, 35 * 26 * gib, 12 * gib) == MIN_HEAP
    assert heap_within(8 * gib, 8 * gib, 8 * gib) == 4 * gib
    assert heap_within(256 * MIB, 8 * gib, gib) == 256 * MIB  # never more than asked


def test_the_process_runs_with_this_machines_spark_and_python_at_the_pods_address(
    fake_spark: SparkInstall, tmp_path: Path
) -> None:
    local = tmp_path / "vol" / "spark-local"
    env = {**ENV, "SPARK_LOCAL_DIRS": str(local)}
    plan = executor_plan(
        env, tmp_path / "pod", tmp_path / "log", fake_spark, tmp_path, MIN_HEAP, [tmp_path / "vol"]
    )
    assert plan.env["SPARK_HOME"] == str(fake_spark.home)
    assert plan.env["PYSPARK_PYTHON"] == fake_spark.python
    assert plan.env["SPARK_LOCAL_IP"] == "127.4.5.6"
    assert local.is_dir()
    with pytest.raises(PathRefused, match="SPARK_LOCAL_DIRS"):
        executor_plan(
            env, tmp_path / "pod", tmp_path / "log", fake_spark, tmp_path, MIN_HEAP, [tmp_path / "x"]
        )
