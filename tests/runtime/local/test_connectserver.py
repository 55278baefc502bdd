"""A SparkConnect server pod's command line read as the start script would run it, and its readiness."""

from __future__ import annotations

import socket

import pytest

from sparkfleet.api.sparkconnect import load_spark_connect
from sparkfleet.engine.sparkconnect import connect_objects
from sparkfleet.runtime.local.connectserver import accepts, start_conf
from sparkfleet.runtime.port import StartError
from support.objects import spark_connect


def server_container(**spec: object) -> dict[str, object]:
    doc = spark_connect(**spec)
    doc["metadata"]["uid"] = "uid-1"
    container: dict[str, object] = connect_objects(load_spark_connect(doc)).server_pod["spec"]["containers"][
        0
    ]
    return container


def test_the_operators_command_line_gives_its_conf_with_the_pod_ip_substituted() -> None:
    conf = start_conf(
        server_container(sparkConf={"spark.sql.shuffle.partitions": "3", "x": "a b"}), "127.0.5.6"
    )
    assert conf["spark.driver.host"] == "127.0.5.6", "the shell substitution of ${POD_IP}"
    assert conf["spark.executor.instances"] == "2"
    assert conf["spark.kubernetes.executor.podTemplateFile"] == "/tmp/spark/executor-pod-template.yaml"
    assert conf["spark.sql.shuffle.partitions"] == "3" and conf["x"] == "a b"
    assert "--master" not in conf and not any(key.startswith("--") for key in conf)


@pytest.mark.parametrize(
    ("container", "message"),
    [
        ({"command": ["bash", "-c"], "args": ["sleep 3600"]}, "does not run start-connect-server.sh"),
        (
            {"command": ["bash", "-c"], "args": ["/opt/spark/sbin/start-connect-server.sh --jars /a.jar"]},
            "option --jars is not taken here: give it as spec.sparkConf",
        ),
        (
            {"command": ["bash", "-c"], "args": ["/opt/spark/sbin/start-connect-server.sh --conf novalue"]},
            "--conf novalue: expected key=value",
        ),
    ],
)
def test_other_command_lines_are_refused_with_the_reason(container: dict[str, object], message: str) -> None:
    with pytest.raises(StartError, match=message.replace(".", r"\.").replace("-", r"\-")):
        start_conf(container, "127.0.0.9")


def test_the_server_is_ready_when_its_port_takes_connections() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        assert not accepts("127.0.0.1", port)
        listener.listen()
        assert accepts("127.0.0.1", port)
