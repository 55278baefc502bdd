"""A running driver's executor pods, created as Spark's Kubernetes backend would and ended with the driver.

The kubelet plays the part of the driver's ExecutorPodsAllocator: once the driver runs, it creates
executors 1..N (N = the initial executor target of the driver's conf) from the executor template its
submission stored with it, owned by the driver pod, with the claims of their OnDemand volumes and the
executors' conf ConfigMap. They are
scheduled like any pod (a gang's executors take their placeholders' places). In local mode the driver's
JVM runs the tasks itself, so an executor pod runs no process: it holds its resources and its volumes,
and ends when the driver ends, Succeeded when the driver succeeded, Failed (exit code 1, as an executor
that loses its driver exits) otherwise. Executors never bound are deleted, as Spark deletes its pending
executor pods when it stops. An executor deleted while its driver runs is not replaced."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sparkfleet.api.timefmt import parse_rfc3339
from sparkfleet.api.wire import (
    EXECUTOR_CONTAINERS,
    LABEL_SPARK_APP_SELECTOR,
    LABEL_SPARK_EXECUTOR_ID,
    LABEL_SPARK_ROLE,
    SparkRole,
)
from sparkfleet.cluster import AlreadyExists, Cluster, NotFound, Obj
from sparkfleet.engine.submission import (
    DRIVER_CONF_VOLUME,
    EXECUTOR_TEMPLATE_KEY,
    SPARK_PROPERTIES,
    ExecutorTemplate,
    build_executor_config_map,
    parse_properties,
)
from sparkfleet.runtime.local.localconf import executor_instances
from sparkfleet.runtime.local.podstatus import PHASE_FAILED, PHASE_SUCCEEDED, pod_status, terminated

__all__ = [
    "EXECUTOR_EXIT_ON_DRIVER_LOSS",
    "DriverExecutors",
    "create_executors",
    "driver_executors",
    "executors_of",
    "finish_executors",
    "main_container",
    "write_executor_note",
]

log = logging.getLogger("sparkfleet.runtime.local")

EXECUTOR_EXIT_ON_DRIVER_LOSS = 1
"""CoarseGrainedExecutorBackend exits with 1 when its driver goes away."""
_TERMINAL = frozenset({PHASE_SUCCEEDED, PHASE_FAILED})


def _meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def main_container(pod: Mapping[str, Any], names: tuple[str, ...] = EXECUTOR_CONTAINERS) -> dict[str, Any]:
    """The container named in `names`, else the first one (an empty dict when there is none)."""
    containers = [c for c in (pod.get("spec") or {}).get("containers") or [] if isinstance(c, dict)]
    for container in containers:
        if container.get("name") in names:
            return container
    return containers[0] if containers else {}


@dataclass(frozen=True, slots=True)
class DriverExecutors:
    """What a driver's executors are made from: its submission's executor template and its own conf."""

    app_id: str
    namespace: str
    conf: Mapping[str, str]
    """The driver's spark.properties (its own spark.app.submitTime included)."""
    template: ExecutorTemplate


def _conf_map_name(driver: Obj) -> str | None:
    for volume in (driver.get("spec") or {}).get("volumes") or []:
        if volume.get("name") == DRIVER_CONF_VOLUME:
            name = (volume.get("configMap") or {}).get("name")
            return str(name) if name else None
    return None


def driver_executors(cluster: Cluster, driver: Obj) -> DriverExecutors | None:
    """What `driver`'s executors are made from, read from its conf ConfigMap; None for a driver whose
    ConfigMap holds no executor template (one spark-submit made, whose Spark makes its own executors)."""
    # Read from the driver's conf ConfigMap rather than rebuilt from the SparkApplication: it is immutable,
    # owned by the driver and created with it, so the executors match what the driver was submitted with
    # even when the application is edited or deleted meanwhile, and the conf is the driver's very own.
    meta = _meta(driver)
    app_id = (meta.get("labels") or {}).get(LABEL_SPARK_APP_SELECTOR)
    name = _conf_map_name(driver)
    if not app_id or name is None:
        return None
    try:
        data = cluster.get("ConfigMap", meta.get("namespace"), name).get("data") or {}
    except NotFound:
        return None
    text = data.get(EXECUTOR_TEMPLATE_KEY)
    if text is None:
        return None
    try:
        template = ExecutorTemplate.from_json(text)
    except (ValueError, KeyError, TypeError) as exc:
        log.warning(
            "driver %s: ConfigMap %s holds no usable executor template: %s", meta.get("name"), name, exc
        )
        return None
    conf = parse_properties(data.get(SPARK_PROPERTIES) or "")
    return DriverExecutors(str(app_id), str(meta.get("namespace") or "default"), conf, template)


