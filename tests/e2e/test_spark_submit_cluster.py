"""The installed PySpark's own `spark-submit --deploy-mode cluster` against `sparkfleet up`.

spark-submit runs as a user runs it against any Kubernetes: `--master k8s://<the API's URL>`, credentials
and the cluster CA from the kubeconfig `up` wrote (fabric8 reads $KUBECONFIG), every feature step of the
installed Spark (nothing excluded). It creates the driver pod and whatever else that Spark version
creates; the cluster schedules, provisions and runs the driver; spark-submit waits for it to finish.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from sparkfleet.api.sparkapplication import load_spark_application
from sparkfleet.cli.context import close_clusters, open_cluster
from sparkfleet.cli.daemon import read_server
from sparkfleet.cluster.kinds import known_kinds
from sparkfleet.engine.submission import build_submission
from sparkfleet.runtime.local import find_spark
from support.cli import sf_ok as sf

pytestmark = pytest.mark.e2e

NS = "spark-team-a"
NAME = "pyspark-pi-submit"
DRIVER = f"{NAME}-driver"
IMAGE = "public.ecr.aws/data-on-eks/spark:3.5.3-scala2.12-java17-python3-ubuntu"
PI_APP = Path(__file__).resolve().parents[2] / "examples" / "pyspark-pi-job.yaml"


@pytest.fixture
def home(home: Path) -> Iterator[Path]:
    """The home of a running `sparkfleet up`."""
    sf("up", "--port", "0")
    try:
        yield home
    finally:
        sf("down", "--drain")


def spark_submit(home: Path, master: str) -> subprocess.CompletedProcess[str]:
    spark = find_spark()
    env = {**os.environ, "KUBECONFIG": str(home / "kubeconfig")}
    if spark.java_home is not None:
        env["JAVA_HOME"] = str(spark.java_home)
    conf = {
        "spark.kubernetes.namespace": NS,
        "spark.kubernetes.container.image": IMAGE,
        "spark.kubernetes.driver.pod.name": DRIVER,
        "spark.kubernetes.authenticate.driver.serviceAccountName": NS,
        "spark.kubernetes.authenticate.executor.serviceAccountName": NS,
        "spark.kubernetes.node.selector.NodeGroupType": "SparkComputeOptimized",
        "spark.driver.cores": "1",
        "spark.driver.memory": "512m",
        "spark.executor.instances": "2",
        "spark.executor.cores": "1",
        "spark.executor.memory": "512m",
        "spark.kubernetes.submission.waitAppCompletion": "true",
        "spark.kubernetes.report.interval": "1s",
    }
    args = [
        str(spark.spark_submit),
        "--master",
        f"k8s://{master}",
        "--deploy-mode",
        "cluster",
        "--name",
        NAME,
    ]
    for key, value in conf.items():
        args += ["--conf", f"{key}={value}"]
    args += ["local:///opt/spark/examples/src/main/python/pi.py", "10"]
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)


def test_spark_submit_in_cluster_mode_creates_the_driver_and_the_application_completes(home: Path) -> None:
    server = read_server(home)
    assert server is not None and server.url.startswith("https://")
    kubeconfig = yaml.safe_load((home / "kubeconfig").read_text())
    assert kubeconfig["clusters"][0]["cluster"]["server"] == server.url

    submitted = spark_submit(home, server.url)
    assert submitted.returncode == 0, submitted.stderr[-4000:]

    logs = sf("logs", DRIVER, "-n", NS)
    assert "Pi is roughly 3.1" in logs
    assert logs.count("Registered executor") == 2, "its two executors are JVMs that Spark created"
    cluster = open_cluster()
    try:
        driver = cluster.get("Pod", NS, DRIVER)
        made_by_spark = {
            (o["kind"], o["metadata"]["name"])
            for kind in ("Service", "ConfigMap", "NetworkPolicy", "PersistentVolumeClaim", "Secret")
            if kind in known_kinds()
            for o in cluster.list(kind, NS).items
            if owned_by(o, driver)
        }
    finally:
        close_clusters()
    assert driver["status"]["phase"] == "Succeeded"
    assert driver["metadata"]["labels"]["spark-app-selector"].startswith("spark-")
    # Native submission of the same job creates every kind of object this Spark's spark-submit created.
    native = build_submission(load_spark_application(yaml.safe_load(PI_APP.read_text())), "submission-1")
    native_kinds = {o["kind"] for o in native.dependents({"metadata": {"name": "driver", "uid": "u"}})}
    assert {kind for kind, _ in made_by_spark} <= native_kinds, (made_by_spark, native_kinds)
    # The driver deleted its own Service when it stopped (Spark's
    # spark.kubernetes.driver.service.deleteOnTermination, true by default), as on EKS.
    assert {kind for kind, _ in made_by_spark} >= {"ConfigMap"}
    assert "Service" not in {kind for kind, _ in made_by_spark}


def owned_by(obj: dict[str, Any], owner: dict[str, Any]) -> bool:
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return any(ref.get("uid") == owner["metadata"]["uid"] for ref in refs)
