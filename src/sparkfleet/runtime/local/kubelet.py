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
How containers start, fail to start or are found lost is in containers.py. A deleted pod's process is
stopped and its files removed; pods of a deleted node fail with reason NodeLost. Container logs are
archived in the cluster home (archive.py) when a pod ends, before its files are removed, and before its
node's directory goes; archives older than the retention are swept.

Node events keep the node directories (nodelifecycle.py): created when a node registers, swept of dead
pods' files, removed with the node. Claim and PersistentVolume events release the volumes of deleted
claims (claims.py). What the parts share is in kubeletcontext.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from sparkfleet.api.wire import (
    ANNOTATION_PROVISIONED_BY,
    DRIVER_CONTAINER,
    PROVISIONER_LOCAL_VOLUME,
    SparkRole,
)
from sparkfleet.clock import Clock
from sparkfleet.cluster import Cluster, ClusterError, WatchEvent, WatchEventType
from sparkfleet.reconcile import Result
from sparkfleet.runtime.local.apiaccess import ApiAccess
from sparkfleet.runtime.local.archive import LogArchive
from sparkfleet.runtime.local.claims import release_volumes
from sparkfleet.runtime.local.containers import ContainerRunner
from sparkfleet.runtime.local.executors import finish_executors, main_container
from sparkfleet.runtime.local.install import SparkInstall
from sparkfleet.runtime.local.kubeletcontext import (
    COMPONENT,
    TERMINAL,
    KubeletConfig,
    KubeletContext,
    KubeletKey,
    TrackedPod,
)
from sparkfleet.runtime.local.nodelifecycle import drained, node_lost, reconcile_node
from sparkfleet.runtime.local.nodes import NodeDirs
from sparkfleet.runtime.local.podinfo import (
    driver_exit_code,
    is_placeholder,
    kubelet_container,
    metadata,
    phase,
    spark_role,
    started_at,
)
from sparkfleet.runtime.local.podstatus import container_report, running
from sparkfleet.runtime.port import Runtime

__all__ = ["COMPONENT", "KubeletConfig", "KubeletKey", "KubeletReconciler"]

log = logging.getLogger("sparkfleet.runtime.local")

IMAGE_CACHE_DIR = "image-cache"
"""Under the cluster's home: the image files built at first use (the examples jars), per Spark version."""


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
        """`home`: the cluster's data directory (nodes/, eventlogs/ and image-cache/ go under it);
        `spark`: the Spark and Java to run drivers with (found on first use when None)."""
        self.cluster = cluster
        self.clock = clock
        self.runtime = runtime
        self.home = Path(home)
        self.nodes = NodeDirs(self.home)
        self.archive = LogArchive(self.home)
        self.config = config or KubeletConfig()
        self.event_log_dir = self.home / "eventlogs"
        self.workdir = self.config.workdir or Path.cwd()
        self.context = KubeletContext(cluster, clock, runtime, self.nodes, self.archive)
        self.containers = ContainerRunner(
            self.context,
            self.config,
            event_log_dir=self.event_log_dir,
            workdir=self.workdir,
            spark=spark,
            image_cache=self.home / IMAGE_CACHE_DIR,
        )

    # -- wiring ---------------------------------------------------------------------------------------
    def connect_api(self, access: ApiAccess) -> None:
        """The cluster's API as its drivers reach it, once it is served: drivers running Spark on
        Kubernetes wait for it."""
        self.containers.api = access

    def wake_on_exit(self, add: Callable[[KubeletKey], None]) -> None:
        """Queue a pod's key through `add` (a controller's queue.add) the moment its process exits."""
        self.runtime.add_exit_listener(lambda pod: add(("Pod", pod.namespace, pod.name)))

    def shutdown(self, *, drain: bool = True) -> None:
        """Let go of the pods (call before the store closes). `drain`: stop every process gracefully and
        report how the pods ended, as a node shutting down does (Failed, reason Terminated, condition
        DisruptionTarget: a driver stopped so fails with exit code 143 and the operator retries it per
        its policy). Else the processes go on, for the next kubelet on this home to adopt."""
        if not drain:
            left = self.runtime.detach()
            if left:
                log.info("left %d pod processes running for the next start to adopt", len(left))
            return
        for result in self.runtime.stop_all():
            pod = self.context.get("Pod", result.pod.namespace, result.pod.name)
            if pod is None or metadata(pod).get("uid") != result.pod.uid or phase(pod) in TERMINAL:
                continue
            driver = spark_role(pod) == SparkRole.DRIVER
            container = kubelet_container(pod)
            try:
                drained(self.context, pod, container, container_report(result))
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
            return reconcile_node(self.context, self.config, name)
        if kind == "PersistentVolumeClaim":
            release_volumes(self.cluster, namespace, name, self.nodes.root)
        return Result()

    # -- pods -----------------------------------------------------------------------------------------
    def _reconcile_pod(self, namespace: str, name: str) -> Result:
        ctx = self.context
        pod = ctx.get("Pod", namespace, name)
        with ctx.lock:
            tracked = ctx.tracked.get((namespace, name))
        uid = str(metadata(pod).get("uid") or "") if pod is not None else ""
        if tracked is not None and tracked.uid != uid:
            ctx.forget(namespace, name, tracked)
            tracked = None
        if pod is None:
            return Result()
        node_name = (pod.get("spec") or {}).get("nodeName")
        if not node_name:
            return Result()
        if phase(pod) in TERMINAL:
            ctx.stop_process(namespace, name, uid)
            ctx.reap_once(uid)
            ctx.archive_logs(str(node_name), namespace, name, uid)
            if spark_role(pod) == SparkRole.DRIVER:
                finish_executors(self.cluster, pod, driver_exit_code(pod), self.clock.now())
            return Result()
        node = ctx.get("Node", None, str(node_name))
        if node is None:
            node_lost(ctx, pod, str(node_name))
            return Result()
        layout = self.nodes.ensure(node)
        if tracked is None:
            tracked = TrackedPod(uid, layout.name)
            with ctx.lock:
                ctx.tracked[(namespace, name)] = tracked
        if is_placeholder(pod):
            ctx.write(pod, main_container(pod), running(started_at(pod, self.clock.now())))
            return Result()
        role = spark_role(pod)
        if role == SparkRole.EXECUTOR and self.containers.kubernetes:
            container = main_container(pod)
            return self.containers.container(pod, layout, tracked, container, False, jvm_executor=True)
        if role == SparkRole.EXECUTOR:
            return self.containers.executor(pod, layout, tracked)
        if role in (SparkRole.DRIVER, SparkRole.CONNECT_SERVER):
            container = main_container(pod, (DRIVER_CONTAINER,))
            connect = role == SparkRole.CONNECT_SERVER
            return self.containers.container(pod, layout, tracked, container, True, connect_server=connect)
        return self.containers.container(pod, layout, tracked, main_container(pod), False)
