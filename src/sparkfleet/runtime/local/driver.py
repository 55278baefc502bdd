"""A Spark driver pod as a real `spark-submit` command line, and any other pod's container as its command.

The driver pod Spark (and sparkfleet's submission) builds runs the image's entrypoint with
`driver --properties-file /opt/spark/conf/spark.properties --class <main class> <file> <args>`; the
properties file is the conf ConfigMap mounted at /opt/spark/conf. Locally that becomes:

    <pyspark>/bin/spark-submit --master local[N] --deploy-mode client
        --properties-file <pod dir>/spark-local.properties [--class <main class>] <file> <args>

with the conf rewritten for local mode (localconf.py), its UI on the loopback port recorded on the pod and
behind the service-proxy path the kubelet found for it (driverui.py), and the application file resolved:
- `local:///opt/spark/...` is a file of the container image: the runtime ships the image files examples
  need under `runtime/local/image/` (pi.py), and the examples jars of /opt/spark/examples/jars (SparkPi,
  JavaSparkPi, spark-pi-sleep.jar) are built from their Java sources there at first use
  (examplejars.py); other `local://` paths are looked up in the image, then in the pod's volumes, then
  on this machine;
- plain paths (absolute, or relative to the kubelet's working directory) and `file://` are used as they are;
- object storage (s3a:// and the like) is refused with the field to change: the PySpark distribution has
  no connector for it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from sparkfleet.engine.submission import parse_properties, render_properties
from sparkfleet.runtime.local.apiaccess import ApiAccess, write_credentials
from sparkfleet.runtime.local.clusterconf import ClusterConfInputs, cluster_conf
from sparkfleet.runtime.local.driverui import ui_port_of
from sparkfleet.runtime.local.examplejars import EXAMPLE_JARS_DIR, default_cache_dir, example_jar
from sparkfleet.runtime.local.install import SparkInstall
from sparkfleet.runtime.local.localconf import REMOTE_SCHEMES, LocalConfInputs, local_conf, local_master
from sparkfleet.runtime.local.paths import PathRefused, contain, inside
from sparkfleet.runtime.local.podenv import POD_IP, EnvSources, container_env, image_env, pod_ip
from sparkfleet.runtime.local.podtemplate import executor_pod_template
from sparkfleet.runtime.local.volumes import MountTable
from sparkfleet.runtime.port import ProcessPlan, StartError

__all__ = [
    "IMAGE_ROOT",
    "POD_IP",
    "DriverArgs",
    "KubernetesLaunch",
    "LaunchContext",
    "command_plan",
    "driver_plan",
    "parse_driver_args",
    "process_env",
    "resolve_resource",
    "submit_argv",
]

Obj = dict[str, Any]

IMAGE_ROOT = Path(__file__).parent / "image"
"""The files of the Spark image that applications reference with local:// (examples)."""
_SPARK_RUNNERS = frozenset({"org.apache.spark.deploy.PythonRunner", "org.apache.spark.deploy.RRunner"})
# Variables a pod's spec may not set for a driver: they would steer spark-submit away from the local
# Spark (the process gets this machine's values for the first ones; the local dirs are checked below).
_RUNTIME_OWNED = (
    "SPARK_HOME",
    "SPARK_CONF_DIR",
    "PYSPARK_SUBMIT_ARGS",
    "PYSPARK_GATEWAY_PORT",
    "PYSPARK_GATEWAY_SECRET",
    "PYSPARK_PYTHON",
    "PYSPARK_DRIVER_PYTHON",
)
_MAIN_FILE_FIELD = "spec.mainApplicationFile"


@dataclass(frozen=True, slots=True)
class LaunchContext:
    """What the kubelet knows about this machine and cluster, the same for every pod."""

    spark: SparkInstall
    event_log_dir: Path
    workdir: Path
    """Where processes start, and what relative application paths are relative to."""
    cpu_count: int
    memory_bytes: int
    image_root: Path = IMAGE_ROOT
    image_cache: Path | None = None
    """Where image files built at first use (the example jars) are kept; None: the user's cache."""


@dataclass(frozen=True, slots=True)
class KubernetesLaunch:
    """A driver that runs Spark on Kubernetes: the cluster's API, and the executor pod its submission
    built (None when its submission stored none: Spark builds executors from the conf alone)."""

    api: ApiAccess
    executor_pod: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class DriverArgs:
    properties_file: str | None
    main_class: str | None
    primary: str
    arguments: tuple[str, ...]
    extra_conf: dict[str, str]


