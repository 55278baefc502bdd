"""A SparkConnect's server pod as a real Spark Connect server process.

The operator starts the server with `bash -c "${SPARK_HOME}/sbin/start-connect-server.sh --master
k8s://... --conf k=v ..."`, which (with SPARK_NO_DAEMONIZE) is `spark-submit --class
org.apache.spark.sql.connect.service.SparkConnectServer --name "Spark Connect server" spark-internal` in
the foreground. Here the same command line is read for its `--conf` settings and run as that
spark-submit, with the conf changed only where this machine differs, as for a driver (driver.py):
- Spark on Kubernetes: the master is the cluster's loopback API, with the pod's token and CA files, the
  driver's address is its pod's (spark.driver.bindAddress 0.0.0.0 would listen beyond loopback), and the
  executor template is the file mounted from the SparkConnect's ConfigMap (clusterconf.py);
- local mode: the server's work runs in its own JVM (localconf.py);
- either way gRPC listens on the pod's own address, port 15002, which is what `status.server.podIp`
  gives a client: `SparkSession.builder.remote("sc://<podIp>:15002")`.
The `$(...)` of the operator's spark.driver.host is a shell substitution of the pod IP: it is replaced by
the pod IP, as bash would.
"""

from __future__ import annotations

import re
import shlex
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sparkfleet.api.wire import CONNECT_SERVER_CLASS, CONNECT_SERVER_PORT
from sparkfleet.runtime.local.apiaccess import write_credentials
from sparkfleet.runtime.local.clusterconf import ClusterConfInputs, cluster_conf
from sparkfleet.runtime.local.driver import (
    KubernetesLaunch,
    LaunchContext,
    process_env,
    resolve_resource,
    submit_argv,
)
from sparkfleet.runtime.local.driverui import ui_port_of
from sparkfleet.runtime.local.localconf import LocalConfInputs, local_conf, local_master
from sparkfleet.runtime.local.podenv import EnvSources, container_env, pod_ip
from sparkfleet.runtime.local.volumes import MountTable
from sparkfleet.runtime.port import ProcessPlan, StartError

__all__ = ["START_SCRIPT", "accepts", "connect_server_plan", "start_conf"]

START_SCRIPT = "start-connect-server.sh"
_SUBSTITUTION = re.compile(r"\$\((?:[^()]|\([^()]*\))*\)")
_TEMPLATE_KEY = "spark.kubernetes.executor.podTemplateFile"
_NAME = "Spark Connect server"


def start_conf(container: Mapping[str, Any], pod_address: str) -> dict[str, str]:
    """The `--conf` settings of a container that runs `start-connect-server.sh`; StartError when it runs
    something else or passes an option this runtime does not take."""
    words = [str(w) for w in (container.get("command") or [])] + [str(a) for a in container.get("args") or []]
    if words[:2] == ["bash", "-c"] and len(words) >= 3:
        text = _SUBSTITUTION.sub(pod_address, words[2])
        try:
            words = shlex.split(text)
        except ValueError as exc:
            raise StartError(f"the server container's command line does not parse: {exc}") from None
    starts = [i for i, word in enumerate(words) if word.endswith(START_SCRIPT)]
    if not starts:
        raise StartError(f"the server container does not run {START_SCRIPT}")
    rest, conf = words[starts[0] + 1 :], {}
    while rest:
        option, rest = rest[0], rest[1:]
        if option in ("--conf", "-c", "--master") and rest:
            value, rest = rest[0], rest[1:]
            if option != "--master":
                key, sep, setting = value.partition("=")
                if not sep:
                    raise StartError(f"--conf {value}: expected key=value")
                conf[key] = setting
        else:
            raise StartError(
                f"{START_SCRIPT} option {option} is not taken here: give it as spec.sparkConf instead"
            )
    return conf


def connect_server_plan(
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
    """The spark-submit process of a Spark Connect server pod (see the module docstring)."""
    address = pod_ip(pod)
    conf = start_conf(container, address)
    pod_env = container_env(pod, container, mounts, sources)

    def resolve(uri: str, where: str) -> str:
        return resolve_resource(
            uri, where, mounts, ctx.image_root, spark=ctx.spark, image_cache=ctx.image_cache
        )

    if kubernetes is not None:
        template = conf.get(_TEMPLATE_KEY)
        template_file = Path(mounts.resolve(template)) if template else None
        if template_file is not None and not template_file.is_file():
            raise StartError(
                f"{_TEMPLATE_KEY} {template}: no such file in the pod (its ConfigMap is mounted there)"
            )
        inputs = ClusterConfInputs(
            api=kubernetes.api,
            credentials=write_credentials(kubernetes.api, pod_dir),
            pod_ip=address,
            python=ctx.spark.python,
            event_log_dir=ctx.event_log_dir,
            resolve_resource=resolve,
            executor_template=template_file,
            ui_port=ui_port_of(pod),
            ui_proxy_base=ui_proxy_base,
        )
        run_conf = cluster_conf(conf, inputs)
        master, what = run_conf["spark.master"], "Kubernetes"
    else:
        local_inputs = LocalConfInputs(
            ctx.event_log_dir, None, ctx.cpu_count, ctx.memory_bytes, resolve, ui_port_of(pod), ui_proxy_base
        )
        run_conf, master, what = (
            local_conf(conf, local_inputs),
            local_master(conf, ctx.cpu_count),
            "Local-mode",
        )
    run_conf["spark.connect.grpc.binding.address"] = address
    run_conf["spark.connect.grpc.binding.port"] = str(CONNECT_SERVER_PORT)
    argv = submit_argv(pod, pod_dir, ctx, run_conf, master, what)
    argv += ["--class", CONNECT_SERVER_CLASS, "--name", _NAME, "spark-internal"]
    env = process_env(ctx, pod_dir, pod_env)
    env["SPARK_LOCAL_IP"] = address
    return ProcessPlan(tuple(argv), env, ctx.workdir, log_path)


def accepts(address: str, port: int, timeout: float = 0.2) -> bool:
    """Whether something listens at address:port: the operator's TCP readiness probe of the server."""
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False
