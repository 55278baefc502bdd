"""The driver's Spark conf (its ConfigMap's spark.properties) as a local-mode conf.

On Kubernetes the driver asks the API server for executor pods; here the whole application runs in one
`local[N]` JVM, so the conf changes only where the place differs:
- Kubernetes-only keys go (spark.master, spark.kubernetes.*), and so do the addresses and fixed ports
  that belong to the driver pod (spark.driver.host/bindAddress/port, the block manager ports): several
  drivers share this machine, so Spark picks free ports.
- spark.submit.deployMode becomes client: spark-submit runs the driver itself.
- N is the cores the application asked for, driver plus executors (cores x instances), capped at this
  machine's CPUs; the driver heap covers the executors' memory too, capped at half the machine's memory.
- Event logs on object storage (s3a://...) go to the cluster's event-log directory, which the History
  Server reads; a local directory named by the application is kept (and created).
- spark.local.dir (when set) becomes the host paths of the pod's spark-local-dir volumes, as
  SPARK_LOCAL_DIRS does in the environment, so shuffle and spill files land on the node's disks.
- spark.pyspark.python/driver.python name the image's interpreter: the local one is used instead.
- The UI listens on the loopback port the kubelet gave it (spark.ui.port; drivers share this machine, see
  driverui.py), and its links carry the API server's service-proxy path (spark.ui.proxyBase), the only way
  to it from outside this machine: both replace what the application set.
- Everything else (spark.hadoop.fs.s3a.*, metrics, SQL settings, ...) is kept as it is.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from sparkfleet.api.quantity import QuantityError, spark_memory_bytes
from sparkfleet.api.redaction import shown_setting
from sparkfleet.runtime.port import StartError

__all__ = [
    "REMOTE_SCHEMES",
    "RESOURCE_LISTS",
    "LocalConfInputs",
    "MachinePlaces",
    "event_log_dir",
    "executor_instances",
    "local_conf",
    "local_driver_memory",
    "local_master",
    "place_on_machine",
]

REMOTE_SCHEMES = frozenset(
    {"s3", "s3a", "s3n", "gs", "abfs", "abfss", "wasb", "wasbs", "adl", "hdfs", "oss", "cos", "viewfs"}
)
_DROPPED = frozenset(
    {
        "spark.master",
        "spark.driver.host",
        "spark.driver.bindAddress",
        "spark.driver.port",
        "spark.driver.blockManager.port",
        "spark.blockManager.port",
        "spark.pyspark.python",
        "spark.pyspark.driver.python",
    }
)
_KUBERNETES_PREFIX = "spark.kubernetes."
RESOURCE_LISTS = ("spark.jars", "spark.files", "spark.submit.pyFiles", "spark.archives")
_DEFAULT_MEMORY = 1024 * 2**20  # spark.driver.memory / spark.executor.memory default: 1g


@dataclass(frozen=True, slots=True)
class LocalConfInputs:
    event_log_dir: Path
    """The cluster's event-log directory (`<home>/eventlogs`)."""
    local_dirs: str | None
    """Host paths for spark.local.dir (comma-separated), or None to keep the conf's."""
    cpu_count: int
    memory_bytes: int
    """This machine's memory."""
    resolve_resource: Callable[[str, str], str]
    """(uri, where it came from) -> the local path or URI spark-submit should use; raises StartError."""
    ui_port: int | None = None
    """The loopback port the driver's UI gets (None: the conf's spark.ui.port stays)."""
    ui_proxy_base: str | None = None
    """The service-proxy path the UI is reached at (None: the conf's spark.ui.proxyBase stays)."""


def _int(conf: Mapping[str, str], key: str, default: int) -> int:
    value = conf.get(key)
    if value is None or not value.strip():
        return default
    try:
        return int(float(value.strip()))
    except ValueError:
        raise StartError(f"{shown_setting(key, value)}: expected a whole number") from None


def _true(conf: Mapping[str, str], key: str) -> bool:
    return conf.get(key, "").strip().lower() == "true"


def executor_instances(conf: Mapping[str, str]) -> int:
    """How many executors the driver asks for first (Spark's getInitialTargetExecutorNumber)."""
    if _true(conf, "spark.dynamicAllocation.enabled"):
        minimum = _int(conf, "spark.dynamicAllocation.minExecutors", 0)
        initial = _int(conf, "spark.dynamicAllocation.initialExecutors", minimum)
        return max(minimum, initial, _int(conf, "spark.executor.instances", 0))
    return _int(conf, "spark.executor.instances", 2)


