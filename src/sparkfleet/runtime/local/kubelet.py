"""The process kubelet: the pods bound to this cluster's nodes, run on this machine.

A Reconciler (see sparkfleet.reconcile) keyed by (kind, namespace, name). For a pod bound to a node
(spec.nodeName) that exists:
- a YuniKorn placeholder holds its resources and runs nothing: Running, no process;
- a Spark driver (label spark-role=driver) runs as a real `spark-submit` process in local mode (see
  driver.py): Running with its container running, then Succeeded (exit 0) or Failed with the container's
  exit code, reason and the log's last lines; while it runs, its executor pods are created as Spark's
  backend would (executors.py);
- a Spark executor runs no process (the driver's JVM does the work): Running once bound, ended with its
  driver;
- any other pod runs its main container's command as a process, or, without a command (there is no
  image to take an entrypoint from), is simply Running.
A pod that cannot start (a refused application file, a volume that cannot exist here) is Failed with a
terminated container of reason StartError (exit code 128) and a Warning Event saying why; a volume whose
ConfigMap or claim is not there yet is retried with a FailedMount Event. A deleted pod's process is
stopped and its files removed; pods of a deleted node fail with reason NodeLost. Container logs are
archived in the cluster home (archive.py) when a pod ends, before its files are removed, and before its
node's directory goes; archives older than the retention are swept. A pod whose container
was running under an earlier kubelet (the cluster process was killed) is Failed with
ContainerStatusUnknown, after any process of it that survived has been killed.

Node events keep the node directories: created when a node registers, swept of dead pods' files, removed
with the node. Claim and PersistentVolume events release the volumes of deleted claims (claims.py).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sparkfleet.api.wire import (
    ANNOTATION_PROVISIONED_BY,
    DRIVER_CONTAINER,
    LABEL_SPARK_VERSION,
    PROVISIONER_LOCAL_VOLUME,
    EventType,
    SparkRole,
)
from sparkfleet.clock import Clock
from sparkfleet.cluster import Cluster, ClusterError, NotFound, Obj, WatchEvent, WatchEventType, record_event
from sparkfleet.reconcile import Result
from sparkfleet.runtime.local.archive import LogArchive, LogRetention
from sparkfleet.runtime.local.claims import claim_volume, release_volumes
from sparkfleet.runtime.local.driver import LaunchContext, command_plan, driver_plan
from sparkfleet.runtime.local.executors import (
    create_executors,
    driver_executors,
    executor_end,
    finish_executors,
    main_container,
    write_executor_note,
)
from sparkfleet.runtime.local.install import SparkInstall, find_spark
from sparkfleet.runtime.local.localconf import machine_memory
from sparkfleet.runtime.local.nodes import NodeDirs, NodeLayout
from sparkfleet.runtime.local.paths import inside
from sparkfleet.runtime.local.podinfo import (
    driver_exit_code,
    is_placeholder,
    kubelet_container,
    metadata,
    phase,
    ran_before,
    spark_role,
    started_at,
)
from sparkfleet.runtime.local.podstatus import (
    PHASE_FAILED,
    PHASE_SUCCEEDED,
    ContainerReport,
    container_report,
    pod_status,
    running,
    same_status,
    terminated,
)
from sparkfleet.runtime.local.volumes import MountPending, MountTable, check_pod_names, mount_volumes
from sparkfleet.runtime.port import PodRef, ProcessPlan, Runtime, StartError

__all__ = ["COMPONENT", "KubeletConfig", "KubeletKey", "KubeletReconciler"]

log = logging.getLogger("sparkfleet.runtime.local")

COMPONENT = "kubelet"
KubeletKey = tuple[str, str, str]
"""(kind, namespace, name): ("Pod", ns, name), ("Node", "", name) (("Node", "", "") for all node
directories), ("PersistentVolumeClaim", ns, name)."""

START_ERROR_EXIT_CODE = 128
UNKNOWN_EXIT_CODE = 137
_TERMINAL = frozenset({PHASE_SUCCEEDED, PHASE_FAILED})
_LOST_MESSAGE = "The container could not be located when the pod was terminated"


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


@dataclass
class _Tracked:
    """A pod incarnation this kubelet has files or a process for."""

    uid: str
    node: str
    executors_planned: bool = False
    executor_ids: set[int] = field(default_factory=set)
    mounted: bool = False
    """A pod without a process (an executor) has had its volumes set up."""


class KubeletReconciler:
    """Reconciler (see sparkfleet.reconcile) running the pods of this cluster's nodes as local processes."""

    name = "kubelet"

    def __init__(
        self,
        cluster: Cluster,
        clock: Clock,
        runtime: Runtime,
        home: Path,
        *,
        config: KubeletConfig | None = None,
        spark: SparkInstall | None = None,
    ) -> None:
        """`home`: the cluster's data directory (nodes/ and eventlogs/ go under it); `spark`: the Spark
        and Java to run drivers with (found on first use when None)."""
        self.cluster = cluster
        self.clock = clock
        self.runtime = runtime
        self.home = Path(home)
        self.nodes = NodeDirs(self.home)
        self.archive = LogArchive(self.home)
        self.config = config or KubeletConfig()
        self.event_log_dir = self.home / "eventlogs"
        self.workdir = self.config.workdir or Path.cwd()
        self._spark = spark
        self._lock = threading.Lock()
        self._tracked: dict[tuple[str, str], _Tracked] = {}

    # -- wiring ---------------------------------------------------------------------------------------
    def wake_on_exit(self, add: Callable[[KubeletKey], None]) -> None:
        """Queue a pod's key through `add` (a controller's queue.add) the moment its process exits."""
        self.runtime.add_exit_listener(lambda pod: add(("Pod", pod.namespace, pod.name)))

    def shutdown(self) -> None:
        """Stop every process and report how the pods ended (call before the store closes): a driver
        stopped with the cluster fails (exit code 143), and the operator retries it per its policy."""
        for result in self.runtime.stop_all():
            pod = self._get("Pod", result.pod.namespace, result.pod.name)
            if pod is None or metadata(pod).get("uid") != result.pod.uid or phase(pod) in _TERMINAL:
                continue
            driver = spark_role(pod) == SparkRole.DRIVER
            container = kubelet_container(pod)
            try:
                self._write(pod, container, container_report(result))
                if driver:
                    finish_executors(self.cluster, pod, result.exit_code or 0, self.clock.now())
            except ClusterError as exc:
                log.warning("could not report how %s ended: %s", result.pod, exc)

    # -- Reconciler protocol --------------------------------------------------------------------------
    def watches(self) -> Sequence[str]:
        return ("Pod", "Node", "PersistentVolumeClaim", "PersistentVolume")

    def keys_for(self, event: WatchEvent) -> Iterable[KubeletKey]:
        obj, kind = event.object, event.object.get("kind")
        meta = metadata(obj)
        if kind == "Pod":
            return [("Pod", meta.get("namespace") or "default", meta.get("name", ""))]
        if kind == "Node":
            if event.type == WatchEventType.MODIFIED:
                return []
            # ("Node", "", ""): every node directory, so those of nodes deleted unnoticed go too.
            return [("Node", "", meta.get("name", "")), ("Node", "", "")]
        if kind == "PersistentVolumeClaim" and event.type == WatchEventType.DELETED:
            return [("PersistentVolumeClaim", meta.get("namespace") or "default", meta.get("name", ""))]
        if kind == "PersistentVolume" and event.type != WatchEventType.DELETED:
            ref = (obj.get("spec") or {}).get("claimRef") or {}
            ours = (meta.get("annotations") or {}).get(ANNOTATION_PROVISIONED_BY) == PROVISIONER_LOCAL_VOLUME
            if ours and ref.get("name"):
                return [("PersistentVolumeClaim", ref.get("namespace") or "default", ref["name"])]
        return []

    def reconcile(self, key: KubeletKey) -> Result:
        kind, namespace, name = key
        if kind == "Pod":
            return self._reconcile_pod(namespace, name)
        if kind == "Node":
            return self._reconcile_node(name)
        if kind == "PersistentVolumeClaim":
            release_volumes(self.cluster, namespace, name, self.nodes.root)
        return Result()

    # -- pods -----------------------------------------------------------------------------------------
    def _reconcile_pod(self, namespace: str, name: str) -> Result:
        pod = self._get("Pod", namespace, name)
        with self._lock:
            tracked = self._tracked.get((namespace, name))
        uid = str(metadata(pod).get("uid") or "") if pod is not None else ""
        if tracked is not None and tracked.uid != uid:
            self._forget(namespace, name, tracked)
            tracked = None
        if pod is None:
            return Result()
        node_name = (pod.get("spec") or {}).get("nodeName")
        if not node_name:
            return Result()
        if phase(pod) in _TERMINAL:
            self._stop_process(namespace, name, uid)
            self._archive(str(node_name), namespace, name, uid)
            if spark_role(pod) == SparkRole.DRIVER:
                finish_executors(self.cluster, pod, driver_exit_code(pod), self.clock.now())
            return Result()
        node = self._get("Node", None, str(node_name))
        if node is None:
            self._node_lost(pod, str(node_name))
            return Result()
        layout = self.nodes.ensure(node)
        if tracked is None:
            tracked = _Tracked(uid, layout.name)
            with self._lock:
                self._tracked[(namespace, name)] = tracked
        if is_placeholder(pod):
            self._write(pod, main_container(pod), running(started_at(pod, self.clock.now())))
            return Result()
        role = spark_role(pod)
        if role == SparkRole.EXECUTOR:
            return self._executor(pod, layout, tracked)
        if role == SparkRole.DRIVER:
            return self._container(pod, layout, tracked, main_container(pod, (DRIVER_CONTAINER,)), True)
        return self._container(pod, layout, tracked, main_container(pod), False)

    def _executor(self, pod: Obj, layout: NodeLayout, tracked: _Tracked) -> Result:
        meta = metadata(pod)
        now = self.clock.now()
        container = main_container(pod)
        owner = next((r for r in meta.get("ownerReferences") or [] if r.get("kind") == "Pod"), None)
        driver = self._get("Pod", meta.get("namespace"), owner["name"]) if owner else None
        if driver is not None and owner is not None and metadata(driver).get("uid") != owner.get("uid"):
            driver = None
        if driver is not None and phase(driver) in _TERMINAL:
            code, reason, message = executor_end(driver_exit_code(driver), owner["name"] if owner else "")
            self._write(pod, container, terminated(started_at(pod, now), now, code, reason, message))
            return Result()
        try:
            # No process, but its volumes are real: OnDemand claims get their volumes, emptyDirs exist.
            if not tracked.mounted:
                self._mount(pod, layout, container)
                tracked.mounted = True
            write_executor_note(self._log_path(layout, metadata(pod), container), pod, driver)
        except MountPending as exc:
            self._event(pod, EventType.WARNING, "FailedMount", f"MountVolume.SetUp failed: {exc}")
            return Result(requeue_after=self.config.poll_interval)
        except StartError as exc:
            self._write(pod, container, terminated(now, now, START_ERROR_EXIT_CODE, "StartError", str(exc)))
            self._event(pod, EventType.WARNING, "Failed", f"Error: {exc}")
            return Result()
        self._write(pod, container, running(started_at(pod, now)))
        return Result()

    def _container(
        self, pod: Obj, layout: NodeLayout, tracked: _Tracked, container: Mapping[str, Any], driver: bool
    ) -> Result:
        meta = metadata(pod)
        namespace, name, uid = str(meta.get("namespace")), str(meta.get("name")), str(meta.get("uid"))
        now = self.clock.now()
        current = self.runtime.status(namespace, name)
        if current is not None and current.pod.uid != uid:
            self.runtime.stop(namespace, name)
            current = None
        if current is None and not driver and not container.get("command"):
            # No command and no image to take an entrypoint from: the pod runs, with nothing to run.
            self._write(pod, container, running(started_at(pod, now)))
            return Result()
        if current is None:
            if ran_before(pod):
                self.runtime.reap_orphans(uid)
                start = started_at(pod, now)
                report = terminated(start, now, UNKNOWN_EXIT_CODE, "ContainerStatusUnknown", _LOST_MESSAGE)
                self._write(pod, container, report)
                self._event(pod, EventType.WARNING, "ContainerStatusUnknown", _LOST_MESSAGE)
                if driver:
                    finish_executors(self.cluster, pod, UNKNOWN_EXIT_CODE, now)
                return Result()
            try:
                plan = self._plan(pod, layout, container, driver)
                if plan is None:
                    raise StartError(f"container {container.get('name')} has no command to run")
                current = self.runtime.start(PodRef(namespace, name, uid), plan)
            except MountPending as exc:
                self._event(pod, EventType.WARNING, "FailedMount", f"MountVolume.SetUp failed: {exc}")
                return Result(requeue_after=self.config.poll_interval)
            except StartError as exc:
                report = terminated(now, now, START_ERROR_EXIT_CODE, "StartError", str(exc))
                self._write(pod, container, report)
                self._event(pod, EventType.WARNING, "Failed", f"Error: {exc}")
                if driver:
                    finish_executors(self.cluster, pod, START_ERROR_EXIT_CODE, now)
                return Result()
            self._event(pod, EventType.NORMAL, "Started", f"Started container {container.get('name')}")
            if driver:
                self._version_note(pod)
        self._write(pod, container, container_report(current))
        if current.running:
            if driver:
                self._ensure_executors(pod, tracked)
            return Result(requeue_after=self.config.poll_interval)
        if driver:
            finish_executors(self.cluster, pod, current.exit_code or 0, self.clock.now())
        return Result()

    def _config_maps(self, namespace: str) -> Callable[[str], Obj | None]:
        return lambda name: self._get("ConfigMap", namespace, name)

    def _mount(self, pod: Obj, layout: NodeLayout, container: Mapping[str, Any]) -> MountTable:
        meta = metadata(pod)
        namespace, name, uid = str(meta.get("namespace")), str(meta.get("name")), str(meta.get("uid"))
        check_pod_names(pod)  # before any of its names becomes a directory
        pod_dir = layout.contain(layout.pod_dir(namespace, name, uid), f"pod {namespace}/{name}")
        pod_dir.mkdir(parents=True, exist_ok=True)

        def claims(claim_name: str) -> Path:
            return claim_volume(self.cluster, namespace, claim_name, layout)

        return mount_volumes(
            pod, container, layout, pod_dir, config_maps=self._config_maps(namespace), claims=claims
        )

    def _plan(
        self, pod: Obj, layout: NodeLayout, container: Mapping[str, Any], driver: bool
    ) -> ProcessPlan | None:
        meta = metadata(pod)
        mounts = self._mount(pod, layout, container)
        config_maps = self._config_maps(str(meta.get("namespace")))
        log_path = self._log_path(layout, meta, container)
        if driver:
            pod_dir = layout.pod_dir(str(meta.get("namespace")), str(meta.get("name")), str(meta.get("uid")))
            return driver_plan(pod, container, mounts, pod_dir, log_path, self._launch_context(), config_maps)
        return command_plan(pod, container, mounts, log_path, os.environ, self.workdir, config_maps)

    def _launch_context(self) -> LaunchContext:
        if self._spark is None:
            self._spark = find_spark()
        return LaunchContext(
            spark=self._spark,
            event_log_dir=self.event_log_dir,
            workdir=self.workdir,
            cpu_count=self.config.cpu_count or os.cpu_count() or 1,
            memory_bytes=self.config.memory_bytes or machine_memory(),
            base_env=dict(os.environ),
        )

    @staticmethod
    def _log_path(layout: NodeLayout, meta: Mapping[str, Any], container: Mapping[str, Any]) -> Path:
        namespace, name, uid = str(meta.get("namespace")), str(meta.get("name")), str(meta.get("uid"))
        container_name = str(container.get("name") or "")
        log_path = layout.container_log(namespace, name, uid, container_name)
        return layout.contain(log_path, f'container "{container_name}": log file')

    def _ensure_executors(self, driver: Obj, tracked: _Tracked) -> None:
        if tracked.executors_planned:
            return
        executors = driver_executors(self.cluster, driver)
        if executors is not None:
            made = create_executors(self.cluster, executors, driver, tracked.executor_ids, self.clock.now())
            tracked.executor_ids.update(made)
        tracked.executors_planned = True

    def _node_lost(self, pod: Obj, node_name: str) -> None:
        meta = metadata(pod)
        namespace, name, uid = str(meta.get("namespace")), str(meta.get("name")), str(meta.get("uid"))
        self._stop_process(namespace, name, uid)
        now = self.clock.now()
        message = f"node {node_name} which was running pod {name} is gone"
        report = terminated(started_at(pod, now), now, UNKNOWN_EXIT_CODE, "ContainerStatusUnknown", message)
        container = kubelet_container(pod)
        status = pod_status(pod, container, report, now)
        status["phase"] = PHASE_FAILED
        status.update(reason="NodeLost", message=message)
        with contextlib.suppress(NotFound):
            self.cluster.update_status({**pod, "status": status})
        if spark_role(pod) == SparkRole.DRIVER:
            finish_executors(self.cluster, pod, UNKNOWN_EXIT_CODE, now)

    # -- nodes ----------------------------------------------------------------------------------------
    def _reconcile_node(self, name: str) -> Result:
        if not name:
            for known in self.nodes.nodes():
                if self._get("Node", None, known) is None:
                    self._reconcile_node(known)
            self.archive.sweep(self.config.log_retention, self.clock.now())
            return Result(requeue_after=self.config.archive_sweep_interval)
        node = self._get("Node", None, name)
        if node is not None:
            self._sweep(self.nodes.ensure(node))
            return Result(requeue_after=self.config.housekeeping_interval)
        for pod in self.cluster.list("Pod", None, field_selector=f"spec.nodeName={name}").items:
            if phase(pod) not in _TERMINAL:
                self._node_lost(pod, name)
        with self._lock:
            gone = [(key, t) for key, t in self._tracked.items() if t.node == name]
        for (namespace, pod_name), tracked in gone:
            self._forget(namespace, pod_name, tracked)
        for incarnation in self.nodes.pod_incarnations(name):
            self._archive(name, *incarnation)
        self.nodes.remove_node(name)
        return Result()

    def _sweep(self, layout: NodeLayout) -> None:
        """Stop and remove what belongs to pods of this node that no longer exist: processes of pods
        deleted unnoticed, files of pods deleted while no kubelet ran."""
        incarnations = self.nodes.pod_incarnations(layout.name)
        listed = self.cluster.list("Pod", None, field_selector=f"spec.nodeName={layout.name}").items
        live = {str(metadata(p).get("uid")) for p in listed}
        with self._lock:
            tracked = [(key, t) for key, t in self._tracked.items() if t.node == layout.name]
        for (namespace, name), entry in tracked:
            if entry.uid in live:
                continue
            pod = self._get("Pod", namespace, name)  # bound since the listing, or really gone?
            if pod is None or metadata(pod).get("uid") != entry.uid:
                self._forget(namespace, name, entry)
        with self._lock:
            live.update(t.uid for t in self._tracked.values())
        for namespace, name, uid in incarnations:
            if uid not in live:
                self._archive(layout.name, namespace, name, uid)
                self.nodes.remove_pod(layout.name, namespace, name, uid)

    # -- helpers --------------------------------------------------------------------------------------
    def _get(self, kind: str, namespace: str | None, name: str) -> Obj | None:
        try:
            return self.cluster.get(kind, namespace, name)
        except NotFound:
            return None

    def _stop_process(self, namespace: str, name: str, uid: str) -> None:
        current = self.runtime.status(namespace, name)
        if current is not None and current.pod.uid == uid and current.running:
            self.runtime.stop(namespace, name)

    def _forget(self, namespace: str, name: str, tracked: _Tracked) -> None:
        current = self.runtime.status(namespace, name)
        if current is not None and current.pod.uid == tracked.uid:
            self.runtime.stop(namespace, name)
        self._archive(tracked.node, namespace, name, tracked.uid)
        self.nodes.remove_pod(tracked.node, namespace, name, tracked.uid)
        with self._lock:
            if self._tracked.get((namespace, name)) is tracked:
                del self._tracked[(namespace, name)]

    def _archive(self, node: str, namespace: str, name: str, uid: str) -> None:
        logs = self.nodes.node_layout(node).logs_dir(namespace, name, uid)
        if inside(logs, self.nodes.root):  # only the nodes' own logs go to the archive
            self.archive.archive(logs, namespace, name, uid, node, self.clock.now())

    def _write(self, pod: Obj, container: Mapping[str, Any], report: ContainerReport) -> None:
        status = pod_status(pod, container, report, self.clock.now())
        if same_status(pod.get("status") or {}, status):
            return
        with contextlib.suppress(NotFound):
            self.cluster.update_status({**pod, "status": status})

    def _version_note(self, driver: Obj) -> None:
        """The local runtime runs the installed Spark whatever version the application names: say so,
        on the SparkApplication that owns the driver (where `describe` shows it) or else on the pod."""
        asked = (metadata(driver).get("labels") or {}).get(LABEL_SPARK_VERSION)
        ran = self._spark.version if self._spark is not None else None
        if not ran or not asked or asked == ran:
            return
        owner = next(
            (r for r in metadata(driver).get("ownerReferences") or [] if r.get("kind") == "SparkApplication"),
            None,
        )
        target = (
            self._get("SparkApplication", metadata(driver).get("namespace"), owner["name"]) if owner else None
        )
        name = metadata(driver).get("name")
        message = f"Spark {ran} (the installed PySpark) runs driver {name}; the application asks for {asked}"
        self._event(target if target is not None else driver, EventType.NORMAL, "SparkVersion", message)

    def _event(self, pod: Obj, type_: str, reason: str, message: str) -> None:
        with contextlib.suppress(NotFound):
            record_event(self.cluster, pod, type_, reason, message, self.clock.now(), COMPONENT)
