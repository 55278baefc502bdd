"""What the operator's mutating webhook patches onto a Spark pod, applied when the pod is built.

Same options, same order as the operator's `mutateSparkPod` (internal/webhook/sparkpod_defaulter.go):
owner reference (driver), env, envFrom, the Hadoop and Spark ConfigMaps, general ConfigMaps, volumes
mounted by the role (other than `spark-local-dir-*`, which Spark mounts from the conf), ports, host
network, host aliases, init containers, sidecars, DNS config, priority class, scheduler name, node
selector, affinity, tolerations, GPU, Prometheus, security contexts, grace period, lifecycle and
shareProcessNamespace. No admission webhook (and no TLS certificate) is involved: the pod is created
complete. Differences from the operator, each a fix: executors get their own `env` (the operator
checks the driver's), a mount of an undefined volume is an error instead of being dropped, and
`memoryLimit` sets the Spark container's memory limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sparkfleet.api.sparkapplication import SparkApplication, SparkPodSpec
from sparkfleet.api.wire import LOCAL_DIR_VOLUME_PREFIX
from sparkfleet.engine.submission.errors import SubmissionError
from sparkfleet.engine.submission.features import SparkPod
from sparkfleet.engine.submission.kube import Obj, app_owner_reference, append, dump, dump_all, env_var

SPARK_CONFIG_MAP_VOLUME = "spark-configmap-volume"
HADOOP_CONFIG_MAP_VOLUME = "hadoop-configmap-volume"
SPARK_CONF_DIR = "/etc/spark/conf"
HADOOP_CONF_DIR = "/etc/hadoop/conf"
MAX_NAME = 63


@dataclass(frozen=True, slots=True)
class Prometheus:
    """The Prometheus JMX exporter exposure the webhook adds to a role's pods."""

    config_map: str
    port: int
    port_name: str
    mount_path: str


def _set_env(container: Obj, name: str, value: str) -> None:
    # The webhook appends; Kubernetes lets the last definition of a name win, which replacing in place
    # reproduces without a duplicate entry.
    env: list[Obj] = container.setdefault("env", [])
    for item in env:
        if item.get("name") == name:
            item.clear()
            item.update(env_var(name, value))
            return
    env.append(env_var(name, value))


def _config_map_volume(pod: Obj, container: Obj, config_map: str, volume: str, path: str) -> None:
    append(pod["spec"], "volumes", {"configMap": {"name": config_map}, "name": volume})
    append(container, "volumeMounts", {"mountPath": path, "name": volume, "readOnly": True})


def _has_container(containers: list[Obj], candidate: Obj) -> bool:
    return any(
        c.get("name") == candidate.get("name") and c.get("image") == candidate.get("image")
        for c in containers
    )


@dataclass(frozen=True, slots=True)
class RolePatches:
    """What the webhook sets on a role's pods beyond `spec.driver` / `spec.executor`."""

    scheduler_name: str | None
    priority_class_name: str | None
    prometheus: Prometheus | None


def finish_pod(sp: SparkPod, app: SparkApplication, role: str, namespace: str, patches: RolePatches) -> Obj:
    """The pod Spark submits (its container appended, in `namespace`) with the webhook's patches."""
    container = sp.container
    pod = sp.finish()
    pod["metadata"]["namespace"] = namespace
    patch_pod(pod, container, app, role, patches)
    return pod


