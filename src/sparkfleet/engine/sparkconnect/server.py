"""A SparkConnect's objects and status, as the Spark Operator's SparkConnect controller makes them. Pure.

- ConfigMap `<name>-conf`: the executor pod template (`executor-pod-template.yaml`).
- Pod `<name>-server`: the server template's pod with its `spark-kubernetes-driver` container running
  `bash -c "${SPARK_HOME}/sbin/start-connect-server.sh --master k8s://... --conf ..."`, TCP startup and
  readiness probes on 15002 unless the template has its own, POD_IP and SPARK_NO_DAEMONIZE in its env,
  the template file mounted at /tmp/spark/, and the labels that select it (spark-role connect-server).
- Service `<name>-server` (or `server.service`'s name): driver-rpc 7078, blockmanager 7079, web-ui 4040
  and spark-connect-server 15002, selecting the server pod.
- Status: Ready when the server pod is Ready (condition ServerPodReady), NotReady otherwise; the server's
  pod name, IP and service; executor pods counted by phase.
The conf keys are written in sorted order (the operator's Go maps give none), so that the same
SparkConnect always gives the same command line.
"""

from __future__ import annotations

import copy
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml

from sparkfleet.api.kubeschema import CORE, pruned
from sparkfleet.api.meta import Condition
from sparkfleet.api.sparkconnect import (
    API_VERSION,
    SparkConnect,
    SparkConnectServerStatus,
    SparkConnectState,
    SparkConnectStatus,
)
from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.api.wire import (
    CONNECT_SERVER_PORT,
    DRIVER_CONTAINER,
    EXECUTOR_CONTAINER,
    LABEL_CREATED_BY_OPERATOR,
    LABEL_LAUNCHED_BY_OPERATOR,
    LABEL_SPARK_CONNECT_NAME,
    LABEL_SPARK_ROLE,
    LABEL_SPARK_VERSION,
    SparkRole,
)

__all__ = [
    "CONDITION_SERVER_POD_READY",
    "CONNECT_MASTER",
    "EXECUTOR_TEMPLATE_FILE",
    "EXECUTOR_TEMPLATE_MOUNT",
    "ConnectObjects",
    "ConnectSpecError",
    "connect_objects",
    "connect_status",
    "dropped_fields",
    "executor_selector",
    "server_pod_name",
    "server_service_name",
]

CONNECT_MASTER = "k8s://https://kubernetes.default.svc:443"
"""The master the server is started with: the in-cluster API (the operator's KUBERNETES_SERVICE_HOST)."""
EXECUTOR_TEMPLATE_FILE = "executor-pod-template.yaml"
EXECUTOR_TEMPLATE_MOUNT = f"/tmp/spark/{EXECUTOR_TEMPLATE_FILE}"
CONDITION_SERVER_POD_READY = "ServerPodReady"
_POD_TEMPLATE = f"{CORE}PodTemplateSpec"
_CONF_VOLUME = "spark-conf"
_HADOOP_PREFIX = "spark.hadoop."
_DRIVER_POD_NAME = "spark.kubernetes.driver.pod.name"
# The operator's spark.driver.host: the pod's IP, bracketed when it is IPv6.
_DRIVER_HOST = (
    '$(host=${POD_IP}; if [[ $host == *:* ]] && [[ $host != \\[* ]]; then echo "[$host]"; '
    'else echo "$host"; fi)'
)
_SERVICE_PORTS = (
    ("driver-rpc", 7078, "tcp"),
    ("blockmanager", 7079, "tcp"),
    ("web-ui", 4040, "http"),
    ("spark-connect-server", CONNECT_SERVER_PORT, "grpc"),
)


class ConnectSpecError(ValueError):
    """The SparkConnect cannot be made into a server pod (as the operator, names what is missing)."""


@dataclass(frozen=True, slots=True)
class ConnectObjects:
    config_map: dict[str, Any]
    server_pod: dict[str, Any]
    service: dict[str, Any]


def server_pod_name(conn: SparkConnect) -> str:
    return f"{conn.metadata.name}-server"


def server_service_name(conn: SparkConnect) -> str:
    service = conn.spec.server.service or {}
    named = (service.get("metadata") or {}).get("name")
    return str(named) if named else f"{conn.metadata.name}-server"


