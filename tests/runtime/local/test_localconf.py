"""The driver's Kubernetes conf rewritten for one local-mode JVM."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from sparkfleet.runtime import StartError
from sparkfleet.runtime.local.localconf import (
    LocalConfInputs,
    executor_instances,
    local_conf,
    local_driver_memory,
    local_master,
)

GIB = 2**30
# What the pyspark-pi submission puts in spark.properties (abridged to the keys that matter here).
KUBERNETES_CONF = {
    "spark.app.name": "pyspark-pi-karpenter",
    "spark.master": "k8s://https://kubernetes.default.svc:443",
    "spark.submit.deployMode": "cluster",
    "spark.driver.host": "pyspark-pi-karpenter-29eee4ccae39908a-driver-svc.spark-team-a.svc",
    "spark.driver.port": "7078",
    "spark.driver.blockManager.port": "7079",
    "spark.driver.cores": "1",
    "spark.driver.memory": "512m",
    "spark.executor.cores": "1",
    "spark.executor.instances": "2",
    "spark.executor.memory": "512m",
    "spark.eventLog.enabled": "true",
    "spark.eventLog.dir": "s3a://my-bucket/spark-event-logs",
    "spark.hadoop.fs.s3a.aws.credentials.provider": "WebIdentityTokenFileCredentialsProvider",
    "spark.kubernetes.namespace": "spark-team-a",
    "spark.kubernetes.driver.pod.name": "pyspark-pi-karpenter-driver",
    "spark.kubernetes.memoryOverheadFactor": "0.4",
    "spark.pyspark.python": "/usr/bin/python3",
    "spark.ui.prometheus.enabled": "true",
}


def inputs(tmp_path: Path, **changes: object) -> LocalConfInputs:
    def refuse(uri: str, where: str) -> str:
        raise StartError(f"{where}: {uri} refused")

    return replace(LocalConfInputs(tmp_path / "eventlogs", None, 2, 24 * GIB, refuse), **changes)


def test_kubernetes_keys_and_the_driver_pods_addresses_go(tmp_path: Path) -> None:
    local = local_conf(KUBERNETES_CONF, inputs(tmp_path))
    assert not [k for k in local if k.startswith("spark.kubernetes.")]
    for key in ("spark.master", "spark.driver.host", "spark.driver.port", "spark.driver.blockManager.port"):
        assert key not in local
    assert "spark.pyspark.python" not in local, "the image's interpreter is not this machine's"
    assert local["spark.submit.deployMode"] == "client"


def test_everything_else_is_kept_as_it_is(tmp_path: Path) -> None:
    local = local_conf(KUBERNETES_CONF, inputs(tmp_path))
    for key in (
        "spark.app.name",
        "spark.hadoop.fs.s3a.aws.credentials.provider",
        "spark.ui.prometheus.enabled",
    ):
        assert local[key] == KUBERNETES_CONF[key]


def test_the_ui_port_and_proxy_path_given_replace_the_applications(tmp_path: Path) -> None:
    conf = {**KUBERNETES_CONF, "spark.ui.port": "4040", "spark.ui.proxyBase": "/ingress/pi"}
    proxy = "/api/v1/namespaces/default/services/pi-ui-svc:4040/proxy"
    local = local_conf(conf, inputs(tmp_path, ui_port=4046, ui_proxy_base=proxy))
    assert (local["spark.ui.port"], local["spark.ui.proxyBase"]) == ("4046", proxy)
    assert local_conf(conf, inputs(tmp_path))["spark.ui.proxyBase"] == "/ingress/pi", (
        "kept when none is given"
    )


def test_event_logs_on_object_storage_go_to_the_clusters_event_log_directory(tmp_path: Path) -> None:
    local = local_conf(KUBERNETES_CONF, inputs(tmp_path))
    assert local["spark.eventLog.dir"] == (tmp_path / "eventlogs").as_uri()
    assert (tmp_path / "eventlogs").is_dir()


def test_a_local_event_log_directory_is_kept_and_created(tmp_path: Path) -> None:
    mine = tmp_path / "my-events"
    local = local_conf({**KUBERNETES_CONF, "spark.eventLog.dir": str(mine)}, inputs(tmp_path))
    assert local["spark.eventLog.dir"] == str(mine) and mine.is_dir()


def test_enabled_event_logs_without_a_directory_use_the_clusters(tmp_path: Path) -> None:
    conf = {k: v for k, v in KUBERNETES_CONF.items() if k != "spark.eventLog.dir"}
    assert local_conf(conf, inputs(tmp_path))["spark.eventLog.dir"] == (tmp_path / "eventlogs").as_uri()


def test_local_dirs_become_the_mapped_volume_paths(tmp_path: Path) -> None:
    node_disk = str(tmp_path / "nodes/ip-1/mnt/k8s-disks/0")
    local = local_conf(
        {**KUBERNETES_CONF, "spark.local.dir": "/data1"}, inputs(tmp_path, local_dirs=node_disk)
    )
    assert local["spark.local.dir"] == node_disk


def test_resource_lists_are_resolved_and_object_storage_is_refused_by_key(tmp_path: Path) -> None:
    conf = {**KUBERNETES_CONF, "spark.jars": "s3a://bucket/deps.jar"}
    with pytest.raises(StartError, match=re.escape("spark.jars: s3a://bucket/deps.jar refused")):
        local_conf(conf, inputs(tmp_path))
    seen: list[tuple[str, str]] = []

    def resolve(uri: str, where: str) -> str:
        seen.append((uri, where))
        return uri.replace("local://", "")

    files = {**KUBERNETES_CONF, "spark.submit.pyFiles": "local:///opt/a.py, /b.py"}
    local = local_conf(files, inputs(tmp_path, resolve_resource=resolve))
    assert local["spark.submit.pyFiles"] == "/opt/a.py,/b.py"
    assert seen == [("local:///opt/a.py", "spark.submit.pyFiles"), ("/b.py", "spark.submit.pyFiles")]


def test_the_master_counts_driver_and_executor_cores_up_to_the_machines() -> None:
    assert local_master(KUBERNETES_CONF, cpu_count=2) == "local[2]"
    assert local_master(KUBERNETES_CONF, cpu_count=16) == "local[3]"
    wide = {**KUBERNETES_CONF, "spark.executor.cores": "4", "spark.executor.instances": "4"}
    assert local_master(wide, cpu_count=64) == "local[17]"


def test_dynamic_allocation_starts_from_the_initial_executor_target() -> None:
    conf = {
        "spark.dynamicAllocation.enabled": "true",
        "spark.dynamicAllocation.minExecutors": "1",
        "spark.dynamicAllocation.initialExecutors": "3",
    }
    assert executor_instances(conf) == 3
    assert executor_instances({}) == 2, "Spark's default"


def test_the_heap_covers_the_executors_up_to_half_the_machine() -> None:
    assert local_driver_memory(KUBERNETES_CONF, 24 * GIB) == "1536m"
    big = {"spark.driver.memory": "4g", "spark.executor.memory": "4g", "spark.executor.instances": "4"}
    assert local_driver_memory(big, 24 * GIB) == "12288m"
    assert local_driver_memory({"spark.driver.memory": "16g"}, 24 * GIB) == "16384m"


def test_numbers_that_are_not_numbers_are_refused_by_key() -> None:
    expected = re.escape("spark.executor.instances='two': expected a whole number")
    with pytest.raises(StartError, match=expected):
        local_master({"spark.executor.instances": "two"}, 2)
    with pytest.raises(StartError, match=r"spark\.driver\.memory"):
        local_driver_memory({"spark.driver.memory": "lots"}, GIB)
