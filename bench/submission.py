"""Benchmark of native submission against the per-application spark-submit JVM the operator pays.

    python bench/submission.py            # a table
    python bench/submission.py --json     # {"apps": N, "apps_per_min": X, "spark_submit_jvm_s": X,
                                          #  "native_submit_ms_per_app": X, "ratio": X}

2000 SparkApplications of the blueprint's pyspark-pi shape (pyspark-pi-job.yaml, distinct names) are
applied to an embedded cluster (SQLite store in a temporary directory), then the real SparkApplication
controller (lifecycle engine + native submission, with the platform's YuniKorn default) reconciles them
on this thread until idle. The clock stops when every application is SUBMITTED and its driver pod, conf
ConfigMap and both services exist, which is checked afterwards. apps_per_min and
native_submit_ms_per_app cover the whole way: apply, reconcile (build, create, status, events).

The table also shows the submit path alone on a fresh store (build the submission, create the driver pod,
create its dependents, write the SUBMITTED status) and parse + build_submission without any store.

In the same run one real JVM start of the installed PySpark's `spark-submit --version` is timed: the
floor of what the operator spends per application before spark-submit has done anything.
`ratio` = that JVM start / native milliseconds per application.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.sparkstatus import ApplicationStateType
from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.controllers.sparkapplication import SparkApplicationReconciler
from sparkfleet.engine.submission import SubmissionOptions, build_submission
from sparkfleet.reconcile import Controller

APPS = 2000
APPLY_BATCH = 500
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

PYSPARK_PI = """
apiVersion: sparkoperator.k8s.io/v1beta2
kind: SparkApplication
metadata:
  name: pyspark-pi-karpenter
  namespace: spark-team-a
  labels: {app: pyspark-pi, applicationId: pyspark-pi-karpenter, queue: root.test}
spec:
  type: Python
  pythonVersion: "3"
  mode: cluster
  image: public.ecr.aws/data-on-eks/spark:3.5.3-scala2.12-java17-python3-ubuntu
  imagePullPolicy: Always
  mainApplicationFile: local:///opt/spark/examples/src/main/python/pi.py
  sparkVersion: "3.5.3"
  sparkConf:
    spark.ui.prometheus.enabled: "true"
    spark.executor.processTreeMetrics.enabled: "true"
    spark.metrics.conf.*.sink.prometheusServlet.class: org.apache.spark.metrics.sink.PrometheusServlet
    spark.metrics.conf.driver.sink.prometheusServlet.path: /metrics/driver/prometheus/
    spark.metrics.conf.executor.sink.prometheusServlet.path: /metrics/executors/prometheus/
    spark.eventLog.enabled: "true"
    spark.eventLog.dir: s3a://bucket/spark-event-logs
    spark.eventLog.rolling.enabled: "true"
    spark.eventLog.rolling.maxFileSize: 64m
    spark.hadoop.fs.s3a.aws.credentials.provider: >-
      software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider
    spark.hadoop.fs.s3.impl: org.apache.hadoop.fs.s3a.S3AFileSystem
  restartPolicy:
    type: OnFailure
    onFailureRetries: 1
    onFailureRetryInterval: 10
    onSubmissionFailureRetries: 5
    onSubmissionFailureRetryInterval: 20
  driver:
    cores: 1
    coreLimit: "1200m"
    memory: "512m"
    labels: {version: 3.5.3}
    serviceAccount: spark-team-a
    nodeSelector: {NodeGroupType: SparkComputeOptimized, karpenter.sh/capacity-type: on-demand}
    tolerations: [{key: spark-compute-optimized, operator: Exists, effect: NoSchedule}]
  executor:
    cores: 1
    instances: 2
    memory: "512m"
    serviceAccount: spark-team-a
    labels: {version: 3.5.3}
    nodeSelector: {NodeGroupType: SparkComputeOptimized}
    tolerations: [{key: spark-compute-optimized, operator: Exists, effect: NoSchedule}]
