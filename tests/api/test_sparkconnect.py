"""SparkConnect (sparkoperator.k8s.io/v1alpha1): the operator's example as published, and the CRD's rules."""

from __future__ import annotations

import pytest

from sparkfleet.api.base import ManifestError
from sparkfleet.api.sparkconnect import SparkConnectState, load_spark_connect
from support.objects import spark_connect


def test_the_operators_example_loads_with_its_templates_kept_as_written() -> None:
    conn = load_spark_connect(spark_connect())
    assert conn.spec.sparkVersion == "4.0.4"
    assert (conn.spec.executor.instances, conn.spec.executor.cores, conn.spec.executor.memory) == (
        2,
        1,
        "512m",
    )
    assert conn.spec.server.template is not None
    # The template is schemaless upstream: a container field under the pod's securityContext stays.
    dumped = conn.spec.server.template.model_dump(exclude_none=True)
    assert dumped["spec"]["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert conn.status is None


def test_a_new_connect_has_the_empty_state_and_no_server_yet() -> None:
    conn = load_spark_connect({**spark_connect(), "status": {}})
    assert conn.status is not None and conn.status.state == SparkConnectState.NEW
    assert conn.status.server.podIp is None


def test_the_server_and_executor_are_required_and_problems_name_their_fields() -> None:
    doc = spark_connect()
    del doc["spec"]["server"]
    doc["spec"]["executor"]["instances"] = -1
    with pytest.raises(ManifestError) as caught:
        load_spark_connect(doc)
    paths = {issue.path for issue in caught.value.issues}
    assert {"spec.server", "spec.executor.instances"} <= paths
