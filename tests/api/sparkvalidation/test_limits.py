"""What an application may ask for: executors within the cluster's maximum, and sparkConf amounts within
what Spark and Kubernetes accept, each refused with the field's path."""

from __future__ import annotations

import pytest

from sparkfleet.api.scheduledsparkapplication import load_scheduled_spark_application
from sparkfleet.api.settings import DEFAULT_MAX_EXECUTORS
from sparkfleet.api.sparkapplication import load_spark_application
from sparkfleet.api.sparkvalidation import executor_limit_issues, validate_scheduled_spark_application

from .builders import app_doc, issues, only_issue, scheduled_doc


def executor(**fields: object) -> dict[str, object]:
    return {"cores": 1, "instances": 4, "memory": "4g", **fields}


def test_executors_up_to_the_default_maximum_are_valid() -> None:
    assert issues(app_doc(executor=executor(instances=DEFAULT_MAX_EXECUTORS))) == []


def test_one_executor_above_the_maximum_is_refused_at_instances() -> None:
    path, message = only_issue(app_doc(executor=executor(instances=DEFAULT_MAX_EXECUTORS + 1)))
    assert path == "spec.executor.instances"
    assert message == (
        "10001 executors is above the cluster's maximum of 10000 (limits.maxExecutors): ask for fewer"
    )


def test_a_cluster_with_a_lower_maximum_refuses_what_the_default_allows() -> None:
    app = load_spark_application(app_doc(executor=executor(instances=500)))
    found = executor_limit_issues(app.spec, "spec", max_executors=100)
    assert [(i.path, i.message.split(" (")[0]) for i in found] == [
        ("spec.executor.instances", "500 executors is above the cluster's maximum of 100")
    ]


@pytest.mark.parametrize("bound", ["minExecutors", "initialExecutors", "maxExecutors"])
def test_each_dynamic_allocation_bound_is_held_to_the_maximum(bound: str) -> None:
    allocation = {"enabled": True, "minExecutors": 1, "initialExecutors": 2, "maxExecutors": 4}
    allocation[bound] = 10**9
    if bound != "maxExecutors":
        allocation["maxExecutors"] = 10**9
    found = issues(app_doc(dynamicAllocation=allocation))
    assert (f"spec.dynamicAllocation.{bound}", f"{10**9} executors is above the cluster's maximum of 10000 "
            "(limits.maxExecutors): ask for fewer") in found  # fmt: skip


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("spark.executor.instances", "1000000000", "1000000000 executors is above the cluster's maximum"),
        ("spark.dynamicAllocation.maxExecutors", "-3", "-3 must be greater than or equal to 0"),
        ("spark.dynamicAllocation.minExecutors", "lots", "'lots' is not a whole number of executors"),
        ("spark.executor.memory", "0", "'0': memory must be a positive number, as Spark requires"),
        ("spark.driver.memory", "99999999999999999999g", "is more bytes than Spark can count"),
        ("spark.executor.cores", "0", "0: cores must be a positive number, as Spark requires"),
        ("spark.driver.cores", "3000000000", "3000000000: cores must be a positive number"),
        ("spark.kubernetes.executor.request.cores", "-500m", "'-500m' must be greater than or equal to 0"),
        ("spark.kubernetes.driver.limit.cores", "1e30", "is more millicores than Kubernetes can count"),
    ],
)
def test_spark_conf_amounts_that_replace_the_spec_fields_are_held_to_the_same_rules(
    key: str, value: str, expected: str
) -> None:
    path, message = only_issue(app_doc(sparkConf={key: value}))
    assert path == f'spec.sparkConf["{key}"]'
    assert expected in message


def test_a_memory_overhead_of_zero_is_what_spark_accepts() -> None:
    assert issues(app_doc(sparkConf={"spark.executor.memoryOverhead": "0"})) == []


def test_a_scheduled_application_template_is_held_to_the_maximum() -> None:
    doc = scheduled_doc(template={**app_doc()["spec"], "executor": executor(instances=10**6)})
    found = validate_scheduled_spark_application(load_scheduled_spark_application(doc))
    assert [i.path for i in found] == ["spec.template.executor.instances"]
