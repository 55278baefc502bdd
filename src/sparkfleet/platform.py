"""The composition root: where a cluster's adapters are chosen and wired.

Only this module, the command line, the HTTP server and tests pick adapters; the controllers see ports.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from sparkfleet.api.blueprint import manifest_dict
from sparkfleet.api.yunikorn import to_configmap
from sparkfleet.clock import Clock
from sparkfleet.cloud import load_catalog
from sparkfleet.cloud.sim import SimulatedEC2
from sparkfleet.cluster import Cluster, NotFound, Obj
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.config import PlatformConfig
from sparkfleet.controllers import (
    ProvisionerReconciler,
    ScheduledSparkApplicationReconciler,
    SparkApplicationReconciler,
)
from sparkfleet.controllers.disruption import DisruptionReconciler
from sparkfleet.controllers.nodeclaim import NodeClaimReconciler
from sparkfleet.controllers.scheduler import SchedulerReconciler
from sparkfleet.controllers.support import FleetSource, OfferingCache, SparkApplicationMetrics
from sparkfleet.engine.submission import SubmissionOptions
from sparkfleet.privatefiles import private_dir, private_file
from sparkfleet.reconcile import Controller
from sparkfleet.runtime.local import (
    KubeletConfig,
    KubeletReconciler,
    LocalRuntime,
    LogRetention,
    read_pod_log,
)

DEFAULT_CLUSTER = "default"
STORE_FILE = "store.db"
YUNIKORN_NAMESPACE = "yunikorn"


def cluster_home(cluster: str = DEFAULT_CLUSTER) -> Path:
    """`~/.local/share/sparkfleet/<cluster>` (XDG data home honoured). `$SPARKFLEET_HOME` is the default
    cluster's home instead, and every other cluster's is `$SPARKFLEET_HOME/clusters/<cluster>`."""
    explicit = os.environ.get("SPARKFLEET_HOME")
    if explicit:
        root = Path(explicit).expanduser()
        return root if cluster == DEFAULT_CLUSTER else root / "clusters" / cluster
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "sparkfleet" / cluster


def open_embedded_store(home: Path, clock: Clock, config: PlatformConfig | None = None) -> EmbeddedCluster:
    """The cluster's durable store, seeded with its configuration on first use. The home and the store
    are private to their owner (0700, 0600): they hold every object, Secrets included."""
    private_dir(home)
    # Made before SQLite opens it, as SQLite gives its -wal and -shm files the database's mode.
    private_file(home / STORE_FILE)
    for side in (home / f"{STORE_FILE}-wal", home / f"{STORE_FILE}-shm"):
        if side.exists():
            private_file(side)
    store = EmbeddedCluster(home / STORE_FILE, clock)
    seed(store, config or PlatformConfig())
    return store


def seed(cluster: Cluster, config: PlatformConfig) -> None:
    """Store the configuration's objects that are missing; objects a user has changed are left alone."""
    for name in [*config.namespaces, YUNIKORN_NAMESPACE]:
        _ensure(cluster, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    for model in [*config.nodeclasses, *config.nodepools]:
        _ensure(cluster, manifest_dict(model))
    _ensure(cluster, manifest_dict(to_configmap(config.queues, namespace=YUNIKORN_NAMESPACE)))


def _ensure(cluster: Cluster, obj: Obj) -> None:
    meta = obj["metadata"]
    try:
        cluster.get(obj["kind"], meta.get("namespace"), meta["name"])
    except NotFound:
        cluster.create(obj)


class Platform:
    """One cluster: the store, the simulated cloud, the local runtime and every controller, wired.

    `start()` runs the controllers on threads; `stop()` stops them and every process the runtime started.
    The same controllers would run against a real Kubernetes API and EC2: only the adapters chosen here
    differ.
    """

    def __init__(
        self,
        home: Path,
        config: PlatformConfig,
        clock: Clock,
        *,
        workers: int = 2,
        workdir: Path | None = None,
    ) -> None:
        self.home = home
        self.config = config
        self.clock = clock
        self.store = open_embedded_store(home, clock, config)
        self.registry = CollectorRegistry()
        self.metrics = SparkApplicationMetrics(self.registry)
        self.cloud = SimulatedEC2(load_catalog(), config.scenario, clock)
        options = SubmissionOptions()
        self.controllers: list[Controller[Any]] = [
            Controller(
                SparkApplicationReconciler(self.store, clock, options=options, metrics=self.metrics),
                self.store,
                clock,
                workers,
            ),
            Controller(ScheduledSparkApplicationReconciler(self.store, clock), self.store, clock, 1),
            Controller(SchedulerReconciler(self.store, clock), self.store, clock, workers=1),
        ]
        self.offerings = OfferingCache()
        fleets = FleetSource(self.store, self.cloud)
        self.controllers += [
            Controller(
                ProvisionerReconciler(self.store, clock, fleets, self.offerings), self.store, clock, workers=1
            ),
            Controller(
                NodeClaimReconciler(self.store, clock, self.cloud, self.offerings),
                self.store,
                clock,
                workers=1,
            ),
            Controller(DisruptionReconciler(self.store, clock, fleets, self.offerings), self.store, clock, 1),
        ]
        self.runtime = LocalRuntime(home, clock)
        self.runtime.reap_orphans()
        logs = config.settings.logs
        retention = LogRetention(timedelta(days=logs.retentionDays), logs.maxArchivedPods)
        kubelet_config = KubeletConfig(workdir=workdir, log_retention=retention)
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
        self._started = True

    def stop(self) -> None:
        """Controllers first, then the processes (running drivers are reported Failed), then the store."""
        if self._started:
            for controller in self.controllers:
                controller.stop()
            self._started = False
        self.kubelet.shutdown()
        self.runtime.close()
        self.store.close()

    def __enter__(self) -> Platform:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
