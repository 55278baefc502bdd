"""The Spark kinds' field types hold amounts to what Spark and Kubernetes accept, naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from sparkfleet.api.base import ManifestError
from sparkfleet.api.sparkapplication import load_spark_application
from sparkfleet.api.sparktypes import INT32_MAX, INT64_MAX


def app(driver: dict[str, Any] | None = None, executor: dict[str, Any] | None = None, **spec: Any) -> Any:
    return load_spark_application(
        {
            "apiVersion": "sparkoperator.k8s.io/v1beta2",
            "kind": "SparkApplication",
            "metadata": {"name": "pi", "namespace": "default"},
            "spec": {
                "type": "Python",
                "sparkVersion": "4.0.1",
                "mainApplicationFile": "local:///opt/spark/examples/src/main/python/pi.py",
                "driver": {"cores": 1, "memory": "512m", **(driver or {})},
                "executor": {"cores": 1, "instances": 2, "memory": "512m", **(executor or {})},
                **spec,
            },
        }
    )


def refused(**fields: Any) -> list[tuple[str, str]]:
    with pytest.raises(ManifestError) as caught:
        app(**fields)
    return [(i.path, i.message) for i in caught.value.issues]


@pytest.mark.parametrize("memory", ["0", "0m", "0g", "0b"])
@pytest.mark.parametrize("role", ["driver", "executor"])
def test_a_heap_of_zero_is_refused_as_spark_refuses_it(role: str, memory: str) -> None:
    message = f"{memory!r}: memory must be a positive number, as Spark requires: e.g. 512m or 4g"
    assert refused(**{role: {"memory": memory}}) == [(f"spec.{role}.memory", message)]


def test_a_memory_overhead_of_zero_is_accepted_as_spark_accepts_it() -> None:
    assert app(executor={"memoryOverhead": "0"}).spec.executor.memoryOverhead == "0"


def test_memory_beyond_a_java_long_of_bytes_is_refused() -> None:
    [(path, message)] = refused(driver={"memory": "8192p"})
    assert path == "spec.driver.memory"
    assert "more bytes than Spark can count" in message
    assert app(driver={"memory": "8191p"}).spec.driver.memory_bytes() <= INT64_MAX


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("coreRequest", "-1", "'-1' must be greater than or equal to 0"),
        ("coreLimit", "-500m", "'-500m' must be greater than or equal to 0"),
        ("memoryLimit", "-5Gi", "'-5Gi' must be greater than or equal to 0"),
        ("coreRequest", "1e30", "'1e30' is more millicores than Kubernetes can count (an int64)"),
        ("memoryLimit", "1e30", "'1e30' is more bytes than Kubernetes can count (an int64)"),
    ],
)
def test_kubernetes_amounts_are_non_negative_and_fit_an_int64(field: str, value: str, message: str) -> None:
    assert refused(executor={field: value}) == [(f"spec.executor.{field}", message)]


def test_a_core_request_of_zero_is_what_kubernetes_accepts() -> None:
    assert app(executor={"coreRequest": "0"}).spec.executor.core_request_millis() == 0


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"executor": {"instances": 10**18}}, "spec.executor.instances"),
        ({"executor": {"cores": INT32_MAX + 1}}, "spec.executor.cores"),
        ({"dynamicAllocation": {"maxExecutors": 2**31}}, "spec.dynamicAllocation.maxExecutors"),
        ({"timeToLiveSeconds": 10**30}, "spec.timeToLiveSeconds"),
        ({"restartPolicy": {"onFailureRetries": 2**40}}, "spec.restartPolicy.onFailureRetries"),
    ],
)
def test_integers_fit_the_width_the_crd_declares(fields: dict[str, Any], path: str) -> None:
    assert [p for p, _ in refused(**fields)] == [path]