def create_executors(
    cluster: Cluster, executors: DriverExecutors, driver: Obj, done: set[int], now: datetime
) -> list[int]:
    """Create the executors not in `done`, with their claims and, first, the executors' conf ConfigMap
    (all owned by the driver); returns the ids now created or found."""
    made: list[int] = []
    template, app_id = executors.template, executors.app_id
    config_map = build_executor_config_map(
        template.config_map, executors.namespace, app_id, driver_pod=driver, written_at=now
    )
    with contextlib.suppress(AlreadyExists):
        cluster.create(config_map)
    for executor_id in range(1, executor_instances(executors.conf) + 1):
        if executor_id in done:
            continue
        for claim in template.volume_claims(app_id, executor_id, driver_pod=driver):
            with contextlib.suppress(AlreadyExists):
                cluster.create(claim)
        with contextlib.suppress(AlreadyExists):
            cluster.create(template.executor_pod(app_id, executor_id, driver_pod=driver))
        made.append(executor_id)
    return made


def executors_of(cluster: Cluster, driver: Obj) -> list[Obj]:
    """The executor pods the driver owns."""
    meta = _meta(driver)
    app_id = (meta.get("labels") or {}).get(LABEL_SPARK_APP_SELECTOR)
    if not app_id:
        return []
    selector = {LABEL_SPARK_APP_SELECTOR: app_id, LABEL_SPARK_ROLE: SparkRole.EXECUTOR}
    pods = cluster.list("Pod", meta.get("namespace"), label_selector=selector).items
    uid = meta.get("uid")
    return [p for p in pods if any(r.get("uid") == uid for r in _meta(p).get("ownerReferences") or [])]


def executor_end(driver_exit_code: int, driver_name: str) -> tuple[int, str, str | None]:
    """(exit code, reason, message) of an executor whose driver exited with `driver_exit_code`."""
    if driver_exit_code == 0:
        return 0, "Completed", None
    return (
        EXECUTOR_EXIT_ON_DRIVER_LOSS,
        "Error",
        f"driver {driver_name} exited with code {driver_exit_code}; the executor shut down with it",
    )


def finish_executors(cluster: Cluster, driver: Obj, driver_exit_code: int, now: datetime) -> None:
    """End the driver's executors: bound ones terminate as the driver did, unbound ones are deleted."""
    name = str(_meta(driver).get("name"))
    exit_code, reason, message = executor_end(driver_exit_code, name)
    for pod in executors_of(cluster, driver):
        status = pod.get("status") or {}
        if status.get("phase") in _TERMINAL:
            continue
        meta = _meta(pod)
        if not (pod.get("spec") or {}).get("nodeName"):
            with contextlib.suppress(NotFound):
                cluster.delete("Pod", meta.get("namespace"), meta.get("name", ""))
            continue
        started = parse_rfc3339(status["startTime"]) if status.get("startTime") else now
        report = terminated(started, now, exit_code, reason, message)
        with contextlib.suppress(NotFound):
            cluster.update_status({**pod, "status": pod_status(pod, main_container(pod), report, now)})


EXECUTOR_NOTE = (
    "executor {id} of {app}: its tasks run inside the driver process {driver} (Spark local mode on the "
    "local runtime); read the driver's log for their output\n"
)


def write_executor_note(path: Path, executor: Mapping[str, Any], driver: Mapping[str, Any] | None) -> None:
    """An executor's log on the local runtime: where its tasks' output is instead (written once)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    labels = _meta(executor).get("labels") or {}
    path.write_text(
        EXECUTOR_NOTE.format(
            id=labels.get(LABEL_SPARK_EXECUTOR_ID, "?"),
            app=labels.get(LABEL_SPARK_APP_SELECTOR, "?"),
            driver=_meta(driver).get("name", "?") if driver is not None else "(gone)",
        )
    )
