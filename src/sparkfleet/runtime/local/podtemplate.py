"""The executor pod template a driver running Spark on Kubernetes gives Spark
(spark.kubernetes.executor.podTemplateFile).

Submission builds each application's executor pod whole, as spark-submit's feature steps and the Spark
Operator's mutating webhook together would make it (node selector, tolerations, affinity, scheduler
name, the application's volumes and env, ...), and stores it with the driver. When Spark's own backend
creates the executors, the operator's webhook would patch those same fields onto the pods Spark creates;
here they reach Spark as its pod template instead, so its executors come out as the operator's would.
Spark then adds what its feature steps own: the name, its labels, the executor's env, args, ports and
resources, the conf volume and the `spark-local-dir-*` volumes of its conf (OnDemand claims included,
which it creates itself). Those parts are left out of the template, so nothing is declared twice.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from sparkfleet.api.wire import EXECUTOR_CONTAINER, LOCAL_DIR_VOLUME_PREFIX
from sparkfleet.engine.submission import (
    EXECUTOR_CONF_VOLUME,
    EXECUTOR_SPARK_ENV,
    JAVA_OPT_PREFIX,
    RESERVED_EXECUTOR_LABELS,
)

__all__ = ["executor_pod_template"]

Obj = dict[str, Any]

_SPARK_LABELS = frozenset(RESERVED_EXECUTOR_LABELS)
_PLACEHOLDER = "{{"
"""Submission leaves `{{APP_ID}}` and `{{EXECUTOR_ID}}` in the template: Spark's own values go there."""


def _spark_owned_volume(volume: Mapping[str, Any]) -> bool:
    name = str(volume.get("name") or "")
    claim = str((volume.get("persistentVolumeClaim") or {}).get("claimName") or "")
    return name.startswith(LOCAL_DIR_VOLUME_PREFIX) or name == EXECUTOR_CONF_VOLUME or _PLACEHOLDER in claim


def _spark_owned_env(var: Mapping[str, Any]) -> bool:
    name = str(var.get("name") or "")
    return name in EXECUTOR_SPARK_ENV or name.startswith(JAVA_OPT_PREFIX)


def executor_pod_template(executor_pod: Mapping[str, Any]) -> Obj:
    """The pod template for Spark from submission's executor pod (left unchanged)."""
    pod: Obj = copy.deepcopy(dict(executor_pod))
    meta: Obj = pod.setdefault("metadata", {})
    for key in ("name", "namespace", "ownerReferences", "uid", "resourceVersion"):
        meta.pop(key, None)
    labels = meta.get("labels") or {}
    meta["labels"] = {k: v for k, v in labels.items() if k not in _SPARK_LABELS and _PLACEHOLDER not in v}
    spec: Obj = pod.setdefault("spec", {})
    spec.pop("hostname", None)
    dropped = {str(v.get("name")) for v in spec.get("volumes") or [] if _spark_owned_volume(v)}
    spec["volumes"] = [v for v in spec.get("volumes") or [] if str(v.get("name")) not in dropped]
    for container in spec.get("containers") or []:
        container["volumeMounts"] = [
            m for m in container.get("volumeMounts") or [] if str(m.get("name")) not in dropped
        ]
        if container.get("name") != EXECUTOR_CONTAINER:
            continue
        container["env"] = [v for v in container.get("env") or [] if not _spark_owned_env(v)]
        for key in ("args", "command", "ports", "resources"):
            container.pop(key, None)
    return pod