def patch_pod(pod: Obj, container: Obj, app: SparkApplication, role: str, patches: RolePatches) -> None:
    """Apply the webhook's patches for `role` ("driver" or "executor") to a pod and its Spark container."""
    spec_all = app.spec
    rs: SparkPodSpec = spec_all.driver if role == "driver" else spec_all.executor
    meta, spec = pod["metadata"], pod["spec"]
    if role == "driver":
        owner = app_owner_reference(app)
        if owner is not None:
            append(meta, "ownerReferences", owner)
    append(container, "env", *dump_all(rs.env))
    append(container, "envFrom", *dump_all(rs.envFrom))
    if spec_all.hadoopConfigMap:
        _config_map_volume(
            pod, container, spec_all.hadoopConfigMap, HADOOP_CONFIG_MAP_VOLUME, HADOOP_CONF_DIR
        )
        _set_env(container, "HADOOP_CONF_DIR", HADOOP_CONF_DIR)
    if spec_all.sparkConfigMap:
        _config_map_volume(pod, container, spec_all.sparkConfigMap, SPARK_CONFIG_MAP_VOLUME, SPARK_CONF_DIR)
        _set_env(container, "SPARK_CONF_DIR", SPARK_CONF_DIR)
    for cm in rs.configMaps:
        _config_map_volume(pod, container, cm.name, f"{cm.name}-vol"[:MAX_NAME], cm.path)
    if rs.volumeMounts:
        app_volumes = {v.name: v for v in spec_all.volumes}
        present = {v.get("name") for v in spec.get("volumes") or []}
        for mount in rs.volumeMounts:
            if mount.name.startswith(LOCAL_DIR_VOLUME_PREFIX):
                continue
            volume = app_volumes.get(mount.name)
            if volume is not None and mount.name not in present:
                append(spec, "volumes", dump(volume))
                present.add(mount.name)
            elif volume is None and mount.name not in present:
                raise SubmissionError(
                    f"spec.{role}.volumeMounts: volume {mount.name!r} is not defined; add it to spec.volumes"
                )
            append(container, "volumeMounts", dump(mount))
    append(container, "ports", *dump_all(rs.ports))
    if rs.hostNetwork:
        spec["hostNetwork"] = True
        spec["dnsPolicy"] = "ClusterFirstWithHostNet"
    append(spec, "hostAliases", *dump_all(rs.hostAliases))
    existing_init: list[Obj] = spec.get("initContainers") or []
    append(
        spec,
        "initContainers",
        *(c for c in dump_all(rs.initContainers) if not _has_container(existing_init, c)),
    )
    existing: list[Obj] = spec.get("containers") or []
    append(spec, "containers", *(c for c in dump_all(rs.sidecars) if not _has_container(existing, c)))
    if rs.dnsConfig is not None:
        spec["dnsConfig"] = dump(rs.dnsConfig)
    priority = rs.priorityClassName or patches.priority_class_name
    if priority:
        spec["priorityClassName"] = priority
        spec.pop("priority", None)
        spec.pop("preemptionPolicy", None)
    if patches.scheduler_name:
        spec["schedulerName"] = patches.scheduler_name
    if rs.nodeSelector:
        spec.setdefault("nodeSelector", {}).update(rs.nodeSelector)
    if rs.affinity is not None:
        spec["affinity"] = dump(rs.affinity)
    append(spec, "tolerations", *dump_all(rs.tolerations))
    if rs.gpu is not None:
        container.setdefault("resources", {}).setdefault("limits", {})[rs.gpu.name] = str(rs.gpu.quantity)
    prometheus = patches.prometheus
    if prometheus is not None:
        prom_volume = f"{prometheus.config_map}-vol"
        _config_map_volume(pod, container, prometheus.config_map, prom_volume, prometheus.mount_path)
        append(
            container,
            "ports",
            {"containerPort": prometheus.port, "name": prometheus.port_name, "protocol": "TCP"},
        )
    if rs.securityContext is not None:
        container["securityContext"] = dump(rs.securityContext)
    if rs.podSecurityContext is not None:
        spec["securityContext"] = dump(rs.podSecurityContext)
    if rs.terminationGracePeriodSeconds is not None:
        spec["terminationGracePeriodSeconds"] = rs.terminationGracePeriodSeconds
    if rs.lifecycle is not None:
        container["lifecycle"] = rs.lifecycle
    if rs.shareProcessNamespace:
        spec["shareProcessNamespace"] = True
    if rs.memoryLimit is not None:
        container.setdefault("resources", {}).setdefault("limits", {})["memory"] = str(rs.memoryLimit)
