"""The composition root: where a cluster's adapters are chosen and wired.

Only this module, the command line, the HTTP server and tests pick adapters; the controllers see ports.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, disable_created_metrics

from sparkfleet.api.cloudsettings import CloudProvider
from sparkfleet.api.ec2nodeclass import EC2NodeClass
from sparkfleet.api.karpenter import NodePool
from sparkfleet.api.wire import LABEL_NODEPOOL
from sparkfleet.clock import Clock
from sparkfleet.cloud import Cloud, CloudError, LaunchRequest, load_catalog
from sparkfleet.cloud.sim import SimulatedEC2
from sparkfleet.cluster import Cluster, NotFound
from sparkfleet.cluster.embedded import Housekeeping
from sparkfleet.config import PlatformConfig
from sparkfleet.controllers import (
    CostReconciler,
    GarbageCollectionReconciler,
    NodeClassStatusReconciler,
    ProvisionerReconciler,
    ScheduledSparkApplicationReconciler,
    SparkApplicationReconciler,
    TimelineReconciler,
)
from sparkfleet.controllers.disruption import DisruptionReconciler
from sparkfleet.controllers.nodeclaim import NodeClaimReconciler
from sparkfleet.controllers.scheduler import SchedulerReconciler
from sparkfleet.controllers.support import (
    FleetSource,
    InsightMetrics,
    KarpenterMetrics,
    OfferingCache,
    SparkApplicationMetrics,
    YuniKornMetrics,
)
from sparkfleet.engine.lifecycle import LifecycleConfig
from sparkfleet.engine.submission import LOCAL_IMAGE, SubmissionOptions
from sparkfleet.home import (
    DEFAULT_CLUSTER,
    STORE_FILE,
    YUNIKORN_NAMESPACE,
    cluster_home,
    open_embedded_store,
    seed,
)
from sparkfleet.reconcile import Controller
from sparkfleet.runtime.local import (
    KubeletConfig,
    KubeletReconciler,
    LocalRuntime,
    LogRetention,
    read_pod_log,
)

CLOUD_FILE = "ec2.json"
"""The simulated EC2 region's instances, launches and due events, kept so that nodes outlive a restart."""

__all__ = [
    "CLOUD_FILE",
    "DEFAULT_CLUSTER",
    "STORE_FILE",
    "YUNIKORN_NAMESPACE",
    "Platform",
    "cluster_home",
    "open_embedded_store",
    "seed",
]


def build_cloud(home: Path, config: PlatformConfig, clock: Clock, store: Cluster) -> Cloud:
    """The cloud `settings.yaml`'s `cloud.provider` names: the simulated EC2 of the scenario (the default),
    or EC2 itself through the AWS adapter (its module and boto3 are imported only then)."""
    settings = config.settings.cloud
    if settings.provider is CloudProvider.SIM:
        return SimulatedEC2(
            load_catalog(),
            config.scenario,
            clock,
            state_file=home / CLOUD_FILE,
            orphan_grace=timedelta(minutes=settings.orphanGraceMinutes),
        )
    from sparkfleet.cloud.aws import AwsEC2  # only here: boto3 comes with the aws extra

    return AwsEC2(settings, load_catalog(), clock, StoredNodeClasses(store))


class StoredNodeClasses:
    """The AWS adapter's EC2NodeClasses, read from the store: a launch's through its claim's NodePool."""

    def __init__(self, store: Cluster) -> None:
        self._store = store

    def for_launch(self, request: LaunchRequest) -> EC2NodeClass:
        pool_name = request.tags.get(LABEL_NODEPOOL, "")
        try:
            pool = NodePool.model_validate(self._store.get("NodePool", None, pool_name))
            name = pool.spec.template.spec.nodeClassRef.name
            return EC2NodeClass.model_validate(self._store.get("EC2NodeClass", None, name))
        except NotFound as exc:
            raise CloudError(f"NodeClaim {request.node_claim_name}: {exc}") from None

    def all(self) -> list[EC2NodeClass]:
        return [EC2NodeClass.model_validate(o) for o in self._store.list("EC2NodeClass").items]


class Platform:
    """One cluster: the store, the simulated cloud, the local runtime and every controller, wired.

    `start()` runs the controllers on threads; `stop()` stops them and, unless told to leave them running
    for the next start on this home to adopt, every process the runtime started. The same controllers
    would run against a real Kubernetes API and EC2: only the adapters chosen here differ.
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
        disable_created_metrics()  # type: ignore[no-untyped-call]  # the anchors' Go clients have no `_created`
        self.registry = CollectorRegistry()
        self.metrics = SparkApplicationMetrics(self.registry)
        self.yunikorn_metrics = YuniKornMetrics(self.registry)
        self.karpenter_metrics = KarpenterMetrics(self.registry)
        self.insight_metrics = insight = InsightMetrics(self.registry)
        karpenter = self.karpenter_metrics
        self.cloud = build_cloud(home, config, clock, self.store)
        # The local runtime runs the installed PySpark: an application that names no image still runs.
        options = SubmissionOptions(
            default_image=LOCAL_IMAGE, max_executors=config.settings.limits.maxExecutors
        )
        history = config.settings.history
        lifecycle = LifecycleConfig(default_time_to_live_seconds=history.defaultTimeToLiveSeconds)
        # Events expire and the store is compacted in the background (cluster/embedded/housekeeping.py).
        self.housekeeping = Housekeeping(
            self.store,
            clock,
            event_ttl=timedelta(seconds=history.event_ttl_seconds),
            interval=timedelta(seconds=history.housekeeping_interval_seconds),
        )
        self.controllers: list[Controller[Any]] = [
            Controller(
                SparkApplicationReconciler(
                    self.store, clock, options=options, config=lifecycle, metrics=self.metrics
                ),
                self.store,
                clock,
                workers,
            ),
            Controller(ScheduledSparkApplicationReconciler(self.store, clock), self.store, clock, 1),
            Controller(
                SchedulerReconciler(self.store, clock, metrics=self.yunikorn_metrics),
                self.store,
                clock,
                workers=1,
            ),
        ]
        self.offerings = OfferingCache()
        fleets = FleetSource(self.store, self.cloud)
        self.controllers += [
            Controller(
                ProvisionerReconciler(self.store, clock, fleets, self.offerings, metrics=karpenter),
                self.store,
                clock,
                workers=1,
            ),
            Controller(
                NodeClaimReconciler(self.store, clock, self.cloud, self.offerings, metrics=karpenter),
                self.store,
                clock,
                workers=1,
            ),
            Controller(
                DisruptionReconciler(self.store, clock, fleets, self.offerings, metrics=karpenter),
                self.store,
                clock,
                1,
            ),
            Controller(NodeClassStatusReconciler(self.store, clock, self.cloud), self.store, clock, 1),
            Controller(GarbageCollectionReconciler(self.store, clock, self.cloud), self.store, clock, 1),
            Controller(CostReconciler(self.store, clock, metrics=insight), self.store, clock, 1),
            Controller(TimelineReconciler(self.store, clock, metrics=insight), self.store, clock, 1),
        ]
        # Pods whose processes outlived an earlier start are taken over by the kubelet, not killed; what
        # belongs to pods that ended or went meanwhile is ended by its sweeps.
        self.runtime = LocalRuntime(home, clock)
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