def _common_labels(conn: SparkConnect) -> dict[str, str]:
    return {LABEL_CREATED_BY_OPERATOR: "true", LABEL_SPARK_CONNECT_NAME: str(conn.metadata.name)}


def _server_labels(conn: SparkConnect) -> dict[str, str]:
    return {
        LABEL_LAUNCHED_BY_OPERATOR: "true",
        LABEL_SPARK_CONNECT_NAME: str(conn.metadata.name),
        LABEL_SPARK_ROLE: SparkRole.CONNECT_SERVER.value,
        LABEL_SPARK_VERSION: conn.spec.sparkVersion,
    }


def executor_selector(conn: SparkConnect) -> dict[str, str]:
    """The labels of the server's executor pods (Spark puts them on from the server's conf)."""
    return {
        LABEL_LAUNCHED_BY_OPERATOR: "true",
        LABEL_SPARK_CONNECT_NAME: str(conn.metadata.name),
        LABEL_SPARK_ROLE: SparkRole.EXECUTOR.value,
    }


def _owner(conn: SparkConnect) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "SparkConnect",
        "name": conn.metadata.name,
        "uid": conn.metadata.uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _quoted(key: str, value: str) -> str:
    return shlex.quote(f"{key}={value}")


def _template_dict(template: Any) -> dict[str, Any]:
    """A pod template as the operator holds it: decoded into corev1.PodTemplateSpec, which drops the
    fields it does not have (the CRD keeps the template schemaless, so they were stored)."""
    if template is None:
        return {}
    dumped: dict[str, Any] = template.model_dump(mode="json", exclude_none=True, exclude_unset=True)
    return pruned(_POD_TEMPLATE, dumped)[0]


def dropped_fields(conn: SparkConnect) -> list[str]:
    """The fields of `conn`'s pod templates the operator's decoding drops (said in an Event)."""
    out = []
    for where, spec in (("server", conn.spec.server), ("executor", conn.spec.executor)):
        if spec.template is not None:
            raw = spec.template.model_dump(mode="json", exclude_none=True, exclude_unset=True)
            out += [f"spec.{where}.template.{path}" for path in pruned(_POD_TEMPLATE, raw)[1]]
    return out


def _executor_image(conn: SparkConnect) -> str:
    image = conn.spec.image or ""
    containers = (_template_dict(conn.spec.executor.template).get("spec") or {}).get("containers") or []
    chosen = next((c for c in containers if c.get("name") == EXECUTOR_CONTAINER), None)
    if chosen is None and containers:
        chosen = containers[0]
    if chosen is not None and chosen.get("image"):
        image = str(chosen["image"])
    if not image:
        raise ConnectSpecError(
            "image is not specified: set spec.image or the image of the executor template's "
            f"{EXECUTOR_CONTAINER} container"
        )
    return image


