"""Spark's pod feature steps (resource-managers/kubernetes, Spark 3.5/4.0), over dict pods.

A `SparkPod` is the pod without its Spark container plus that container, as in Spark: the pod template
(`spec.driver.template` / `spec.executor.template`) is the starting point, its container named
`spark-kubernetes-driver`/`-executor` (else its first container) becomes the Spark container, and each
step adds to both. At the end the Spark container is appended after the template's other containers.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from sparkfleet.api.pod import PodTemplateSpec
from sparkfleet.api.redaction import shown_setting
from sparkfleet.api.wire import (
    DRIVER_CONTAINER,
    EXECUTOR_CONTAINER,
    LABEL_SPARK_APP_NAME,
    LABEL_SPARK_APP_SELECTOR,
    LABEL_SPARK_EXECUTOR_ID,
    LABEL_SPARK_RESOURCE_PROFILE_ID,
    LABEL_SPARK_ROLE,
    LABEL_SPARK_VERSION,
)
from sparkfleet.engine.submission.errors import SubmissionError
from sparkfleet.engine.submission.kube import Obj, append, dump, env_var, field_env, merge_map
from sparkfleet.engine.submission.kubeconf import RoleConf, conf_bool, conf_int
from sparkfleet.engine.submission.memory import PodMemory
from sparkfleet.engine.submission.ports import (
    BLOCK_MANAGER_PORT_NAME,
    DEFAULT_BLOCK_MANAGER_PORT,
    DEFAULT_DRIVER_PORT,
    DEFAULT_UI_PORT,
    DRIVER_PORT_NAME,
    UI_PORT_NAME,
)

SPARK_CONF_DIR = "/opt/spark/conf"
SPARK_PROPERTIES = "spark.properties"
DRIVER_CONF_VOLUME = "spark-conf-volume-driver"
EXECUTOR_CONF_VOLUME = "spark-conf-volume-exec"
HADOOP_CONF_VOLUME = "hadoop-properties"
HADOOP_CONF_DIR = "/opt/hadoop/conf"
APP_ID_PLACEHOLDER = "{{APP_ID}}"
EXECUTOR_ID_PLACEHOLDER = "{{EXECUTOR_ID}}"

RESERVED_DRIVER_LABELS = (
    LABEL_SPARK_VERSION,
    LABEL_SPARK_APP_SELECTOR,
    LABEL_SPARK_APP_NAME,
    LABEL_SPARK_ROLE,
)
RESERVED_EXECUTOR_LABELS = (*RESERVED_DRIVER_LABELS, LABEL_SPARK_EXECUTOR_ID, LABEL_SPARK_RESOURCE_PROFILE_ID)

JAVA_OPT_PREFIX = "SPARK_JAVA_OPT_"
"""The executor's JVM options reach it as SPARK_JAVA_OPT_0, _1, ... in order."""
EXECUTOR_SPARK_ENV = frozenset(
    {
        "SPARK_USER",
        "SPARK_DRIVER_URL",
        "SPARK_EXECUTOR_CORES",
        "SPARK_EXECUTOR_MEMORY",
        "SPARK_APPLICATION_ID",
        "SPARK_CONF_DIR",
        "SPARK_EXECUTOR_ID",
        "SPARK_RESOURCE_PROFILE_ID",
        "SPARK_EXECUTOR_POD_IP",
        "SPARK_EXECUTOR_POD_NAME",
        "SPARK_LOCAL_DIRS",
        "SPARK_CLASSPATH",
    }
)
"""The executor container's variables BasicExecutorFeatureStep and LocalDirsFeatureStep set (besides the
JAVA_OPT_PREFIX ones)."""

_STARTUP_PREFIXES = ("spark.auth", "spark.rpc", "spark.network", "spark.ssl", "spark.port.")
_RESOURCE_AMOUNT = re.compile(r"^spark\.(driver|executor)\.resource\.([^.]+)\.amount$")


@dataclass(slots=True)
class SparkPod:
    pod: Obj
    container: Obj

    def finish(self) -> Obj:
        """The pod with the Spark container appended, as Client/ExecutorPodsAllocator do."""
        append(self.pod["spec"], "containers", self.container)
        return self.pod


def initial_pod(template: PodTemplateSpec | None, container_name: str) -> SparkPod:
    """The pod template with its Spark container taken out (KubernetesUtils.selectSparkContainer)."""
    pod: Obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {}, "spec": {}}
    if template is None:
        return SparkPod(pod, {})
    data = dump(template)
    pod["metadata"] = data.get("metadata") or {}
    spec = pod["spec"] = data.get("spec") or {}
    containers: list[Obj] = spec.pop("containers", None) or []
    named = [i for i, c in enumerate(containers) if c.get("name") == container_name]
    index = named[0] if len(named) == 1 else (0 if containers else None)
    if index is None:
        return SparkPod(pod, {})
    container = containers.pop(index)
    if containers:
        spec["containers"] = containers
    return SparkPod(pod, container)


