"""Spark's pod sizing rules (Spark 3.5/4.0 BasicDriverFeatureStep, BasicExecutorFeatureStep, ResourceProfile).

Everything is read from the resolved Spark conf, exactly as Spark reads it, so the pod, the conf and the
YuniKorn placeholders are sized by one rule:

- heap: `spark.{driver,executor}.memory` (default 1g), whole MiB;
- overhead: `spark.{driver,executor}.memoryOverhead` if set, else
  max(int(factor x heap), `spark.{driver,executor}.minMemoryOverhead` (Spark 4.0, default 384 MiB));
- factor, driver: `spark.driver.memoryOverheadFactor`, else the default factor, which is
  `spark.kubernetes.memoryOverheadFactor` if set, else 0.4 for Python and R (non-JVM) and 0.1 for the JVM.
  The default factor is written back to `spark.kubernetes.memoryOverheadFactor` and so reaches executors;
- factor, executor: `spark.executor.memoryOverheadFactor`, else `spark.kubernetes.memoryOverheadFactor`;
- executor pods also hold `spark.executor.pyspark.memory` (Python only) and, when
  `spark.memory.offHeap.enabled`, `spark.memory.offHeap.size`.
The pod's memory request and limit are the total in `Mi`.

Factors are IEEE doubles and `int()` truncates, as Scala's `(factor * mib).toInt` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sparkfleet.api.quantity import QuantityError, spark_memory_bytes
from sparkfleet.api.redaction import shown_setting

MIB = 1 << 20
DEFAULT_MEMORY = "1g"
DEFAULT_MIN_OVERHEAD = "384m"
JVM_OVERHEAD_FACTOR = 0.1
NON_JVM_OVERHEAD_FACTOR = 0.4


class MemoryConfError(ValueError):
    """A memory setting Spark would refuse at submission; the message names the key."""


@dataclass(frozen=True, slots=True)
class PodMemory:
    """The parts of a Spark pod's memory, in MiB."""

    heap_mib: int
    overhead_mib: int
    pyspark_mib: int = 0
    off_heap_mib: int = 0

    @property
    def total_mib(self) -> int:
        """The pod's memory request and limit."""
        return self.heap_mib + self.overhead_mib + self.pyspark_mib + self.off_heap_mib

    @property
    def quantity(self) -> str:
        return f"{self.total_mib}Mi"


def _mib(conf: Mapping[str, str], key: str, default: str | None) -> int | None:
    """A MiB setting (a bare number means MiB), floored to whole MiB like JavaUtils.byteStringAsMb."""
    value = conf.get(key, default)
    if value is None:
        return None
    try:
        return spark_memory_bytes(value) // MIB
    except QuantityError as exc:
        raise MemoryConfError(f"{shown_setting(key, value)}: {exc}") from None


def _factor(conf: Mapping[str, str], key: str) -> float | None:
    value = conf.get(key)
    if value is None:
        return None
    try:
        factor = float(value)
    except ValueError:
        raise MemoryConfError(
            f'{shown_setting(key, value)}: expected a decimal number such as "0.1"'
        ) from None
    if not factor > 0:
        raise MemoryConfError(f"{shown_setting(key, value)}: the overhead factor must be greater than 0")
    return factor


def default_overhead_factor(conf: Mapping[str, str], non_jvm: bool) -> float:
    """The factor Spark propagates as spark.kubernetes.memoryOverheadFactor."""
    factor = _factor(conf, "spark.kubernetes.memoryOverheadFactor")
    if factor is not None:
        return factor
    return NON_JVM_OVERHEAD_FACTOR if non_jvm else JVM_OVERHEAD_FACTOR


def java_double(value: float) -> str:
    """Scala's Double.toString for the plain range: `0.4`, `1.0`."""
    text = repr(value)
    return text if ("." in text or "e" in text or "inf" in text or "nan" in text) else text + ".0"


def _overhead(conf: Mapping[str, str], role: str, heap_mib: int, factor: float) -> int:
    explicit = _mib(conf, f"spark.{role}.memoryOverhead", None)
    if explicit is not None:
        return explicit
    floor = _mib(conf, f"spark.{role}.minMemoryOverhead", DEFAULT_MIN_OVERHEAD) or 0
    return max(int(factor * heap_mib), floor)


def driver_memory(conf: Mapping[str, str], non_jvm: bool) -> PodMemory:
    heap = _mib(conf, "spark.driver.memory", DEFAULT_MEMORY) or 0
    factor = _factor(conf, "spark.driver.memoryOverheadFactor")
    if factor is None:
        factor = default_overhead_factor(conf, non_jvm)
    return PodMemory(heap, _overhead(conf, "driver", heap, factor))


def _off_heap_mib(conf: Mapping[str, str]) -> int:
    if conf.get("spark.memory.offHeap.enabled", "false").strip().lower() != "true":
        return 0
    value = conf.get("spark.memory.offHeap.size", "0").strip()
    try:
        # A bytes setting: a bare number is bytes, not MiB (Utils.executorOffHeapMemorySizeAsMb).
        size = int(value) if value.isdigit() else spark_memory_bytes(value)
    except QuantityError as exc:
        raise MemoryConfError(f"{shown_setting('spark.memory.offHeap.size', value)}: {exc}") from None
    if size <= 0:
        raise MemoryConfError(
            "spark.memory.offHeap.size must be greater than 0 when spark.memory.offHeap.enabled is true"
        )
    return size // MIB


def executor_memory(conf: Mapping[str, str], python: bool) -> PodMemory:
    """An executor pod's memory; `conf` must hold the propagated spark.kubernetes.memoryOverheadFactor."""
    heap = _mib(conf, "spark.executor.memory", DEFAULT_MEMORY) or 0
    factor = _factor(conf, "spark.executor.memoryOverheadFactor")
    if factor is None:
        factor = _factor(conf, "spark.kubernetes.memoryOverheadFactor") or JVM_OVERHEAD_FACTOR
    pyspark = (_mib(conf, "spark.executor.pyspark.memory", None) or 0) if python else 0
    return PodMemory(heap, _overhead(conf, "executor", heap, factor), pyspark, _off_heap_mib(conf))