def parse_driver_args(args: Sequence[str]) -> DriverArgs:
    """The Spark image entrypoint's `driver` arguments."""
    if not args or args[0] != "driver":
        raise StartError(
            f"the driver container's args {list(args)[:3]} do not start with `driver` (Spark's image "
            "entrypoint): the local runtime runs driver pods built by Spark's submission"
        )
    properties: str | None = None
    main_class: str | None = None
    extra: dict[str, str] = {}
    rest = list(args[1:])
    while rest and rest[0].startswith("--"):
        option = rest.pop(0)
        if option == "--verbose":
            continue
        if not rest:
            raise StartError(f"driver args: {option} needs a value")
        value = rest.pop(0)
        if option == "--properties-file":
            properties = value
        elif option == "--class":
            main_class = value
        elif option == "--conf":
            key, _, conf_value = value.partition("=")
            extra[key] = conf_value
        else:
            raise StartError(f"driver args: {option} is not an option Spark's driver entrypoint takes")
    if not rest:
        raise StartError("driver args name no application file (the primary resource)")
    return DriverArgs(properties, main_class, rest[0], tuple(rest[1:]), extra)


def resolve_resource(
    uri: str,
    where: str,
    mounts: MountTable,
    image_root: Path,
    *,
    spark: SparkInstall | None = None,
    image_cache: Path | None = None,
) -> str:
    """A resource URI as spark-submit on this machine should get it (see the module docstring). With
    `spark`, the image's example jars are built for it (under `image_cache`, else the user's cache)."""
    parsed = urlparse(uri)
    scheme = parsed.scheme.lower()
    if scheme in REMOTE_SCHEMES:
        raise StartError(
            f"{where}: {uri} is on {scheme}://, which the local runtime cannot read (PySpark ships no "
            "connector for it): use a local path instead, e.g. a file under examples/ or an absolute path"
        )
    if scheme == "local":
        path = parsed.path
        shipped_file = image_root / path.lstrip("/")
        if shipped_file.exists():
            return str(shipped_file)
        image_path = PurePosixPath(path)
        if spark is not None and image_path.parent == EXAMPLE_JARS_DIR:
            jar = example_jar(image_path.name, spark, image_cache or default_cache_dir())
            if jar is not None:
                return str(jar)
        for candidate in (Path(mounts.resolve(path)), Path(path)):
            if candidate.exists():
                return str(candidate)
        shipped = image_root / "opt" / "spark"
        raise StartError(
            f"{where}: {uri} is not in the local runtime's image ({shipped}) nor on this machine: "
            "use a local path to the file instead"
        )
    return uri


def process_env(ctx: LaunchContext, pod_dir: Path, pod_env: Mapping[str, str]) -> dict[str, str]:
    """The image's environment, the pod's over it, then what makes spark-submit this machine's Spark."""
    own = {k: v for k, v in pod_env.items() if k not in _RUNTIME_OWNED}
    env = {**image_env(pod_dir, ctx.spark.python, ctx.spark), **own}
    env["SPARK_HOME"] = str(ctx.spark.home)
    env["PYSPARK_PYTHON"] = ctx.spark.python
    env["PYSPARK_DRIVER_PYTHON"] = ctx.spark.python
    env["SPARK_LOCAL_IP"] = POD_IP
    if ctx.spark.java_home is not None:
        env["JAVA_HOME"] = str(ctx.spark.java_home)
    return env


