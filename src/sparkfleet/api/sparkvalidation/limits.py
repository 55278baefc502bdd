"""Checks of what an application asks for: executors within the cluster's maximum, and the amounts sparkConf
may set instead of the spec's fields (counts, cores, memory) within what Spark and Kubernetes accept.

The spec's own fields are bounded by their types (api/sparktypes.py); sparkConf values are strings, so the
same rules are applied here to the keys that override those fields.
"""

from __future__ import annotations

from collections.abc import Callable

from sparkfleet.api.base import FieldIssue
from sparkfleet.api.quantity import QuantityError, cpu_millis, spark_memory_bytes
from sparkfleet.api.settings import DEFAULT_MAX_EXECUTORS
from sparkfleet.api.sparkapplication import SparkApplicationSpec
from sparkfleet.api.sparktypes import INT32_MAX, INT64_MAX

__all__ = ["executor_limit_issues"]

_COUNT_KEYS = (
    "spark.executor.instances",
    "spark.dynamicAllocation.minExecutors",
    "spark.dynamicAllocation.initialExecutors",
    "spark.dynamicAllocation.maxExecutors",
)


def _over(count: int, max_executors: int) -> str:
    return (
        f"{count} executors is above the cluster's maximum of {max_executors} (limits.maxExecutors): "
        "ask for fewer"
    )


def _count(text: str, max_executors: int) -> str | None:
    try:
        count = int(text.strip())
    except ValueError:
        return f"{text!r} is not a whole number of executors"
    if count < 0:
        return f"{count} must be greater than or equal to 0"
    return _over(count, max_executors) if count > max_executors else None


def _cores(text: str) -> str | None:
    try:
        cores = int(text.strip())
    except ValueError:
        return f"{text!r} is not a whole number of cores"
    if not 1 <= cores <= INT32_MAX:
        return f"{cores}: cores must be a positive number, as Spark requires"
    return None


def _memory(positive: bool) -> Callable[[str], str | None]:
    def check(text: str) -> str | None:
        try:
            n_bytes = spark_memory_bytes(text)
        except QuantityError as exc:
            return str(exc)
        if n_bytes > INT64_MAX:
            return f"{text!r} is more bytes than Spark can count (a Java long)"
        if positive and n_bytes <= 0:
            return f"{text!r}: memory must be a positive number, as Spark requires: e.g. 512m or 4g"
        return None

    return check


def _cpu_quantity(text: str) -> str | None:
    try:
        millis = cpu_millis(text)
    except QuantityError as exc:
        return str(exc)
    if millis < 0:
        return f"{text!r} must be greater than or equal to 0"
    return f"{text!r} is more millicores than Kubernetes can count" if millis > INT64_MAX else None


_AMOUNT_KEYS: dict[str, Callable[[str], str | None]] = {
    "spark.driver.cores": _cores,
    "spark.executor.cores": _cores,
    "spark.driver.memory": _memory(positive=True),
    "spark.executor.memory": _memory(positive=True),
    "spark.driver.memoryOverhead": _memory(positive=False),
    "spark.executor.memoryOverhead": _memory(positive=False),
    "spark.kubernetes.driver.request.cores": _cpu_quantity,
    "spark.kubernetes.executor.request.cores": _cpu_quantity,
    "spark.kubernetes.driver.limit.cores": _cpu_quantity,
    "spark.kubernetes.executor.limit.cores": _cpu_quantity,
}


def executor_limit_issues(
    spec: SparkApplicationSpec, prefix: str = "spec", max_executors: int = DEFAULT_MAX_EXECUTORS
) -> list[FieldIssue]:
    """Executor counts above `max_executors`, and sparkConf amounts Spark or Kubernetes would refuse."""
    issues: list[FieldIssue] = []
    if spec.executor.instances > max_executors:
        issues.append(
            FieldIssue(f"{prefix}.executor.instances", _over(spec.executor.instances, max_executors))
        )
    da = spec.dynamicAllocation
    if da is not None:
        for field in ("minExecutors", "initialExecutors", "maxExecutors"):
            count = getattr(da, field)
            if count is not None and count > max_executors:
                issues.append(FieldIssue(f"{prefix}.dynamicAllocation.{field}", _over(count, max_executors)))
    for key, value in spec.sparkConf.items():
        check = _AMOUNT_KEYS.get(key)
        problem = _count(value, max_executors) if key in _COUNT_KEYS else check(value) if check else None
        if problem is not None:
            issues.append(FieldIssue(f'{prefix}.sparkConf["{key}"]', problem))
    return issues
