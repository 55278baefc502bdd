"""Inputs shared by the submission tests: the golden objects and the applications that produce them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sparkfleet.api.sparkapplication import SparkApplication, load_spark_application
from sparkfleet.api.yamlio import load_all
from sparkfleet.engine.submission import SubmissionOptions

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
MANIFESTS = HERE / "manifests"

SUBMISSION_ID = "00000000-0000-0000-0000-000000000001"
SUBMITTED_AT = datetime(2026, 11, 23, 23, 31, 37, 223000, tzinfo=UTC)
"""spark.app.submitTime=1795476697223 in the golden ConfigMap."""
IMAGE = "public.ecr.aws/data-on-eks/spark:3.5.3-scala2.12-java17-python3-ubuntu"
APP_UID = "7f1c35c6-0000-4000-8000-000000000001"

GOLDEN_OPTIONS = SubmissionOptions(
    default_batch_scheduler=None, spark_version="4.0.1", master_url="k8s://http://127.0.0.1:18444"
)
"""The golden run: Spark 4.0.1's spark-submit against a stub API server, no batch scheduler."""

EXECUTOR_PVC_CONF = {
    "spark.kubernetes.executor.volumes.persistentVolumeClaim.spark-local-dir-1.mount.path": "/data1",
    "spark.kubernetes.executor.volumes.persistentVolumeClaim.spark-local-dir-1.options.claimName": "OnDemand",
    "spark.kubernetes.executor.volumes.persistentVolumeClaim.spark-local-dir-1.options.storageClass": "gp3",
    "spark.kubernetes.executor.volumes.persistentVolumeClaim.spark-local-dir-1.options.sizeLimit": "500Gi",
}


def golden(name: str) -> Any:
    return json.loads((GOLDEN / name).read_text())


def golden_manifest(
    spark_conf: Mapping[str, str] | None = None,
    main_file: str = "local:///opt/spark/examples/src/main/python/pi.py",
    arguments: tuple[str, ...] = ("100",),
) -> dict[str, Any]:
    """The SparkApplication the operator turns into cluster-mode/command.sh.

    The queue label is a driver label (command.sh labels only the driver with it), the local directory is a
    hostPath volume mounted by the driver, and the executors' OnDemand claim comes from sparkConf, as in the
    blueprint's ebs-storage-dynamic-pvc job.
    """
    return {
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "kind": "SparkApplication",
        "metadata": {"name": "pyspark-pi-karpenter", "namespace": "spark-team-a", "uid": APP_UID},
        "spec": {
            "type": "Python",
            "pythonVersion": "3",
            "mode": "cluster",
            "image": IMAGE,
            "imagePullPolicy": "Always",
            "mainApplicationFile": main_file,
            "arguments": list(arguments),
            "sparkVersion": "3.5.3",
            "sparkConf": {
                "spark.eventLog.enabled": "true",
                "spark.eventLog.dir": "s3a://bucket/spark-event-logs",
                **EXECUTOR_PVC_CONF,
                **(spark_conf or {}),
            },
            "nodeSelector": {"NodeGroupType": "SparkComputeOptimized"},
            "volumes": [{"name": "spark-local-dir-1", "hostPath": {"path": "/mnt/k8s-disks/0"}}],
            "driver": {
                "cores": 1,
                "coreLimit": "1200m",
                "memory": "512m",
                "serviceAccount": "spark-team-a",
                "labels": {"version": "3.5.3", "queue": "root.test"},
                "volumeMounts": [{"name": "spark-local-dir-1", "mountPath": "/data1"}],
            },
            "executor": {
                "cores": 1,
                "instances": 2,
                "memory": "512m",
                "serviceAccount": "spark-team-a",
                "labels": {"version": "3.5.3"},
            },
        },
    }


def golden_app() -> SparkApplication:
    return load_spark_application(golden_manifest())


def client_mode_app() -> SparkApplication:
    """client-mode-executors/command.sh: the same job, pi.py 4, executors named pyspark-pi-karpenter."""
    return load_spark_application(
        golden_manifest(
            {"spark.kubernetes.executor.podNamePrefix": "pyspark-pi-karpenter"},
            main_file="pi.py",
            arguments=("4",),
        )
    )


def manifest_documents() -> list[tuple[str, dict[str, Any]]]:
    """(file name, SparkApplication document) for every manifest of the blueprint's karpenter folder."""
    found: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        for doc in load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") == "SparkApplication":
                found.append((path.name, doc))
    return found


def manifest_app(file_name: str) -> SparkApplication:
    doc = next(d for name, d in manifest_documents() if name == file_name)
    doc["metadata"]["uid"] = APP_UID
    return load_spark_application(doc)


def renamed(obj: Any, names: Mapping[str, str]) -> Any:
    """`obj` with every occurrence of each key of `names` replaced by its value (for random name parts)."""
    text = json.dumps(obj)
    for old, new in names.items():
        text = text.replace(old, new)
    return json.loads(text)
