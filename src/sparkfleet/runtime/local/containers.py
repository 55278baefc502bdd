"""Running a pod's container: a Spark driver as `spark-submit`, any other pod's command as a process, and
a Spark executor as no process at all (the driver's JVM does the work) but with its volumes set up.

A pod that cannot start (a refused application file, a volume that cannot exist here) is Failed with a
terminated container of reason StartError (exit code 128) and a Warning Event saying why; a volume whose
ConfigMap, Secret or claim is not there yet is retried with a FailedMount Event, and an environment that
refers to a missing ConfigMap, Secret or key leaves the container waiting in CreateContainerConfigError
(retried, with a Failed Event), as the kubelet does. A process gets its image's environment and its
spec's (podenv.py), never the kubelet's own. A container that was running
under an earlier kubelet is taken over (its process watched again, or its exit code read); one that left
nothing to take over is Failed with ContainerStatusUnknown, after any process of it has been killed.
While a driver runs, its executor pods are created as Spark's backend would.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from sparkfleet.api.settings import SparkMode
from sparkfleet.api.wire import CONNECT_SERVER_PORT, LABEL_SPARK_VERSION, EventType
from sparkfleet.cluster import Obj
from sparkfleet.reconcile import Result
from sparkfleet.runtime.local.apiaccess import ApiAccess
from sparkfleet.runtime.local.claims import claim_volume
from sparkfleet.runtime.local.connectserver import accepts, connect_server_plan
from sparkfleet.runtime.local.driver import KubernetesLaunch, LaunchContext, command_plan, driver_plan
from sparkfleet.runtime.local.driverui import claim_ui_port, ui_proxy_base
from sparkfleet.runtime.local.executorjvm import asked_heap, executor_plan, heap_within
from sparkfleet.runtime.local.executors import (
    create_executors,
    driver_executors,
    executor_end,
    finish_executors,
    main_container,
    write_executor_note,
)
from sparkfleet.runtime.local.install import SparkInstall, find_spark
from sparkfleet.runtime.local.kubeletcontext import (
    START_ERROR_EXIT_CODE,
    TERMINAL,
    UNKNOWN_EXIT_CODE,
    KubeletConfig,
    KubeletContext,
    TrackedPod,
)
from sparkfleet.runtime.local.localconf import machine_memory
from sparkfleet.runtime.local.nodes import NodeLayout
from sparkfleet.runtime.local.podaddress import claim_pod_ip
from sparkfleet.runtime.local.podenv import ConfigError, EnvSources, container_env, image_env, pod_ip
from sparkfleet.runtime.local.podinfo import driver_exit_code, metadata, phase, ran_before, started_at
from sparkfleet.runtime.local.podstatus import container_report, running, terminated, waiting
from sparkfleet.runtime.local.volumes import MountPending, MountTable, check_pod_names, mount_volumes
from sparkfleet.runtime.port import PodRef, ProcessPlan, StartError

__all__ = ["ContainerRunner"]

_LOST_MESSAGE = "The container could not be located when the pod was terminated"


class ContainerRunner:
    """Starts and watches the containers of the pods bound to this machine's nodes."""

    def __init__(
        self,
        ctx: KubeletContext,
        config: KubeletConfig,
        *,
        event_log_dir: Path,
        workdir: Path,
        spark: SparkInstall | None,
        image_cache: Path | None = None,
    ) -> None:
        """`spark`: the Spark and Java to run drivers with (found on first use when None);
        `image_cache`: where image files built at first use are kept (None: the user's cache)."""
        self.ctx = ctx
        self.config = config
        self.event_log_dir = event_log_dir
        self.workdir = workdir
        self.image_cache = image_cache
        self._spark = spark
        self.api: ApiAccess | None = None
        """The cluster's API as drivers reach it; drivers running Spark on Kubernetes wait for it."""
        self._heaps: dict[tuple[str, str, str], int] = {}
        """Heap given to each executor JVM started, by (namespace, name, uid) of its pod."""

    @property
    def kubernetes(self) -> bool:
        """Whether drivers run Spark on Kubernetes (executors as real JVMs) rather than in local mode."""
        return self.config.spark_mode == SparkMode.KUBERNETES

    def executor(self, pod: Obj, layout: NodeLayout, tracked: TrackedPod) -> Result:
        ctx = self.ctx
        meta = metadata(pod)
        now = ctx.clock.now()
        container = main_container(pod)
        owner = next((r for r in meta.get("ownerReferences") or [] if r.get("kind") == "Pod"), None)
        driver = ctx.get("Pod", meta.get("namespace"), owner["name"]) if owner else None
        if driver is not None and owner is not None and metadata(driver).get("uid") != owner.get("uid"):
            driver = None
        if driver is not None and phase(driver) in TERMINAL:
            code, reason, message = executor_end(driver_exit_code(driver), owner["name"] if owner else "")
            ctx.write(pod, container, terminated(started_at(pod, now), now, code, reason, message))
            return Result()
        try:
            # No process, but its volumes are real: OnDemand claims get their volumes, emptyDirs exist.
            if not tracked.mounted:
                mounts = self._mount(pod, layout, container)
                container_env(pod, container, mounts, self._sources(str(meta.get("namespace"))))
                tracked.mounted = True
            write_executor_note(_log_path(layout, metadata(pod), container), pod, driver)
        except MountPending as exc:
            ctx.event(pod, EventType.WARNING, "FailedMount", f"MountVolume.SetUp failed: {exc}")
            return Result(requeue_after=self.config.poll_interval)
        except ConfigError as exc:
            return self._config_error(pod, container, exc)
        except StartError as exc:
            ctx.write(pod, container, terminated(now, now, START_ERROR_EXIT_CODE, "StartError", str(exc)))
            ctx.event(pod, EventType.WARNING, "Failed", f"Error: {exc}")
            return Result()
        ctx.write(pod, container, running(started_at(pod, now)))
        return Result()

    def container(
        self,
        pod: Obj,
        layout: NodeLayout,
        tracked: TrackedPod,
        container: Mapping[str, Any],
        driver: bool,
        *,
        jvm_executor: bool = False,
        connect_server: bool = False,
    ) -> Result:
        """Run the pod's `container`: a driver's spark-submit, an executor JVM (`jvm_executor`, Spark on
        Kubernetes), a Spark Connect server (`connect_server`, a driver Ready once its gRPC port takes
        connections) or the container's command."""
        ctx = self.ctx
        meta = metadata(pod)
        namespace, name, uid = str(meta.get("namespace")), str(meta.get("name")), str(meta.get("uid"))
        now = ctx.clock.now()
        current = ctx.runtime.status(namespace, name)
        if current is not None and current.pod.uid != uid:
            ctx.runtime.stop(namespace, name)
            current = None
        if current is None and ran_before(pod):  # an earlier kubelet's container: take it over if it can be
            current = ctx.adopt(pod, _log_path(layout, meta, container))
        if current is None and not driver and not jvm_executor and not container.get("command"):
            # No command and no image to take an entrypoint from: the pod runs, with nothing to run.
            ctx.write(pod, container, running(started_at(pod, now)))
            return Result()
        if current is None:
            if ran_before(pod):
                ctx.runtime.reap_orphans(uid)
                start = started_at(pod, now)
                report = terminated(start, now, UNKNOWN_EXIT_CODE, "ContainerStatusUnknown", _LOST_MESSAGE)
                ctx.write(pod, container, report)
                ctx.event(pod, EventType.WARNING, "ContainerStatusUnknown", _LOST_MESSAGE)
                if driver:
                    finish_executors(ctx.cluster, pod, UNKNOWN_EXIT_CODE, now)
                return Result()
            if driver and self.kubernetes and self.api is None:
                return Result(requeue_after=self.config.poll_interval)  # the API is not served yet
            try:
                if (driver and self.kubernetes) or jvm_executor or connect_server:  # its own address
                    pod = claim_pod_ip(ctx.cluster, pod)
                if driver:  # its UI's loopback port, recorded on the pod before the process binds it
                    pod = claim_ui_port(ctx.cluster, pod)
                plan = (
                    self._executor_plan(pod, layout, container)
                    if jvm_executor
                    else self._plan(pod, layout, container, driver, connect_server=connect_server)
                )
                if plan is None:
                    raise StartError(f"container {container.get('name')} has no command to run")
                current = ctx.runtime.start(PodRef(namespace, name, uid), plan)
            except MountPending as exc:
                ctx.event(pod, EventType.WARNING, "FailedMount", f"MountVolume.SetUp failed: {exc}")
                return Result(requeue_after=self.config.poll_interval)
            except ConfigError as exc:
                return self._config_error(pod, container, exc)
            except StartError as exc:
                report = terminated(now, now, START_ERROR_EXIT_CODE, "StartError", str(exc))
                ctx.write(pod, container, report)
                ctx.event(pod, EventType.WARNING, "Failed", f"Error: {exc}")
                if driver:
                    finish_executors(ctx.cluster, pod, START_ERROR_EXIT_CODE, now)
                return Result()
            ctx.event(pod, EventType.NORMAL, "Started", f"Started container {container.get('name')}")
            if driver:
                self._version_note(pod)
        report = container_report(current)
        if connect_server and current.running:
            report = replace(report, ready=accepts(pod_ip(pod), CONNECT_SERVER_PORT))
        ctx.write(pod, container, report)
        if current.running:
            if driver and not self.kubernetes and not connect_server:
                self._ensure_executors(pod, tracked)
            return Result(requeue_after=self.config.poll_interval)
        if driver:
            finish_executors(ctx.cluster, pod, current.exit_code or 0, ctx.clock.now())
        return Result()

    def _config_error(self, pod: Obj, container: Mapping[str, Any], exc: ConfigError) -> Result:
        """The kubelet's CreateContainerConfigError: the container waits, and is tried again."""
        ctx = self.ctx
        ctx.write(pod, container, waiting(ctx.clock.now(), "CreateContainerConfigError", str(exc)))
        ctx.event(pod, EventType.WARNING, "Failed", f"Error: {exc}")
        return Result(requeue_after=self.config.poll_interval)

    # -- volumes and the process plan -----------------------------------------------------------------
    def _sources(self, namespace: str) -> EnvSources:
        return EnvSources(
            config_maps=lambda name: self.ctx.get("ConfigMap", namespace, name),
            secrets=lambda name: self.ctx.get("Secret", namespace, name),
        )

    def _mount(self, pod: Obj, layout: NodeLayout, container: Mapping[str, Any]) -> MountTable:
        meta = metadata(pod)
        namespace, name, uid = str(meta.get("namespace")), str(meta.get("name")), str(meta.get("uid"))
        check_pod_names(pod)  # before any of its names becomes a directory
        pod_dir = layout.contain(layout.pod_dir(namespace, name, uid), f"pod {namespace}/{name}")
        pod_dir.mkdir(parents=True, exist_ok=True)

        def claims(claim_name: str) -> Path:
            return claim_volume(self.ctx.cluster, namespace, claim_name, layout)

        sources = self._sources(namespace)
        return mount_volumes(
            pod,
            container,
            layout,
            pod_dir,
            config_maps=sources.config_maps,
            secrets=sources.secrets,
            claims=claims,
        )

    def _plan(
        self,
        pod: Obj,
        layout: NodeLayout,
        container: Mapping[str, Any],
        driver: bool,
        *,
        connect_server: bool = False,
    ) -> ProcessPlan | None:
        meta = metadata(pod)
        mounts = self._mount(pod, layout, container)
        sources = self._sources(str(meta.get("namespace")))
        log_path = _log_path(layout, meta, container)
        pod_dir = layout.pod_dir(str(meta.get("namespace")), str(meta.get("name")), str(meta.get("uid")))
        if driver:
            proxy_base = ui_proxy_base(self.ctx.cluster, pod)
            kubernetes = None
            if self.kubernetes and self.api is not None:
                executors = None if connect_server else driver_executors(self.ctx.cluster, pod)
                kubernetes = KubernetesLaunch(self.api, executors.template.pod if executors else None)
            plan = connect_server_plan if connect_server else driver_plan
            return plan(
                pod,
                container,
                mounts,
                pod_dir,
                log_path,
                self._launch_context(),
                sources,
                ui_proxy_base=proxy_base,
                kubernetes=kubernetes,
            )
        # The image's environment (never this process's own), with the Spark drivers run with if found.
        with contextlib.suppress(StartError):
            self._spark = self._spark or find_spark()
        env = image_env(pod_dir, self._spark.python if self._spark else sys.executable, self._spark)
        return command_plan(pod, container, mounts, log_path, env, self.workdir, sources)

    def _executor_plan(self, pod: Obj, layout: NodeLayout, container: Mapping[str, Any]) -> ProcessPlan:
        meta = metadata(pod)
        namespace, name, uid = str(meta.get("namespace")), str(meta.get("name")), str(meta.get("uid"))
        mounts = self._mount(pod, layout, container)
        env = container_env(pod, container, mounts, self._sources(namespace))
        pod_dir = layout.pod_dir(namespace, name, uid)
        ctx = self._launch_context()
        asked = asked_heap(env)
        budget = self.config.memory_budget or ctx.memory_bytes // 2
        running = {
            key: heap
            for key, heap in self._heaps.items()
            if (status := self.ctx.runtime.status(key[0], key[1])) is not None
            and status.running
            and status.pod.uid == key[2]
        }
        given = heap_within(asked, sum(running.values()), budget)
        running[(namespace, name, uid)] = given
        self._heaps = running
        if given < asked:
            self.ctx.event(
                pod,
                EventType.NORMAL,
                "LocalHeap",
                f"heap {asked // 2**20}Mi asked, {given // 2**20}Mi given: the executor JVMs running on "
                f"this machine share its local memory budget of {budget // 2**20}Mi (the pod keeps its "
                "memory request)",
            )
        roots = [m.host_path for m in mounts.mounts] + [pod_dir]
        log_path = _log_path(layout, meta, container)
        return executor_plan(env, pod_dir, log_path, ctx.spark, self.workdir, given, roots)

    def _launch_context(self) -> LaunchContext:
        if self._spark is None:
            self._spark = find_spark()
        return LaunchContext(
            spark=self._spark,
            event_log_dir=self.event_log_dir,
            workdir=self.workdir,
            cpu_count=self.config.cpu_count or os.cpu_count() or 1,
            memory_bytes=self.config.memory_bytes or machine_memory(),
            image_cache=self.image_cache,
        )

    # -- while a driver runs --------------------------------------------------------------------------
    def _ensure_executors(self, driver: Obj, tracked: TrackedPod) -> None:
        if tracked.executors_planned:
            return
        executors = driver_executors(self.ctx.cluster, driver)
        if executors is not None:
            made = create_executors(
                self.ctx.cluster, executors, driver, tracked.executor_ids, self.ctx.clock.now()
            )
            tracked.executor_ids.update(made)
        tracked.executors_planned = True

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
            self.ctx.get("SparkApplication", metadata(driver).get("namespace"), owner["name"])
            if owner
            else None
        )
        name = metadata(driver).get("name")
        message = f"Spark {ran} (the installed PySpark) runs driver {name}; the application asks for {asked}"
        self.ctx.event(target if target is not None else driver, EventType.NORMAL, "SparkVersion", message)


def _log_path(layout: NodeLayout, meta: Mapping[str, Any], container: Mapping[str, Any]) -> Path:
    namespace, name, uid = str(meta.get("namespace")), str(meta.get("name")), str(meta.get("uid"))
    container_name = str(container.get("name") or "")
    log_path = layout.container_log(namespace, name, uid, container_name)
    return layout.contain(log_path, f'container "{container_name}": log file')
