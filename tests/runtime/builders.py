"""Builders for the runtime tests: nodes, a stand-in spark-submit, what it was called with."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sparkfleet.api.wire import ANNOTATION_SCRATCH_MOUNTS
from sparkfleet.runtime.local import SparkInstall

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

# Stands in for PySpark's bin/spark-submit in the fast tests: it records its command line and
# environment, then runs the application file (a small Python script) in its place, as a driver would.
FAKE_SPARK_SUBMIT = """#!{python}
import json, os, sys
args = sys.argv[1:]
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "last-submit.json"), "w") as f:
    json.dump({{"args": args, "env": dict(os.environ)}}, f)
rest = list(args)
while rest and rest[0].startswith("--"):
    rest = rest[2:]
os.execv(sys.executable, [sys.executable, *rest])
"""


def install_fake_spark(root: Path) -> SparkInstall:
    """A Spark home under `root` whose bin/spark-submit is the stand-in above."""
    spark_home = root / "spark"
    (spark_home / "bin").mkdir(parents=True)
    script = spark_home / "bin" / "spark-submit"
    script.write_text(FAKE_SPARK_SUBMIT.format(python=sys.executable))
    script.chmod(0o755)
    return SparkInstall(spark_home, None, sys.executable)


def last_submit(spark: SparkInstall) -> dict[str, Any]:
    """What the stand-in spark-submit was last called with: {"args": [...], "env": {...}}."""
    data: dict[str, Any] = json.loads((spark.home / "last-submit.json").read_text())
    return data


def node(name: str = "ip-10-0-1-1", mounts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    annotations = {ANNOTATION_SCRATCH_MOUNTS: json.dumps(mounts)} if mounts is not None else {}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}, "annotations": annotations},
        "status": {"allocatable": {"cpu": "8", "memory": "32Gi", "pods": "110"}},
    }


RAID0 = [{"path": "/mnt/k8s-disks/0", "sizeBytes": 474 * 10**9, "source": "nvme-raid0"}]


PI_FILE = "local:///opt/spark/examples/src/main/python/pi.py"


def spark_app(name: str = "pyspark-pi", namespace: str = "spark-team-a", **spec: Any) -> dict[str, Any]:
    """The blueprint's pyspark-pi SparkApplication (event logs on S3, as written for EKS)."""
    body: dict[str, Any] = {
        "type": "Python",
        "pythonVersion": "3",
        "mode": "cluster",
        "image": "public.ecr.aws/data-on-eks/spark:3.5.3-scala2.12-java17-python3-ubuntu",
        "mainApplicationFile": PI_FILE,
        "arguments": ["2"],
        "sparkVersion": "4.0.1",
        "sparkConf": {
            "spark.eventLog.enabled": "true",
            "spark.eventLog.dir": "s3a://my-bucket/spark-event-logs",
            "spark.hadoop.fs.s3a.aws.credentials.provider": "WebIdentityTokenFileCredentialsProvider",
        },
        "restartPolicy": {"type": "Never"},
        "driver": {"cores": 1, "coreLimit": "1200m", "memory": "512m", "serviceAccount": "spark-team-a"},
        "executor": {"cores": 1, "instances": 2, "memory": "512m", "serviceAccount": "spark-team-a"},
    }
    body.update(spec)
    return {
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "kind": "SparkApplication",
        "metadata": {"name": name, "namespace": namespace},
        "spec": body,
    }


def on_demand_claims(role: str, mount_path: str = "/data1") -> dict[str, str]:
    """sparkConf giving `role`'s pods an OnDemand gp2 claim as their Spark local dir (the EBS example)."""
    prefix = f"spark.kubernetes.{role}.volumes.persistentVolumeClaim.spark-local-dir-1"
    return {
        f"{prefix}.options.claimName": "OnDemand",
        f"{prefix}.options.storageClass": "gp2",
        f"{prefix}.options.sizeLimit": "50Gi",
        f"{prefix}.mount.path": mount_path,
        f"{prefix}.mount.readOnly": "false",
    }