def _read_conf(args: DriverArgs, mounts: MountTable) -> dict[str, str]:
    if args.properties_file is None:
        return dict(args.extra_conf)
    path = Path(mounts.resolve(args.properties_file))
    try:
        conf = parse_properties(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StartError(
            f"driver properties file {args.properties_file} ({path}) cannot be read: {exc}; "
            "the driver pod mounts it from its conf ConfigMap"
        ) from None
    conf.update(args.extra_conf)
    return conf


def driver_plan(
    pod: Mapping[str, Any],
    container: Mapping[str, Any],
    mounts: MountTable,
    pod_dir: Path,
    log_path: Path,
    ctx: LaunchContext,
    sources: EnvSources,
    *,
    ui_proxy_base: str | None = None,
    kubernetes: KubernetesLaunch | None = None,
) -> ProcessPlan:
    """The spark-submit process for a Spark driver pod. Its UI listens on the port recorded on the pod
    (driverui.claim_ui_port), its links under `ui_proxy_base` (the service-proxy path, when one exposes
    it). With `kubernetes`, Spark's Kubernetes backend runs its executors through the cluster's API
    (clusterconf.py); else the whole application runs in local mode (localconf.py)."""
    args = parse_driver_args([str(a) for a in container.get("args") or []])
    conf = _read_conf(args, mounts)
    pod_env = container_env(pod, container, mounts, sources)
    local_dirs = pod_env.get("SPARK_LOCAL_DIRS") or (
        mounts.resolve_list(conf["spark.local.dir"]) if conf.get("spark.local.dir") else None
    )
    # Local dirs are made here, so each must be on a volume of the pod (checked to stay on the node).
    roots = [m.host_path for m in mounts.mounts] + [pod_dir]
    for directory in (local_dirs or "").split(","):
        if directory and not any(inside(Path(directory), root) for root in roots):
            raise PathRefused(
                f"spark.local.dir / SPARK_LOCAL_DIRS {directory} is on no volume of the pod: mount an "
                "emptyDir or hostPath volume there (Spark does so for spark.local.dir), or leave it unset"
            )
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)

    def resolve(uri: str, where: str) -> str:
        return resolve_resource(
            uri, where, mounts, ctx.image_root, spark=ctx.spark, image_cache=ctx.image_cache
        )

    if kubernetes is None:
        inputs = LocalConfInputs(
            ctx.event_log_dir,
            local_dirs,
            ctx.cpu_count,
            ctx.memory_bytes,
            resolve,
            ui_port=ui_port_of(pod),
            ui_proxy_base=ui_proxy_base,
        )
        run_conf, master, what = local_conf(conf, inputs), local_master(conf, ctx.cpu_count), "Local-mode"
    else:
        inputs_k8s = _cluster_inputs(pod, pod_dir, ctx, kubernetes, local_dirs, resolve, ui_proxy_base)
        run_conf = cluster_conf(conf, inputs_k8s)
        master, what = run_conf["spark.master"], "Kubernetes"
    argv = submit_argv(pod, pod_dir, ctx, run_conf, master, what)
    if args.main_class and args.main_class not in _SPARK_RUNNERS:
        argv += ["--class", args.main_class]
    argv.append(resolve(args.primary, _MAIN_FILE_FIELD))
    argv.extend(args.arguments)
    env = process_env(ctx, pod_dir, pod_env)
    if kubernetes is not None:
        env["SPARK_LOCAL_IP"] = pod_ip(pod)
    if local_dirs:
        env["SPARK_LOCAL_DIRS"] = local_dirs
    return ProcessPlan(tuple(argv), env, ctx.workdir, log_path)


def submit_argv(
    pod: Mapping[str, Any],
    pod_dir: Path,
    ctx: LaunchContext,
    run_conf: Mapping[str, str],
    master: str,
    what: str,
) -> list[str]:
    """`spark-submit --master <master> --deploy-mode client --properties-file <pod dir>/...`, the conf
    written there first (0600: secrets in it included)."""
    meta = pod.get("metadata") or {}
    properties = contain(pod_dir / "spark-local.properties", pod_dir, "the driver's conf")
    text = render_properties("", run_conf, None).split("\n", 1)[1]
    header = f"#{what} conf of driver pod {meta.get('namespace')}/{meta.get('name')}\n"
    properties.parent.mkdir(parents=True, exist_ok=True)
    properties.write_text(header + text, encoding="utf-8")
    properties.chmod(0o600)
    submit = str(ctx.spark.spark_submit)
    return [submit, "--master", master, "--deploy-mode", "client", "--properties-file", str(properties)]


def _cluster_inputs(
    pod: Mapping[str, Any],
    pod_dir: Path,
    ctx: LaunchContext,
    kubernetes: KubernetesLaunch,
    local_dirs: str | None,
    resolve: Callable[[str, str], str],
    ui_proxy_base: str | None,
) -> ClusterConfInputs:
    template: Path | None = None
    if kubernetes.executor_pod is not None:
        template = contain(pod_dir / "executor-pod-template.json", pod_dir, "the executors' pod template")
        template.write_text(json.dumps(executor_pod_template(kubernetes.executor_pod)), encoding="utf-8")
    return ClusterConfInputs(
        api=kubernetes.api,
        credentials=write_credentials(kubernetes.api, pod_dir),
        pod_ip=pod_ip(pod),
        python=ctx.spark.python,
        event_log_dir=ctx.event_log_dir,
        resolve_resource=resolve,
        executor_template=template,
        local_dirs=local_dirs,
        ui_port=ui_port_of(pod),
        ui_proxy_base=ui_proxy_base,
    )


def command_plan(
    pod: Mapping[str, Any],
    container: Mapping[str, Any],
    mounts: MountTable,
    log_path: Path,
    image_env: Mapping[str, str],
    workdir: Path,
    sources: EnvSources,
) -> ProcessPlan | None:
    """A plain container's command and args as a process, or None when it names no command (the image's
    entrypoint, which there is no image to take from)."""
    command = [str(c) for c in container.get("command") or []]
    if not command:
        return None
    argv = command + [str(a) for a in container.get("args") or []]
    env = {**image_env, **container_env(pod, container, mounts, sources)}
    working = container.get("workingDir")
    cwd = Path(mounts.resolve(str(working))) if working else workdir
    if not cwd.is_dir():
        raise StartError(f"workingDir {working} does not exist on this machine")
    return ProcessPlan(tuple(argv), env, cwd, log_path)


def default_workdir() -> Path:
    return Path(os.getcwd())