def local_master(conf: Mapping[str, str], cpu_count: int) -> str:
    """`local[N]`: the driver's and the executors' cores, at most this machine's CPUs."""
    wanted = max(_int(conf, "spark.driver.cores", 1), 1) + max(
        _int(conf, "spark.executor.cores", 1), 1
    ) * executor_instances(conf)
    return f"local[{max(1, min(wanted, cpu_count))}]"


def _memory(conf: Mapping[str, str], key: str) -> int:
    value = conf.get(key)
    if not value:
        return _DEFAULT_MEMORY
    try:
        return spark_memory_bytes(value)
    except QuantityError as exc:
        raise StartError(f"{key}: {exc}") from None


def local_driver_memory(conf: Mapping[str, str], memory_bytes: int) -> str:
    """The heap for one JVM doing the work of the driver and its executors: their memory together,
    at most half this machine's memory, never less than the driver asked for."""
    driver = _memory(conf, "spark.driver.memory")
    wanted = driver + _memory(conf, "spark.executor.memory") * executor_instances(conf)
    heap = max(driver, min(wanted, memory_bytes // 2))
    return f"{math.ceil(heap / 2**20)}m"


def _is_remote(uri: str) -> bool:
    return urlparse(uri).scheme.lower() in REMOTE_SCHEMES


def event_log_dir(conf: Mapping[str, str], default: Path) -> str:
    """spark.eventLog.dir on this machine: the application's local directory (made), else `default`."""
    configured = conf.get("spark.eventLog.dir", "").strip()
    if not configured or _is_remote(configured):
        default.mkdir(parents=True, exist_ok=True)
        return default.resolve().as_uri()
    parsed = urlparse(configured)
    if parsed.scheme in ("", "file"):
        Path(parsed.path if parsed.scheme else configured).mkdir(parents=True, exist_ok=True)
    return configured


def local_conf(conf: Mapping[str, str], inputs: LocalConfInputs) -> dict[str, str]:
    """The local-mode conf for a driver whose Kubernetes conf is `conf`."""
    local = {
        key: value
        for key, value in conf.items()
        if key not in _DROPPED and not key.startswith(_KUBERNETES_PREFIX)
    }
    local["spark.submit.deployMode"] = "client"
    local["spark.driver.memory"] = local_driver_memory(conf, inputs.memory_bytes)
    place_on_machine(local, conf, inputs)
    return local


class MachinePlaces(Protocol):
    """Where this machine keeps what a pod keeps in its own places (both modes' conf inputs say)."""

    @property
    def event_log_dir(self) -> Path: ...
    @property
    def local_dirs(self) -> str | None: ...
    @property
    def ui_port(self) -> int | None: ...
    @property
    def ui_proxy_base(self) -> str | None: ...
    @property
    def resolve_resource(self) -> Callable[[str, str], str]: ...


def place_on_machine(out: dict[str, str], conf: Mapping[str, str], places: MachinePlaces) -> None:
    """What both Spark modes change in `out` where this machine is not a pod (see the module docstring):
    the event-log directory, spark.local.dir, the UI's port and proxy base, the resource lists."""
    if "spark.eventLog.dir" in conf or _true(conf, "spark.eventLog.enabled"):
        out["spark.eventLog.dir"] = event_log_dir(conf, places.event_log_dir)
    # SPARK_LOCAL_DIRS (set for the process as in the pod) is what Spark uses; a spark.local.dir of the
    # application is mapped too, so both name the node's directories.
    if places.local_dirs and "spark.local.dir" in conf:
        out["spark.local.dir"] = places.local_dirs
    if places.ui_port is not None:
        out["spark.ui.port"] = str(places.ui_port)
    if places.ui_proxy_base is not None:
        out["spark.ui.proxyBase"] = places.ui_proxy_base
    resolve = places.resolve_resource
    for key in RESOURCE_LISTS:
        value = out.get(key, "")
        if value.strip():
            out[key] = ",".join(resolve(item.strip(), key) for item in value.split(",") if item.strip())


def machine_memory() -> int:
    """This machine's physical memory in bytes (8 GiB when the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30