def _start_args(conn: SparkConnect) -> list[str]:
    spec, name = conn.spec, str(conn.metadata.name)
    image = _executor_image(conn)
    args = ["${SPARK_HOME}/sbin/start-connect-server.sh", "--master", CONNECT_MASTER]
    confs: list[str] = [f"spark.kubernetes.namespace={conn.metadata.namespace or 'default'}"]
    confs += [
        f"spark.kubernetes.container.image={image}",
        f"spark.kubernetes.executor.container.image={image}",
    ]
    quoted = [_quoted(k, v) for k, v in sorted(spec.sparkConf.items()) if k != _DRIVER_POD_NAME]
    for key, value in sorted(spec.hadoopConf.items()):
        quoted.append(_quoted(key if key.startswith(_HADOOP_PREFIX) else _HADOOP_PREFIX + key, value))
    labels = {LABEL_LAUNCHED_BY_OPERATOR: "true", LABEL_SPARK_CONNECT_NAME: name, **conn.metadata.labels}
    for role in ("driver", "executor"):
        confs += [f"spark.kubernetes.{role}.label.{k}={v}" for k, v in labels.items()]
        if role == "driver":
            if spec.server.cores is not None:
                confs.append(f"spark.driver.cores={spec.server.cores}")
            if spec.server.memory is not None:
                confs.append(f"spark.driver.memory={spec.server.memory}")
            confs += [
                "spark.driver.bindAddress=0.0.0.0",
                f"spark.driver.host={_DRIVER_HOST}",
                "spark.driver.port=7078",
                "spark.driver.blockManager.port=7079",
                f"{_DRIVER_POD_NAME}={server_pod_name(conn)}",
            ]
    if spec.executor.instances is not None:
        confs.append(f"spark.executor.instances={spec.executor.instances}")
    if spec.executor.cores is not None:
        confs.append(f"spark.executor.cores={spec.executor.cores}")
    if spec.executor.memory is not None:
        confs.append(f"spark.executor.memory={spec.executor.memory}")
    confs.append(f"spark.kubernetes.executor.podNamePrefix={name}")
    if spec.executor.template is not None:
        confs += [
            f"spark.kubernetes.executor.podTemplateFile={EXECUTOR_TEMPLATE_MOUNT}",
            f"spark.kubernetes.executor.podTemplateContainerName={EXECUTOR_CONTAINER}",
        ]
    confs += _dynamic_allocation(conn)
    out = args + [word for conf in confs for word in ("--conf", conf)]
    return out + [word for conf in quoted for word in ("--conf", conf)]


def _dynamic_allocation(conn: SparkConnect) -> list[str]:
    da = conn.spec.dynamicAllocation
    if da is None or not da.enabled:
        return []
    out = ["spark.dynamicAllocation.enabled=true"]
    for key, value in (
        ("initialExecutors", da.initialExecutors),
        ("minExecutors", da.minExecutors),
        ("maxExecutors", da.maxExecutors),
    ):
        if value is not None:
            out.append(f"spark.dynamicAllocation.{key}={value}")
    tracking = True if da.shuffleTrackingEnabled is None else da.shuffleTrackingEnabled
    out.append(f"spark.dynamicAllocation.shuffleTracking.enabled={str(tracking).lower()}")
    if da.shuffleTrackingTimeout is not None:
        out.append(f"spark.dynamicAllocation.shuffleTracking.timeout={da.shuffleTrackingTimeout}")
    return out


def _tcp_probe(**timing: int) -> dict[str, Any]:
    return {"tcpSocket": {"port": CONNECT_SERVER_PORT}, "timeoutSeconds": 1, **timing}


def _server_pod(conn: SparkConnect) -> dict[str, Any]:
    template = _template_dict(conn.spec.server.template)
    meta = copy.deepcopy(template.get("metadata") or {})
    spec = copy.deepcopy(template.get("spec") or {})
    containers: list[dict[str, Any]] = spec.setdefault("containers", [])
    if not containers:
        containers.append({"name": DRIVER_CONTAINER})
    container = next((c for c in containers if c.get("name") == DRIVER_CONTAINER), containers[0])
    if not container.get("image"):
        if not conn.spec.image:
            raise ConnectSpecError(
                f"image is not specified: set spec.image or the image of the server template's "
                f"{DRIVER_CONTAINER} container"
            )
        container["image"] = conn.spec.image
    container["command"] = ["bash", "-c"]
    container["args"] = [" ".join(_start_args(conn))]
    container.setdefault(
        "startupProbe", _tcp_probe(initialDelaySeconds=5, periodSeconds=10, failureThreshold=30)
    )
    container.setdefault("readinessProbe", _tcp_probe(periodSeconds=10, failureThreshold=3))
    container["env"] = [
        *(container.get("env") or []),
        {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "SPARK_NO_DAEMONIZE", "value": "true"},
    ]
    mount = {"name": _CONF_VOLUME, "subPath": EXECUTOR_TEMPLATE_FILE, "mountPath": EXECUTOR_TEMPLATE_MOUNT}
    container["volumeMounts"] = [*(container.get("volumeMounts") or []), {**mount, "readOnly": True}]
    container["lifecycle"] = {
        "preStop": {"exec": {"command": ["bash", "-c", "${SPARK_HOME}/sbin/stop-connect-server.sh"]}}
    }
    items = [{"key": EXECUTOR_TEMPLATE_FILE, "path": EXECUTOR_TEMPLATE_FILE}]
    volume = {"name": _CONF_VOLUME, "configMap": {"name": f"{conn.metadata.name}-conf", "items": items}}
    spec["volumes"] = [*(spec.get("volumes") or []), volume]
    meta["name"] = server_pod_name(conn)
    meta["namespace"] = conn.metadata.namespace
    meta["labels"] = {**(meta.get("labels") or {}), **_server_labels(conn)}
    meta["ownerReferences"] = [_owner(conn)]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def _service(conn: SparkConnect) -> dict[str, Any]:
    given = copy.deepcopy(conn.spec.server.service or {})
    meta = given.get("metadata") or {}
    spec = given.get("spec") or {}
    spec["ports"] = [
        {"name": n, "port": p, "targetPort": p, "protocol": "TCP", "appProtocol": proto}
        for n, p, proto in _SERVICE_PORTS
    ]
    spec["selector"] = {**(spec.get("selector") or {}), **_server_labels(conn)}
    meta.update(name=server_service_name(conn), namespace=conn.metadata.namespace)
    meta["labels"] = {**(meta.get("labels") or {}), **_common_labels(conn)}
    meta["ownerReferences"] = [_owner(conn)]
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}