def substitute_ids(value: str, app_id: str, executor_id: str) -> str:
    """Utils.substituteAppNExecIds."""
    return value.replace(APP_ID_PLACEHOLDER, app_id).replace(EXECUTOR_ID_PLACEHOLDER, executor_id)


def custom_resources(conf: Mapping[str, str], role: str) -> dict[str, str]:
    """`spark.<role>.resource.<name>.{amount,vendor}` as extended resource limits (`<vendor>/<name>`)."""
    out: dict[str, str] = {}
    marker = f"spark.{role}.resource."
    for key, amount in conf.items():
        if ".resource." not in key or not key.startswith(marker):
            continue
        match = _RESOURCE_AMOUNT.match(key)
        if match is None or match.group(1) != role:
            continue
        name = match.group(2)
        vendor = conf.get(f"spark.{role}.resource.{name}.vendor")
        if not vendor:
            raise SubmissionError(
                f"Resource: {name} was requested, but vendor was not specified: "
                f"set spark.{role}.resource.{name}.vendor"
            )
        out[f"{vendor}/{name}"] = amount
    return out


def check_labels(labels: Mapping[str, str], reserved: tuple[str, ...]) -> None:
    for key in reserved:
        if key in labels:
            raise SubmissionError(
                f"Label with key {key} is not allowed as it is reserved for Spark bookkeeping operations."
            )


def image_for(conf: Mapping[str, str], role: str) -> str:
    image = conf.get(f"spark.kubernetes.{role}.container.image") or conf.get(
        "spark.kubernetes.container.image"
    )
    if not image:
        raise SubmissionError(
            f"Must specify the {role} container image: set spec.image (or spec.{role}.image)"
        )
    return image


def _spark_pod_spec(
    sp: SparkPod, conf: Mapping[str, str], kube_node_selector: Mapping[str, str], role: RoleConf
) -> None:
    spec = sp.pod["spec"]
    merge_map(spec, "nodeSelector", kube_node_selector)
    merge_map(spec, "nodeSelector", role.node_selector)
    secrets = conf.get("spark.kubernetes.container.image.pullSecrets")
    if secrets:
        append(spec, "imagePullSecrets", *({"name": s.strip()} for s in secrets.split(",") if s.strip()))


def _scheduler_name(sp: SparkPod, conf: Mapping[str, str], role_name: str) -> None:
    name = conf.get(f"spark.kubernetes.{role_name}.scheduler.name") or conf.get(
        "spark.kubernetes.scheduler.name"
    )
    if name:
        sp.pod["spec"]["schedulerName"] = name


def _spark_container(sp: SparkPod, conf: Mapping[str, str], role_name: str, default_name: str) -> Obj:
    """The Spark container with its name (unless the template named it), image and pull policy."""
    c = sp.container
    c.setdefault("name", default_name)
    c["image"] = image_for(conf, role_name)
    c["imagePullPolicy"] = conf.get("spark.kubernetes.container.image.pullPolicy", "IfNotPresent")
    return c


def basic_driver(
    sp: SparkPod,
    conf: Mapping[str, str],
    role: RoleConf,
    node_selector: Mapping[str, str],
    *,
    pod_name: str,
    labels: Mapping[str, str],
    app_id: str,
    spark_user: str,
    memory: PodMemory,
) -> None:
    """BasicDriverFeatureStep."""
    c = _spark_container(sp, conf, "driver", DRIVER_CONTAINER)
    driver_port = conf_int(conf, "spark.driver.port", DEFAULT_DRIVER_PORT)
    block_port = conf_int(
        conf,
        "spark.driver.blockManager.port",
        conf_int(conf, "spark.blockManager.port", DEFAULT_BLOCK_MANAGER_PORT),
    )
    ui_port = conf_int(conf, "spark.ui.port", DEFAULT_UI_PORT)
    append(
        c,
        "ports",
        {"containerPort": driver_port, "name": DRIVER_PORT_NAME, "protocol": "TCP"},
        {"containerPort": block_port, "name": BLOCK_MANAGER_PORT_NAME, "protocol": "TCP"},
        {"containerPort": ui_port, "name": UI_PORT_NAME, "protocol": "TCP"},
    )
    append(c, "env", env_var("SPARK_USER", spark_user), env_var("SPARK_APPLICATION_ID", app_id))
    append(c, "env", *(env_var(k, v) for k, v in role.env.items()))
    append(c, "env", field_env("SPARK_DRIVER_BIND_ADDRESS", "status.podIP"))
    resources = c.setdefault("resources", {})
    cores = conf.get("spark.kubernetes.driver.request.cores") or str(conf_int(conf, "spark.driver.cores", 1))
    limits: dict[str, str] = {}
    limit_cores = conf.get("spark.kubernetes.driver.limit.cores")
    if limit_cores:
        limits["cpu"] = limit_cores
    limits["memory"] = memory.quantity
    limits.update(custom_resources(conf, "driver"))
    merge_map(resources, "requests", {"cpu": cores, "memory": memory.quantity})
    merge_map(resources, "limits", limits)
    meta = sp.pod["metadata"]
    meta["name"] = pod_name
    merge_map(meta, "labels", labels)
    merge_map(meta, "annotations", {k: substitute_ids(v, app_id, "") for k, v in role.annotations.items()})
    sp.pod["spec"]["restartPolicy"] = "Never"
    _spark_pod_spec(sp, conf, node_selector, role)
    _scheduler_name(sp, conf, "driver")


