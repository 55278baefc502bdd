"""What the kubelet reads off a pod: its metadata, Spark role, phase and what earlier kubelets reported."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sparkfleet.api.timefmt import parse_rfc3339
from sparkfleet.api.wire import ANNOTATION_PLACEHOLDER, DRIVER_CONTAINER, LABEL_SPARK_ROLE, SparkRole
from sparkfleet.runtime.local.executors import main_container
from sparkfleet.runtime.local.podstatus import PHASE_SUCCEEDED

__all__ = [
    "ANNOTATION_PLACEHOLDER",
    "driver_exit_code",
    "is_placeholder",
    "kubelet_container",
    "metadata",
    "phase",
    "ran_before",
    "spark_role",
    "started_at",
]


def metadata(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def phase(pod: Mapping[str, Any]) -> str:
    return str((pod.get("status") or {}).get("phase") or "")


def is_placeholder(pod: Mapping[str, Any]) -> bool:
    value = (metadata(pod).get("annotations") or {}).get(ANNOTATION_PLACEHOLDER, "")
    return str(value).lower() in ("true", "1", "t")


def spark_role(pod: Mapping[str, Any]) -> str:
    return str((metadata(pod).get("labels") or {}).get(LABEL_SPARK_ROLE) or "")


def kubelet_container(pod: Mapping[str, Any]) -> dict[str, Any]:
    """The container the kubelet runs and reports: a driver's Spark container, else the main one."""
    if spark_role(pod) == SparkRole.DRIVER:
        return main_container(pod, (DRIVER_CONTAINER,))
    return main_container(pod)


def started_at(pod: Mapping[str, Any], now: datetime) -> datetime:
    start = (pod.get("status") or {}).get("startTime")
    return parse_rfc3339(start) if isinstance(start, str) else now


def ran_before(pod: Mapping[str, Any]) -> bool:
    """Whether an earlier kubelet reported this pod's container running."""
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        if isinstance(status, Mapping) and "running" in (status.get("state") or {}):
            return True
    return False


def driver_exit_code(driver: Mapping[str, Any]) -> int:
    for status in (driver.get("status") or {}).get("containerStatuses") or []:
        terminated_state = (status.get("state") or {}).get("terminated") or {}
        if isinstance(terminated_state.get("exitCode"), int):
            return int(terminated_state["exitCode"])
    return 0 if phase(driver) == PHASE_SUCCEEDED else 1