def connect_objects(conn: SparkConnect) -> ConnectObjects:
    """The ConfigMap, server pod and Service of `conn` (stored, with its uid); ConnectSpecError when
    no image is named."""
    template = yaml.safe_dump(_template_dict(conn.spec.executor.template) or None, sort_keys=True)
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": f"{conn.metadata.name}-conf",
            "namespace": conn.metadata.namespace,
            "labels": _common_labels(conn),
            "ownerReferences": [_owner(conn)],
        },
        "data": {EXECUTOR_TEMPLATE_FILE: template},
    }
    return ConnectObjects(config_map, _server_pod(conn), _service(conn))


def _ready(pod: Mapping[str, Any]) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def _condition(old: Sequence[Condition], ready: bool, message: str, now: datetime) -> list[Condition]:
    status = "True" if ready else "False"
    previous = next((c for c in old if c.type == CONDITION_SERVER_POD_READY), None)
    since = previous.lastTransitionTime if previous and previous.status == status else format_rfc3339(now)
    condition = Condition(
        type=CONDITION_SERVER_POD_READY,
        status=status,
        reason="ServerPodReady" if ready else "ServerPodNotReady",
        message=message,
        lastTransitionTime=since,
    )
    return [*(c for c in old if c.type != CONDITION_SERVER_POD_READY), condition]


def connect_status(
    conn: SparkConnect,
    server_pod: Mapping[str, Any] | None,
    executor_pods: Sequence[Mapping[str, Any]],
    now: datetime,
    *,
    failure: str | None = None,
) -> SparkConnectStatus:
    """The status `conn` should have given its server pod and executor pods (lastUpdateTime is the
    caller's, written only with a change). `failure`: why no server pod could be made."""
    old = conn.status or SparkConnectStatus()
    status = old.model_copy(deep=True)
    status.startTime = old.startTime or format_rfc3339(now)
    if failure is not None:
        status.state = SparkConnectState.FAILED
        status.conditions = _condition(old.conditions, False, failure, now)
        return status
    ready = server_pod is not None and _ready(server_pod)
    pod_message = str(((server_pod or {}).get("status") or {}).get("message") or "")
    message = "Server pod is ready" if ready else f"Server pod is not ready: {pod_message}"
    status.conditions = _condition(old.conditions, ready, message, now)
    status.state = SparkConnectState.READY if ready else SparkConnectState.NOT_READY
    pod_meta = (server_pod or {}).get("metadata") or {}
    status.server = SparkConnectServerStatus(
        podName=pod_meta.get("name") or server_pod_name(conn),
        podIp=((server_pod or {}).get("status") or {}).get("podIP"),
        serviceName=server_service_name(conn),
    )
    counts: dict[str, int] = {}
    for pod in executor_pods:
        phase = str((pod.get("status") or {}).get("phase") or "Pending").lower()
        counts[phase] = counts.get(phase, 0) + 1
    status.executors = counts
    return status