def service_account(sp: SparkPod, conf: Mapping[str, str], role_name: str) -> None:
    """Driver/ExecutorKubernetesCredentialsFeatureStep: executors fall back to the driver's account."""
    spec = sp.pod["spec"]
    account = conf.get(f"spark.kubernetes.authenticate.{role_name}.serviceAccountName")
    if role_name == "executor":
        if spec.get("serviceAccount") or spec.get("serviceAccountName"):
            return
        account = account or conf.get("spark.kubernetes.authenticate.driver.serviceAccountName")
    if account:
        spec["serviceAccount"] = account
        spec["serviceAccountName"] = account


def mount_secrets(sp: SparkPod, role: RoleConf) -> None:
    """MountSecretsFeatureStep and EnvSecretsFeatureStep."""
    for secret, path in role.secrets.items():
        append(sp.pod["spec"], "volumes", {"name": f"{secret}-volume", "secret": {"secretName": secret}})
        append(sp.container, "volumeMounts", {"mountPath": path, "name": f"{secret}-volume"})
    for env_name, ref in role.secret_key_refs.items():
        name, sep, key = ref.partition(":")
        if not sep or ":" in key:
            raise SubmissionError(
                f"secretKeyRef {env_name}={ref!r}: SecretKeyRef must be in the form name:key."
            )
        append(
            sp.container, "env", {"name": env_name, "valueFrom": {"secretKeyRef": {"key": key, "name": name}}}
        )


def driver_command(
    sp: SparkPod,
    conf: Mapping[str, str],
    *,
    main_class: str,
    resource: str,
    arguments: list[str],
    proxy_user: str | None,
) -> None:
    """DriverCommandFeatureStep: the image entrypoint's `driver` arguments, and the Python interpreters."""
    args = ["driver"]
    if proxy_user:
        args += ["--proxy-user", proxy_user]
    args += [
        "--properties-file",
        f"{SPARK_CONF_DIR}/{SPARK_PROPERTIES}",
        "--class",
        main_class,
        resource,
        *arguments,
    ]
    append(sp.container, "args", *args)
    if conf.get("spark.kubernetes.resource.type") == "python":
        python = conf.get("spark.pyspark.python")
        driver_python = conf.get("spark.pyspark.driver.python") or python
        if python:
            append(sp.container, "env", env_var("PYSPARK_PYTHON", python))
        if driver_python:
            append(sp.container, "env", env_var("PYSPARK_DRIVER_PYTHON", driver_python))


def hadoop_conf(sp: SparkPod, conf: Mapping[str, str]) -> None:
    """HadoopConfDriver/ExecutorFeatureStep for spark.kubernetes.hadoop.configMapName."""
    name = conf.get("spark.kubernetes.hadoop.configMapName")
    if not name:
        return
    append(sp.pod["spec"], "volumes", {"configMap": {"name": name}, "name": HADOOP_CONF_VOLUME})
    append(sp.container, "volumeMounts", {"mountPath": HADOOP_CONF_DIR, "name": HADOOP_CONF_VOLUME})
    append(sp.container, "env", env_var("HADOOP_CONF_DIR", HADOOP_CONF_DIR))


def driver_conf_volume(sp: SparkPod, config_map: str) -> None:
    """What the submission client adds last: SPARK_CONF_DIR and the spark.properties ConfigMap volume."""
    append(sp.container, "env", env_var("SPARK_CONF_DIR", SPARK_CONF_DIR))
    append(sp.container, "volumeMounts", {"mountPath": SPARK_CONF_DIR, "name": DRIVER_CONF_VOLUME})
    append(
        sp.pod["spec"],
        "volumes",
        {
            "configMap": {
                "items": [{"key": SPARK_PROPERTIES, "mode": 420, "path": SPARK_PROPERTIES}],
                "name": config_map,
            },
            "name": DRIVER_CONF_VOLUME,
        },
    )


