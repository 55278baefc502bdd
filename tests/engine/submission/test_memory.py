"""Spark's memory overhead rules, read from the conf as Spark reads them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sparkfleet.engine.submission import PodMemory, driver_memory, executor_memory
from sparkfleet.engine.submission.memory import MemoryConfError, default_overhead_factor, java_double


def test_a_small_python_driver_gets_the_384_mib_minimum_overhead() -> None:
    assert driver_memory({"spark.driver.memory": "512m"}, non_jvm=True) == PodMemory(512, 384)
    assert driver_memory({"spark.driver.memory": "512m"}, non_jvm=True).quantity == "896Mi"


def test_python_and_r_drivers_default_to_a_0_4_factor_and_jvm_drivers_to_0_1() -> None:
    assert driver_memory({"spark.driver.memory": "4g"}, non_jvm=True).overhead_mib == 1638
    assert driver_memory({"spark.driver.memory": "4g"}, non_jvm=False).overhead_mib == 409


def test_an_explicit_overhead_replaces_the_computed_one() -> None:
    conf = {"spark.driver.memory": "4g", "spark.driver.memoryOverhead": "4g"}
    assert driver_memory(conf, non_jvm=True).quantity == "8192Mi"


def test_the_driver_factor_wins_over_the_kubernetes_factor() -> None:
    conf = {
        "spark.driver.memory": "10g",
        "spark.kubernetes.memoryOverheadFactor": "0.2",
        "spark.driver.memoryOverheadFactor": "0.3",
    }
    assert driver_memory(conf, non_jvm=False).overhead_mib == 3072


def test_the_kubernetes_factor_replaces_the_non_jvm_default_and_reaches_executors() -> None:
    conf = {
        "spark.driver.memory": "10g",
        "spark.executor.memory": "10g",
        "spark.kubernetes.memoryOverheadFactor": "0.2",
    }
    assert default_overhead_factor(conf, non_jvm=True) == 0.2
    assert driver_memory(conf, non_jvm=True).overhead_mib == 2048
    assert executor_memory(conf, python=True).overhead_mib == 2048


def test_the_executor_factor_wins_for_executors() -> None:
    conf = {
        "spark.executor.memory": "10g",
        "spark.kubernetes.memoryOverheadFactor": "0.4",
        "spark.executor.memoryOverheadFactor": "0.1",
    }
    assert executor_memory(conf, python=True).overhead_mib == 1024


def test_spark_4_minimum_overhead_settings_raise_or_lower_the_floor() -> None:
    conf = {
        "spark.executor.memory": "1g",
        "spark.executor.minMemoryOverhead": "1g",
        "spark.kubernetes.memoryOverheadFactor": "0.1",
    }
    assert executor_memory(conf, python=False).overhead_mib == 1024
    assert driver_memory({"spark.driver.minMemoryOverhead": "100m"}, non_jvm=False) == PodMemory(1024, 102)


def test_python_executors_hold_pyspark_memory_and_all_executors_hold_enabled_off_heap() -> None:
    conf = {
        "spark.executor.memory": "2g",
        "spark.kubernetes.memoryOverheadFactor": "0.4",
        "spark.executor.pyspark.memory": "512",
        "spark.memory.offHeap.enabled": "true",
        "spark.memory.offHeap.size": "1073741824",
    }
    assert executor_memory(conf, python=True) == PodMemory(2048, 819, 512, 1024)
    assert executor_memory(conf, python=False) == PodMemory(2048, 819, 0, 1024)
    assert executor_memory({**conf, "spark.memory.offHeap.enabled": "false"}, python=True).off_heap_mib == 0


def test_off_heap_enabled_without_a_size_is_refused_as_spark_refuses_it() -> None:
    with pytest.raises(MemoryConfError, match=r"offHeap\.size"):
        executor_memory({"spark.memory.offHeap.enabled": "true"}, python=False)


@pytest.mark.parametrize("factor", ["0", "-0.1", "a lot"])
def test_an_invalid_factor_names_the_setting(factor: str) -> None:
    with pytest.raises(MemoryConfError, match=r"spark\.driver\.memoryOverheadFactor"):
        driver_memory({"spark.driver.memoryOverheadFactor": factor}, non_jvm=False)


def test_factors_are_written_back_as_scala_prints_doubles() -> None:
    assert [java_double(v) for v in (0.4, 0.1, 1.0, 0.25)] == ["0.4", "0.1", "1.0", "0.25"]


@given(
    heap=st.integers(min_value=1, max_value=512 * 1024),
    factor=st.sampled_from(["0.1", "0.4", "0.25", "0.15", "1.5"]),
    non_jvm=st.booleans(),
)
def test_the_overhead_is_never_below_the_floor_nor_below_the_factor_share(
    heap: int, factor: str, non_jvm: bool
) -> None:
    conf = {"spark.driver.memory": f"{heap}m", "spark.driver.memoryOverheadFactor": factor}
    memory = driver_memory(conf, non_jvm)
    assert memory.overhead_mib >= 384
    assert memory.overhead_mib >= int(float(factor) * heap)
    assert memory.total_mib == heap + memory.overhead_mib
