"""The Spark Operator's SparkConnect example, applied unchanged with kubectl, serves a real PySpark Connect
client in both Spark modes: the server runs as a driver pod (on Kubernetes, with executors Spark creates
through the API), its status carries its address, and deleting it takes the server and its executors
away."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.background import Background
from support.connectclient import client_env
from support.kubectl import Kubectl, kubectl_binary
from support.objects import SPARK_CONNECT_EXAMPLE
from support.platforms import local_spark_config

pytestmark = pytest.mark.e2e

NAME, NS = "spark-connect", "default"
QUERY = """
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.remote(sys.argv[1]).getOrCreate()
rows = spark.range(0, 1000, 1, 4).selectExpr("id % 10 AS k").groupBy("k").count().orderBy("k").collect()
print("counts", [(r["k"], r["count"]) for r in rows], flush=True)
spark.stop()
"""


@pytest.fixture(params=["kubernetes", "local"])
def cluster(request: pytest.FixtureRequest, home: Path, tmp_path: Path) -> Iterator[Background]:
    """The cluster `up` runs: on Kubernetes (the default), or with Spark in local mode."""
    config = local_spark_config(tmp_path / "config") if request.param == "local" else None
    background = Background(home, config)
    background.up()
    try:
        yield background
    finally:
        background.close()


def kubernetes(cluster: Background) -> bool:
    return cluster.config is None


def connect_status(cluster: Background) -> dict[str, Any]:
    found: dict[str, Any] = cluster.api.get("SparkConnect", NS, NAME).get("status") or {}
    return found


def wait_for(what: str, check: Any, timeout: float = 240.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"{what} did not happen in {timeout} s"
        time.sleep(0.5)


def test_the_operators_spark_connect_serves_a_pyspark_connect_query_on_its_executors(
    cluster: Background, home: Path
) -> None:
    kubectl = Kubectl(kubectl_binary(), home / "kubeconfig")
    assert "sparkconnect.sparkoperator.k8s.io/spark-connect created" in kubectl.ok(
        "apply", "-f", str(SPARK_CONNECT_EXAMPLE)
    )
    status = wait_for(
        "the server Ready", lambda: (s := connect_status(cluster)).get("state") == "Ready" and s
    )
    address = status["server"]["podIp"]
    assert address.startswith("127.") and address != "127.0.0.1"
    assert status["server"]["serviceName"] == f"{NAME}-server"

    client = subprocess.run(
        [sys.executable, "-c", QUERY, f"sc://{address}:15002"],
        capture_output=True,
        text=True,
        timeout=300,
        env=client_env(),
    )
    assert client.returncode == 0, client.stderr[-3000:]
    assert f"counts {[(k, 100) for k in range(10)]}" in client.stdout

    pods = cluster.api.list("Pod", NS, label_selector={"sparkoperator.k8s.io/connect-name": NAME}).items
    roles = sorted(p["metadata"]["labels"]["spark-role"] for p in pods)
    if kubernetes(cluster):
        # The server's executors are Spark's own pods, labelled for the SparkConnect, counted in its status.
        wanted = {"running": 2}
        assert wait_for("two running executors", lambda: connect_status(cluster).get("executors") == wanted)
        assert roles == ["connect-server", "executor", "executor"]
    else:
        assert roles == ["connect-server"] and connect_status(cluster)["executors"] == {}
    table = kubectl.ok("get", "sparkconnect", NAME)
    assert table.split("\n")[0].split() == ["NAME", "AGE", "STATUS", "PODNAME"]
    assert "Ready" in table and f"{NAME}-server" in table

    kubectl.ok("delete", "sparkconnect", NAME)
    wait_for(
        "the server and its executors gone",
        lambda: (
            not cluster.api.list("Pod", NS, label_selector={"sparkoperator.k8s.io/connect-name": NAME}).items
        ),
        120,
    )
