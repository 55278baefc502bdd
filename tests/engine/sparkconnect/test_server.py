"""The objects and status of a SparkConnect, as the operator's controller makes them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

from sparkfleet.api.sparkconnect import SparkConnectState, load_spark_connect
from sparkfleet.engine.sparkconnect import (
    CONNECT_MASTER,
    EXECUTOR_TEMPLATE_FILE,
    EXECUTOR_TEMPLATE_MOUNT,
    ConnectSpecError,
    connect_objects,
    connect_status,
)
from support.objects import spark_connect

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def stored(**spec: Any) -> Any:
    doc = spark_connect(**spec)
    doc["metadata"]["uid"] = "uid-1"
    return load_spark_connect(doc)


def confs(pod: dict[str, Any]) -> dict[str, str]:
    words = pod["spec"]["containers"][0]["args"][0]
    found = {}
    for part in words.split(" --conf ")[1:]:
        key, _, value = part.partition("=")
        found[key.strip("'")] = value
    return found


def test_the_server_pod_runs_the_start_script_against_the_cluster_with_the_connects_conf() -> None:
    pod = connect_objects(stored()).server_pod
    args = pod["spec"]["containers"][0]["args"][0]
    assert args.startswith(f"${{SPARK_HOME}}/sbin/start-connect-server.sh --master {CONNECT_MASTER} ")
    conf = confs(pod)
    assert conf["spark.kubernetes.namespace"] == "default"
    assert conf["spark.kubernetes.container.image"] == "docker.io/apache/spark:4.0.4"
    assert conf["spark.executor.instances"] == "2" and conf["spark.executor.memory"] == "512m"
    assert conf["spark.kubernetes.executor.label.sparkoperator.k8s.io/connect-name"] == "spark-connect"
    assert conf["spark.kubernetes.driver.pod.name"] == "spark-connect-server"
    assert conf["spark.kubernetes.executor.podNamePrefix"] == "spark-connect"
    assert conf["spark.kubernetes.executor.podTemplateFile"] == EXECUTOR_TEMPLATE_MOUNT
    assert conf["spark.driver.port"] == "7078" and conf["spark.driver.blockManager.port"] == "7079"


def test_the_server_pod_keeps_its_template_and_gets_the_selector_labels_probes_and_template_mount() -> None:
    pod = connect_objects(stored()).server_pod
    meta, spec = pod["metadata"], pod["spec"]
    assert meta["name"] == "spark-connect-server"
    assert meta["labels"] == {
        "key1": "value1",
        "key2": "value2",
        "sparkoperator.k8s.io/launched-by-spark-operator": "true",
        "sparkoperator.k8s.io/connect-name": "spark-connect",
        "spark-role": "connect-server",
        "spark-version": "4.0.4",
    }
    assert meta["annotations"] == {"key3": "value3", "key4": "value4"}
    assert (
        meta["ownerReferences"][0]["kind"] == "SparkConnect" and meta["ownerReferences"][0]["uid"] == "uid-1"
    )
    [container] = spec["containers"]
    assert container["name"] == "spark-kubernetes-driver"
    assert container["resources"]["requests"] == {"cpu": 1, "memory": "1Gi"}
    assert container["readinessProbe"]["tcpSocket"] == {"port": 15002}
    assert container["startupProbe"]["failureThreshold"] == 30
    assert {"name": "SPARK_NO_DAEMONIZE", "value": "true"} in container["env"]
    assert container["volumeMounts"][-1]["mountPath"] == EXECUTOR_TEMPLATE_MOUNT
    assert spec["volumes"][-1]["configMap"]["name"] == "spark-connect-conf"
    assert spec["serviceAccount"] == "spark-operator-spark"
    # Decoded into a pod template as the operator decodes it: container fields at the pod level go.
    assert spec["securityContext"] == {
        "runAsGroup": 185,
        "runAsUser": 185,
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def test_the_config_map_holds_the_executor_template_and_the_service_selects_the_server() -> None:
    objects = connect_objects(stored())
    template = yaml.safe_load(objects.config_map["data"][EXECUTOR_TEMPLATE_FILE])
    assert template["spec"]["containers"][0]["name"] == "spark-kubernetes-executor"
    service = objects.service
    assert service["metadata"]["name"] == "spark-connect-server"
    assert {p["name"]: p["port"] for p in service["spec"]["ports"]} == {
        "driver-rpc": 7078,
        "blockmanager": 7079,
        "web-ui": 4040,
        "spark-connect-server": 15002,
    }
    assert service["spec"]["selector"]["spark-role"] == "connect-server"


def test_a_named_service_is_used_and_the_same_connect_makes_the_same_command_line() -> None:
    server = {**spark_connect()["spec"]["server"], "service": {"metadata": {"name": "connect"}}}
    conn = stored(server=server, sparkConf={"b": "2", "a": "x y"})
    objects = connect_objects(conn)
    assert objects.service["metadata"]["name"] == "connect"
    args = objects.server_pod["spec"]["containers"][0]["args"][0]
    assert args.endswith("--conf a='x y' --conf b=2") or args.endswith("--conf 'a=x y' --conf b=2")
    assert connect_objects(conn) == objects


def test_without_any_image_the_server_cannot_be_made_and_says_where_to_name_one() -> None:
    conn = stored(server={}, executor={"instances": 1})
    with pytest.raises(ConnectSpecError, match=r"spec\.image"):
        connect_objects(conn)
    status = connect_status(conn, None, [], NOW, failure="image is not specified")
    assert status.state == SparkConnectState.FAILED
    assert status.conditions[-1].reason == "ServerPodNotReady"


def test_the_status_follows_the_server_pods_readiness_and_counts_executors_by_phase() -> None:
    conn = stored()
    pod = connect_objects(conn).server_pod
    pending = connect_status(conn, pod, [], NOW)
    assert pending.state == SparkConnectState.NOT_READY
    assert (
        pending.server.podName == "spark-connect-server"
        and pending.server.serviceName == "spark-connect-server"
    )
    assert pending.startTime == "2026-12-03T12:00:00Z"
    ready_pod = {**pod, "status": {"podIP": "127.0.3.4", "conditions": [{"type": "Ready", "status": "True"}]}}
    executors = [
        {"status": {"phase": "Running"}},
        {"status": {"phase": "Running"}},
        {"status": {"phase": "Pending"}},
    ]
    ready = connect_status(conn.model_copy(update={"status": pending}), ready_pod, executors, NOW)
    assert ready.state == SparkConnectState.READY
    assert ready.server.podIp == "127.0.3.4"
    assert ready.executors == {"running": 2, "pending": 1}
    [condition] = ready.conditions
    assert (condition.type, condition.status, condition.message) == (
        "ServerPodReady",
        "True",
        "Server pod is ready",
    )
    assert ready.startTime == pending.startTime
