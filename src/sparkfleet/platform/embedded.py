"""The embedded cluster: the store, the local runtime and, unless they run in a process of their own, the
controllers (`platform/controllerset.py`), wired on one home.

Only this package, the command line, the HTTP server and tests pick adapters; the controllers see ports.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from sparkfleet.clock import Clock
from sparkfleet.cloud import Cloud
from sparkfleet.cluster.embedded import Housekeeping
from sparkfleet.config import PlatformConfig
from sparkfleet.controllers.support import (
    InsightMetrics,
    KarpenterMetrics,
    OfferingCache,
    SparkApplicationMetrics,
    YuniKornMetrics,
)
from sparkfleet.home import open_embedded_store
from sparkfleet.platform.controllerset import ControllerGroup, ControllerSet
from sparkfleet.reconcile import Controller
from sparkfleet.runtime.local import (
    KubeletConfig,
    KubeletReconciler,
    LocalRuntime,
    LogRetention,
    machine_memory,
    read_pod_log,
)

__all__ = ["Platform"]


class Platform:
    """One cluster: the store, the local runtime, its kubelet and (with `controllers`) every controller.

    `start()` runs the controllers on threads; `stop()` stops them and, unless told to leave them running
    for the next start on this home to adopt, every process the runtime started. Without `controllers`
    the store and the kubelet run here and the controllers in `sparkfleet controller`, over the API, as
    they would against a real Kubernetes API and EC2: only the adapters differ.
    """

    def __init__(
        self,
        home: Path,
        config: PlatformConfig,
        clock: Clock,
        *,
        workers: int = 2,
        workdir: Path | None = None,
        controllers: bool = True,
    ) -> None:
        self.home = home
        self.config = config
        self.clock = clock
        self.store = open_embedded_store(home, clock, config)
        history = config.settings.history
        # Events expire and the store is compacted in the background (cluster/embedded/housekeeping.py).
        self.housekeeping = Housekeeping(
            self.store,
            clock,
            event_ttl=timedelta(seconds=history.event_ttl_seconds),
            interval=timedelta(seconds=history.housekeeping_interval_seconds),
        )
        groups = tuple(ControllerGroup) if controllers else ()
        self.controller_set = chosen = ControllerSet(
            self.store, home, config, clock, groups=groups, workers=workers
        )
        self.registry: CollectorRegistry = chosen.registry
        self.metrics: SparkApplicationMetrics = chosen.metrics
        self.yunikorn_metrics: YuniKornMetrics = chosen.yunikorn_metrics
        self.karpenter_metrics: KarpenterMetrics = chosen.karpenter_metrics
        self.insight_metrics: InsightMetrics = chosen.insight_metrics
        self.cloud: Cloud | None = chosen.cloud
        self.offerings: OfferingCache = chosen.offerings
        self.controllers: list[Controller[Any]] = list(chosen.controllers)

        # Pods whose processes outlived an earlier start are taken over by the kubelet, not killed; what
        # belongs to pods that ended or went meanwhile is ended by its sweeps.
        self.runtime = LocalRuntime(home, clock)
        logs = config.settings.logs
        retention = LogRetention(timedelta(days=logs.retentionDays), logs.maxArchivedPods)
        runtime_settings = config.settings.runtime
        kubelet_config = KubeletConfig(
            workdir=workdir,
            log_retention=retention,
            spark_mode=runtime_settings.sparkMode,
            memory_budget=runtime_settings.memory_budget_bytes(machine_memory()),
        )
        self.kubelet = KubeletReconciler(self.store, clock, self.runtime, home, config=kubelet_config)
        kubelet_controller: Controller[Any] = Controller(self.kubelet, self.store, clock)
        self.kubelet.wake_on_exit(kubelet_controller.queue.add)
        kubelet_controller.queue.add(("Node", "", ""))  # the node directories and log archive, swept
        self.controllers.append(kubelet_controller)
        self._started = False

    def log_reader(
        self, namespace: str, pod: str, container: str | None, follow: bool, tail_lines: int | None
    ) -> Iterator[bytes]:
        """Container logs for the API's pods/{name}/log and `logs`: from the runtime that runs the pods,
        or the archive once their node is gone. A log that cannot be read raises its ClusterError here,
        before any of it is served."""
        found = read_pod_log(
            self.store, self.runtime, namespace, pod, container, follow=follow, tail=tail_lines
        )
        return ((line + "\n").encode() for line in found.lines)

    def start(self) -> None:
        for controller in self.controllers:
            controller.start()
        self.housekeeping.start()
        self._started = True

    def stop(self, *, drain: bool = True) -> None:
        """Controllers first, then the processes, then the store. `drain`: the processes are stopped and
        their pods reported Failed as a node shutting down reports them; else they go on running, for the
        next Platform on this home to adopt (as a kubelet restart leaves its containers running)."""
        if self._started:
            self.housekeeping.stop()
            for controller in self.controllers:
                controller.stop()
            self._started = False
        self.kubelet.shutdown(drain=drain)
        self.runtime.close()
        self.store.close()

    def __enter__(self) -> Platform:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