def is_executor_startup_conf(key: str) -> bool:
    """SparkConf.isExecutorStartupConf: what executors need before they can fetch the conf."""
    return (key.endswith(".port") or key.startswith(_STARTUP_PREFIXES)) and (
        key.startswith("spark.") and key != "spark.authenticate.secret"
    )


def executor_java_options(conf: Mapping[str, str], runtime_defaults: tuple[str, ...]) -> list[str]:
    """SPARK_JAVA_OPT_n values: the driver's supplemented extraJavaOptions, then startup confs as -D."""
    opts = list(runtime_defaults)
    user = conf.get("spark.executor.extraJavaOptions")
    if user:
        try:
            opts.extend(shlex.split(user))
        except ValueError as exc:
            raise SubmissionError(
                f"{shown_setting('spark.executor.extraJavaOptions', user)}: {exc}"
            ) from None
    opts.extend(f"-D{k}={conf[k]}" for k in sorted(conf) if is_executor_startup_conf(k))
    return opts


def basic_executor(
    sp: SparkPod,
    conf: Mapping[str, str],
    role: RoleConf,
    node_selector: Mapping[str, str],
    *,
    name_prefix: str,
    labels: Mapping[str, str],
    spark_user: str,
    driver_url: str,
    memory: PodMemory,
    java_options: list[str],
    config_map: str,
) -> None:
    """BasicExecutorFeatureStep with `{{APP_ID}}` and `{{EXECUTOR_ID}}` left for each executor."""
    c = _spark_container(sp, conf, "executor", EXECUTOR_CONTAINER)
    cores = conf_int(conf, "spark.executor.cores", 1)
    resources = c.setdefault("resources", {})
    merge_map(
        resources,
        "requests",
        {"memory": memory.quantity, "cpu": conf.get("spark.kubernetes.executor.request.cores") or str(cores)},
    )
    merge_map(resources, "limits", {"memory": memory.quantity, **custom_resources(conf, "executor")})
    env = [
        env_var("SPARK_USER", spark_user),
        env_var("SPARK_DRIVER_URL", driver_url),
        env_var("SPARK_EXECUTOR_CORES", str(cores)),
        env_var("SPARK_EXECUTOR_MEMORY", f"{memory.heap_mib}m"),
        env_var("SPARK_APPLICATION_ID", APP_ID_PLACEHOLDER),
        env_var("SPARK_CONF_DIR", SPARK_CONF_DIR),
        env_var("SPARK_EXECUTOR_ID", EXECUTOR_ID_PLACEHOLDER),
        env_var("SPARK_RESOURCE_PROFILE_ID", "0"),
        *(env_var(k, v) for k, v in role.env.items()),
    ]
    class_path = conf.get("spark.executor.extraClassPath")
    if class_path:
        env.append(env_var("SPARK_CLASSPATH", class_path))
    env.extend(env_var(f"{JAVA_OPT_PREFIX}{i}", opt) for i, opt in enumerate(java_options))
    env.append(field_env("SPARK_EXECUTOR_POD_IP", "status.podIP"))
    env.append(field_env("SPARK_EXECUTOR_POD_NAME", "metadata.name"))
    append(c, "env", *env)
    block_port = conf_int(conf, "spark.blockManager.port", DEFAULT_BLOCK_MANAGER_PORT)
    c["ports"] = [{"containerPort": block_port, "name": "blockmanager"}] if block_port else []
    append(c, "args", "executor")
    disable_config_map = conf_bool(conf, "spark.kubernetes.executor.disableConfigMap", False)
    if not disable_config_map:
        append(c, "volumeMounts", {"mountPath": SPARK_CONF_DIR, "name": EXECUTOR_CONF_VOLUME})
    limit_cores = conf.get("spark.kubernetes.executor.limit.cores")
    if limit_cores:
        resources["limits"]["cpu"] = limit_cores
    if conf_bool(conf, "spark.decommission.enabled", False):
        script = conf.get("spark.kubernetes.decommission.script", "/opt/decom.sh")
        c["lifecycle"] = {"preStop": {"exec": {"command": [script]}}}
    meta = sp.pod["metadata"]
    name = f"{name_prefix}-exec-{EXECUTOR_ID_PLACEHOLDER}"
    meta["name"] = name
    merge_map(meta, "labels", labels)
    merge_map(meta, "annotations", role.annotations)
    spec = sp.pod["spec"]
    spec["hostname"] = name
    spec["restartPolicy"] = "Never"
    _spark_pod_spec(sp, conf, node_selector, role)
    if not disable_config_map:
        append(spec, "volumes", {"configMap": {"name": config_map}, "name": EXECUTOR_CONF_VOLUME})
    _scheduler_name(sp, conf, "executor")
