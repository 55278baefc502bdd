"""The field types of the Spark kinds: strings as the CRD declares them, Spark memory strings, Kubernetes
quantities, and integers within the widths the CRD's schema gives them.

Bounds are those of the programs that read the fields: Spark parses memory to a Java `long` of bytes and
refuses a heap of zero ("Driver memory must be a positive number", SparkSubmitArguments); the CRD declares
cores, instances and the executor bounds `int32` and durations `int64`; Kubernetes refuses negative CPU and
memory amounts and computes every amount as an `int64` of millicores or bytes.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from sparkfleet.api.base import quote_hint
from sparkfleet.api.meta import Quantity
from sparkfleet.api.quantity import QuantityError, cpu_millis, memory_bytes, spark_memory_bytes

__all__ = [
    "INT32_MAX",
    "INT64_MAX",
    "CpuQuantity",
    "Int32",
    "Int64",
    "KubeString",
    "MemoryQuantity",
    "SparkHeap",
    "SparkMemory",
    "SparkVersion",
    "StringMap",
    "overhead_factor",
]

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
Int32 = Annotated[int, Field(le=INT32_MAX)]
"""An integer the CRD declares `format: int32` (cores, instances, executor bounds, retries, ports)."""
Int64 = Annotated[int, Field(le=INT64_MAX)]
"""An integer the CRD declares `format: int64` (seconds, milliseconds)."""


def _kube_string(value: object) -> object:
    if isinstance(value, bool | int | float):
        raise ValueError(quote_hint(value))
    return value


def _version_string(value: object) -> object:
    # `sparkVersion: 3.5` parses as a float in YAML; a version is text, so take it as written.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _spark_bytes(value: str) -> int:
    try:
        n_bytes = spark_memory_bytes(value)
    except QuantityError as exc:
        raise ValueError(str(exc)) from None
    if n_bytes > INT64_MAX:
        raise ValueError(f"{value!r} is more bytes than Spark can count (a Java long): use at most 8191p")
    return n_bytes


def _spark_memory(value: str) -> str:
    _spark_bytes(value)
    return value


def _spark_heap(value: str) -> str:
    if _spark_bytes(value) <= 0:
        raise ValueError(f"{value!r}: memory must be a positive number, as Spark requires: e.g. 512m or 4g")
    return value


def _non_negative(value: str | int | float, millis: bool) -> str | int | float:
    amount = cpu_millis(value) if millis else memory_bytes(value)
    if amount < 0:
        raise ValueError(f"{value!r} must be greater than or equal to 0")
    if amount > INT64_MAX:
        unit = "millicores" if millis else "bytes"
        raise ValueError(f"{value!r} is more {unit} than Kubernetes can count (an int64)")
    return value


def _cpu(value: str | int | float) -> str | int | float:
    return _non_negative(value, millis=True)


def _memory(value: str | int | float) -> str | int | float:
    return _non_negative(value, millis=False)


def overhead_factor(value: str) -> str:
    try:
        factor = Fraction(value.strip())
    except ValueError:
        raise ValueError(f'invalid factor {value!r}: expected a decimal number such as "0.1"') from None
    if factor <= 0:
        raise ValueError(f"invalid factor {value!r}: must be greater than 0")
    return value


KubeString = Annotated[str, BeforeValidator(_kube_string)]
"""A string field of the CRD: numbers and booleans are errors with a hint to quote them."""
StringMap = dict[str, KubeString]
SparkMemory = Annotated[str, BeforeValidator(_kube_string), AfterValidator(_spark_memory)]
"""A Spark/JVM memory string: `512m` = 512 MiB, `4g` = 4 GiB (not a Kubernetes quantity); 0 allowed."""
SparkHeap = Annotated[str, BeforeValidator(_kube_string), AfterValidator(_spark_heap)]
"""A JVM heap (`driver.memory`, `executor.memory`): a Spark memory string above zero."""
CpuQuantity = Annotated[Quantity, BeforeValidator(_kube_string), AfterValidator(_cpu)]
"""A CPU quantity the CRD declares as a string (`coreLimit: "1200m"`), at least 0."""
MemoryQuantity = Annotated[Quantity, BeforeValidator(_kube_string), AfterValidator(_memory)]
"""A memory quantity the CRD declares as a string (`memoryLimit: "4Gi"`), at least 0."""
SparkVersion = Annotated[str, BeforeValidator(_version_string)]
