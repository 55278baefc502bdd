"""A Spark executor pod as the Spark image's entrypoint runs it: a real `KubernetesExecutorBackend` JVM.

The pod Spark's backend creates has args `executor` and its settings in the environment; the image's
entrypoint.sh turns them into

    java <SPARK_JAVA_OPT_0..n> -Xms<mem> -Xmx<mem> -cp <SPARK_CONF_DIR>:<SPARK_CLASSPATH>:<SPARK_HOME>/jars/*
        org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend --driver-url $SPARK_DRIVER_URL
        --executor-id $SPARK_EXECUTOR_ID --cores $SPARK_EXECUTOR_CORES --app-id $SPARK_APPLICATION_ID
        --hostname $SPARK_EXECUTOR_POD_IP --resourceProfileId $SPARK_RESOURCE_PROFILE_ID
        --podName $SPARK_EXECUTOR_POD_NAME

and so does the kubelet here, with this machine's Java and Spark, the pod's address as the executor's
host (it binds nothing else), its local dirs on the node's disks and PySpark's workers on this
machine's Python.

A laptop is smaller than an r5d.8xlarge: the pod keeps the memory it asks for in the API (scheduling,
provisioning and cost are the real fleet's), but the heaps of the executor JVMs running at once share a
local memory budget. When the heaps asked for exceed it, each is scaled down in proportion, never below
a floor Spark can start with (`heap_within`), and the kubelet says so in an Event on the pod.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from sparkfleet.api.quantity import QuantityError, spark_memory_bytes
from sparkfleet.engine.submission import JAVA_OPT_PREFIX
from sparkfleet.runtime.local.install import SparkInstall
from sparkfleet.runtime.local.paths import PathRefused, inside
from sparkfleet.runtime.local.podenv import image_env
from sparkfleet.runtime.port import ProcessPlan, StartError

__all__ = [
    "EXECUTOR_BACKEND",
    "MIN_HEAP",
    "asked_heap",
    "executor_argv",
    "executor_plan",
    "heap_within",
]

EXECUTOR_BACKEND = "org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend"
MIN_HEAP = 512 * 2**20
"""The least heap a scaled-down executor gets: Spark refuses one whose usable memory is under 450 MiB
(reserved memory 300 MiB x 1.5), and a JVM's usable memory is a little under its -Xmx."""
_JAVA_OPT = re.compile(rf"{JAVA_OPT_PREFIX}(\d+)")
_REQUIRED = (
    ("--driver-url", "SPARK_DRIVER_URL"),
    ("--executor-id", "SPARK_EXECUTOR_ID"),
    ("--cores", "SPARK_EXECUTOR_CORES"),
    ("--app-id", "SPARK_APPLICATION_ID"),
    ("--hostname", "SPARK_EXECUTOR_POD_IP"),
    ("--resourceProfileId", "SPARK_RESOURCE_PROFILE_ID"),
    ("--podName", "SPARK_EXECUTOR_POD_NAME"),
)
_DEFAULT_MEMORY = "1g"


def asked_heap(env: Mapping[str, str]) -> int:
    """The heap the executor's pod asks for (SPARK_EXECUTOR_MEMORY, Spark's 1g by default)."""
    value = env.get("SPARK_EXECUTOR_MEMORY") or _DEFAULT_MEMORY
    try:
        return spark_memory_bytes(value)
    except QuantityError as exc:
        raise StartError(f"SPARK_EXECUTOR_MEMORY {value!r}: {exc}") from None


def heap_within(asked: int, others_asked: int, budget: int) -> int:
    """The heap an executor asking `asked` gets when the executors already running asked `others_asked`
    and all share `budget`: all it asked when everything fits, else its share in proportion (never less
    than MIN_HEAP, never more than it asked)."""
    total = asked + others_asked
    if total <= budget:
        return asked
    return min(asked, max(MIN_HEAP, math.floor(budget * asked / total)))


def _java(spark: SparkInstall) -> str:
    return str(spark.java_home / "bin" / "java") if spark.java_home is not None else "java"


def executor_argv(env: Mapping[str, str], spark: SparkInstall, heap_bytes: int) -> tuple[str, ...]:
    """The entrypoint's `executor` command for an executor whose environment is `env`."""
    missing = [name for _, name in _REQUIRED if not env.get(name)]
    if missing:
        raise StartError(
            f"the executor container sets no {', '.join(missing)}: the local runtime runs executor pods "
            "that Spark's Kubernetes backend creates (args `executor`, its environment)"
        )
    options = sorted(
        ((int(m.group(1)), value) for name, value in env.items() if (m := _JAVA_OPT.fullmatch(name))),
    )
    heap = f"{max(1, heap_bytes // 2**20)}m"
    class_path = [env[key] for key in ("SPARK_CONF_DIR", "SPARK_CLASSPATH") if env.get(key)]
    class_path.append(str(spark.home / "jars" / "*"))
    argv = [_java(spark), *(value for _, value in options), f"-Xms{heap}", f"-Xmx{heap}"]
    argv += ["-cp", ":".join(class_path), EXECUTOR_BACKEND]
    for flag, name in _REQUIRED:
        argv += [flag, env[name]]
    return tuple(argv)


def executor_plan(
    pod_env: Mapping[str, str],
    pod_dir: Path,
    log_path: Path,
    spark: SparkInstall,
    workdir: Path,
    heap_bytes: int,
    roots: Sequence[Path],
) -> ProcessPlan:
    """The executor JVM's process for a pod whose container environment is `pod_env`; its local dirs
    must be on one of `roots` (its volumes and its pod directory)."""
    if not (pod_env.get("SPARK_EXECUTOR_POD_IP") or "").startswith("127."):
        raise StartError("the executor pod has no loopback address of its own: it cannot run here")
    env = {**image_env(pod_dir, spark.python, spark), **pod_env}
    env["SPARK_HOME"] = str(spark.home)
    env["PYSPARK_PYTHON"] = spark.python
    env["SPARK_LOCAL_IP"] = pod_env["SPARK_EXECUTOR_POD_IP"]
    if spark.java_home is not None:
        env["JAVA_HOME"] = str(spark.java_home)
    for directory in (pod_env.get("SPARK_LOCAL_DIRS") or "").split(","):
        if not directory:
            continue
        if not any(inside(Path(directory), root) for root in roots):
            raise PathRefused(
                f"SPARK_LOCAL_DIRS {directory} is on no volume of the executor pod: Spark mounts its "
                "spark-local-dir-* volumes there; give the directory a volume"
            )
        Path(directory).mkdir(parents=True, exist_ok=True)
    return ProcessPlan(executor_argv(pod_env, spark, heap_bytes), env, workdir, log_path)
