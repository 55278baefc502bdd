"""What the process kubelet's parts share: its configuration, the pods it tracks and `KubeletContext`
(the store, the clock, the runtime, the node directories and the log archive, with the lookups, status
writes and Events every part makes)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sparkfleet.api.settings import SparkMode
from sparkfleet.clock import Clock
from sparkfleet.cluster import Cluster, NotFound, Obj, record_event
from sparkfleet.runtime.local.archive import LogArchive, LogRetention
from sparkfleet.runtime.local.nodes import NodeDirs
from sparkfleet.runtime.local.paths import inside
from sparkfleet.runtime.local.podstatus import (
    PHASE_FAILED,
    PHASE_SUCCEEDED,
    ContainerReport,
    pod_status,
    same_status,
)
from sparkfleet.runtime.port import ContainerResult, PodRef, Runtime

__all__ = [
    "COMPONENT",
    "START_ERROR_EXIT_CODE",
    "TERMINAL",
    "UNKNOWN_EXIT_CODE",
    "KubeletConfig",
    "KubeletContext",
    "KubeletKey",
    "TrackedPod",
]

COMPONENT = "kubelet"
KubeletKey = tuple[str, str, str]
"""(kind, namespace, name): ("Pod", ns, name), ("Node", "", name) (("Node", "", "") for all node
directories), ("PersistentVolumeClaim", ns, name)."""

START_ERROR_EXIT_CODE = 128
UNKNOWN_EXIT_CODE = 137
TERMINAL = frozenset({PHASE_SUCCEEDED, PHASE_FAILED})


@dataclass(frozen=True, slots=True)
class KubeletConfig:
    poll_interval: float = 1.0
    """Seconds between looks at a running process (its exit is also reported at once, see wake_on_exit)."""
    workdir: Path | None = None
    """Where processes start and relative application paths are found; None: the current directory."""
    cpu_count: int | None = None
    """CPUs a local driver may use; None: all of this machine's."""
    memory_bytes: int | None = None
    """Memory a local driver's heap is capped against (half of it); None: this machine's."""
    housekeeping_interval: float = 10.0
    """Seconds between looks at each node for pods deleted without the kubelet hearing of it (a watch
    that lost events relists only what exists), whose processes and files must go."""
    log_retention: LogRetention = field(default_factory=LogRetention)
    """Which archived container logs are kept; the default keeps them all."""
    archive_sweep_interval: float = 600.0
    """Seconds between sweeps of the log archive."""
    spark_mode: SparkMode = SparkMode.LOCAL
    """How drivers run Spark: in local mode, or on Kubernetes with executor JVMs (api/settings.py, whose
    default the Platform passes; a kubelet made without it has no API for drivers, so local)."""
    memory_budget: int | None = None
    """Bytes the executor JVMs' heaps share; None: half of `memory_bytes` (or of this machine's)."""


@dataclass
class TrackedPod:
    """A pod incarnation this kubelet has files or a process for."""

    uid: str
    node: str
    executors_planned: bool = False
    executor_ids: set[int] = field(default_factory=set)
    mounted: bool = False
    """A pod without a process (an executor) has had its volumes set up."""


class KubeletContext:
    """The ports, directories and tracked pods the kubelet's parts act through."""

    def __init__(
        self, cluster: Cluster, clock: Clock, runtime: Runtime, nodes: NodeDirs, archive: LogArchive
    ) -> None:
        self.cluster = cluster
        self.clock = clock
        self.runtime = runtime
        self.nodes = nodes
        self.archive = archive
        self.lock = threading.Lock()
        """Guards `tracked`: pods and nodes are reconciled on several threads."""
        self.tracked: dict[tuple[str, str], TrackedPod] = {}
        self._reaped: set[str] = set()
        """Uids of ended pods whose leftover processes (of an earlier kubelet) were looked for."""

    def get(self, kind: str, namespace: str | None, name: str) -> Obj | None:
        try:
            return self.cluster.get(kind, namespace, name)
        except NotFound:
            return None

    def pods_on(self, node: str) -> list[Obj]:
        return self.cluster.list("Pod", None, field_selector=f"spec.nodeName={node}").items

    def tracked_on(self, node: str) -> list[tuple[tuple[str, str], TrackedPod]]:
        with self.lock:
            return [(key, t) for key, t in self.tracked.items() if t.node == node]

    def stop_process(self, namespace: str, name: str, uid: str) -> None:
        current = self.runtime.status(namespace, name)
        if current is not None and current.pod.uid == uid and current.running:
            self.runtime.stop(namespace, name)

    def adopt(self, pod: Obj, log_path: Path) -> ContainerResult | None:
        """The container an earlier kubelet started for this pod, taken over if it runs or left its exit
        code (see Runtime.adopt)."""
        meta = pod.get("metadata") or {}
        ref = PodRef(str(meta.get("namespace")), str(meta.get("name")), str(meta.get("uid")))
        return self.runtime.adopt(ref, log_path)

    def reap_once(self, uid: str) -> None:
        """End what an earlier kubelet left running for a pod that has ended or lost its node (once per
        pod: a pod this kubelet ran has nothing left over)."""
        with self.lock:
            if uid in self._reaped:
                return
            self._reaped.add(uid)
        self.runtime.reap_orphans(uid)

    def forget(self, namespace: str, name: str, tracked: TrackedPod) -> None:
        """Stop the incarnation's process, archive its logs and remove its files."""
        current = self.runtime.status(namespace, name)
        if current is not None and current.pod.uid == tracked.uid:
            self.runtime.stop(namespace, name)
        self.archive_logs(tracked.node, namespace, name, tracked.uid)
        self.nodes.remove_pod(tracked.node, namespace, name, tracked.uid)
        with self.lock:
            if self.tracked.get((namespace, name)) is tracked:
                del self.tracked[(namespace, name)]

    def archive_logs(self, node: str, namespace: str, name: str, uid: str) -> None:
        logs = self.nodes.node_layout(node).logs_dir(namespace, name, uid)
        if inside(logs, self.nodes.root):  # only the nodes' own logs go to the archive
            self.archive.archive(logs, namespace, name, uid, node, self.clock.now())

    def write(self, pod: Obj, container: Mapping[str, Any], report: ContainerReport) -> None:
        """The pod's status with this container report, written only when it changes."""
        status = pod_status(pod, container, report, self.clock.now())
        if same_status(pod.get("status") or {}, status):
            return
        with contextlib.suppress(NotFound):
            self.cluster.update_status({**pod, "status": status})

    def event(self, pod: Obj, type_: str, reason: str, message: str) -> None:
        with contextlib.suppress(NotFound):
            record_event(self.cluster, pod, type_, reason, message, self.clock.now(), COMPONENT)