"""


def applications(n: int) -> list[dict[str, Any]]:
    base = yaml.safe_load(PYSPARK_PI)
    apps = []
    for i in range(n):
        app = copy.deepcopy(base)
        app["metadata"]["name"] = f"pyspark-pi-{i:05d}"
        apps.append(app)
    return apps


def spark_submit_path() -> Path:
    import pyspark

    path = Path(pyspark.__file__).parent / "bin" / "spark-submit"
    if not path.exists():
        raise SystemExit(f"spark-submit not found at {path}: install pyspark")
    return path


def time_spark_submit_jvm() -> float:
    """Wall seconds of one `spark-submit --version`: a JVM start, SparkSubmit's class loading, exit."""
    env = dict(os.environ)
    env.setdefault("SPARK_HOME", str(spark_submit_path().parent.parent))
    started = time.perf_counter()
    subprocess.run(
        [str(spark_submit_path()), "--version"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def build_only_ms(docs: list[dict[str, Any]], options: SubmissionOptions) -> float:
    """Milliseconds per application for parsing and build_submission alone (no store)."""
    started = time.perf_counter()
    for i, doc in enumerate(docs):
        app = SparkApplication.model_validate({**doc, "metadata": {**doc["metadata"], "uid": f"uid-{i}"}})
        build_submission(app, f"sub-{i}", options)
    return (time.perf_counter() - started) * 1000 / len(docs)


def submit_directly(cluster: EmbeddedCluster, clock: VirtualClock, options: SubmissionOptions) -> None:
    """What the lifecycle controller does on submit, and nothing else: build the submission, create the
    driver pod, then its dependents, then write the SUBMITTED status (three store transactions)."""
    for obj in cluster.list("SparkApplication").items:
        app = SparkApplication.model_validate(obj)
        submission_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{app.metadata.uid}/1/1"))
        now = clock.now()
        submission = build_submission(app, submission_id, options, submitted_at=now)
        driver = cluster.create(submission.driver_pod)
        cluster.create_many(submission.dependents(driver))
        status = {
            "sparkApplicationId": submission.spark_app_id,
            "submissionID": submission_id,
            "lastSubmissionAttemptTime": format_rfc3339(now),
            "applicationState": {"state": ApplicationStateType.SUBMITTED.value},
            "driverInfo": {
                "podName": submission.driver_pod_name,
                "webUIServiceName": submission.ui_service_name,
                "webUIPort": submission.ui_port,
            },
            "executionAttempts": 1,
            "submissionAttempts": 1,
        }
        cluster.update_status({**obj, "status": status})


def check(cluster: EmbeddedCluster, n: int) -> None:
    apps = cluster.list("SparkApplication").items
    states = [((a.get("status") or {}).get("applicationState") or {}).get("state") for a in apps]
    submitted = sum(s == ApplicationStateType.SUBMITTED.value for s in states)
    drivers = cluster.list("Pod", label_selector={"spark-role": "driver"}).items
    config_maps = [
        c for c in cluster.list("ConfigMap").items if c["metadata"]["name"].startswith("spark-drv-")
    ]
    services = cluster.list("Service").items
    if not (submitted == len(drivers) == len(config_maps) == n and len(services) == 2 * n):
        raise SystemExit(
            f"incomplete: {submitted} SUBMITTED, {len(drivers)} drivers, {len(config_maps)} conf maps, "
            f"{len(services)} services for {n} applications"
        )


def timed_run(
    docs: list[dict[str, Any]], options: SubmissionOptions, controller: bool
) -> tuple[float, float]:
    """(apply seconds, submit seconds) on a fresh store: through the real controller, or directly."""
    workdir = Path(tempfile.mkdtemp(prefix="sparkfleet-bench-"))
    try:
        clock = VirtualClock(START)
        cluster = EmbeddedCluster(workdir / "store.db", clock)
        started = time.perf_counter()
        for i in range(0, len(docs), APPLY_BATCH):
            cluster.create_many(docs[i : i + APPLY_BATCH])
        applied = time.perf_counter()
        if controller:
            runner = Controller(SparkApplicationReconciler(cluster, clock, options=options), cluster, clock)
            runner.enqueue_all()
            runner.run_until_idle()
        else:
            submit_directly(cluster, clock, options)
        finished = time.perf_counter()
        check(cluster, len(docs))
        cluster.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return applied - started, finished - applied


def run(n: int) -> dict[str, float]:
    docs = applications(n)
    options = SubmissionOptions()
    apply_s, reconcile_s = timed_run(docs, options, controller=True)
    direct_apply_s, direct_s = timed_run(docs, options, controller=False)
    jvm = time_spark_submit_jvm()
    total = apply_s + reconcile_s
    per_app_ms = total * 1000 / n
    return {
        "apps": n,
        "apps_per_min": n / total * 60,
        "spark_submit_jvm_s": jvm,
        "native_submit_ms_per_app": per_app_ms,
        "ratio": jvm * 1000 / per_app_ms,
        "apply_s": apply_s,
        "reconcile_s": reconcile_s,
        "direct_apps_per_min": n / (direct_apply_s + direct_s) * 60,
        "direct_ms_per_app": (direct_apply_s + direct_s) * 1000 / n,
        "build_only_ms_per_app": build_only_ms(docs, options),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--apps", type=int, default=APPS)
    args = parser.parse_args()
    r = run(args.apps)
    if args.json:
        keys = ("apps", "apps_per_min", "spark_submit_jvm_s", "native_submit_ms_per_app", "ratio")
        out = {k: (int(r[k]) if k == "apps" else round(r[k], 3)) for k in keys}
        print(json.dumps(out))
        return
    rows = [
        ("applications", f"{int(r['apps'])}"),
        ("apply (create_many)", f"{r['apply_s']:.2f} s"),
        ("reconcile to SUBMITTED", f"{r['reconcile_s']:.2f} s"),
        ("apps/min (end to end)", f"{r['apps_per_min']:,.0f}"),
        ("native ms per app (end to end)", f"{r['native_submit_ms_per_app']:.2f}"),
        ("submit path only: apps/min", f"{r['direct_apps_per_min']:,.0f}"),
        ("submit path only: ms per app", f"{r['direct_ms_per_app']:.2f}"),
        ("parse + build_submission: ms per app", f"{r['build_only_ms_per_app']:.2f}"),
        ("spark-submit --version JVM start", f"{r['spark_submit_jvm_s']:.2f} s"),
        ("ratio (JVM start / native per app)", f"{r['ratio']:,.0f}x"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
