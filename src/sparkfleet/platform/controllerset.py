"""The controllers of one cluster, over any `Cluster`: the embedded store in `up`, or a Kubernetes API
through the HTTP adapter in `sparkfleet controller`.

They come in the four groups `sparkfleet controller --controllers` names (docs/deploy-eks.md): `spark`
(the Spark Operator's part, with the cost and timeline views of applications), `scheduler` (YuniKorn's),
`provisioner` (Karpenter's provisioning, NodeClaim lifecycle, EC2NodeClass status and garbage
collection) and `disruption` (Karpenter's consolidation, expiration and interruption).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, disable_created_metrics

from sparkfleet.api.wire import EMBEDDED_SCHEDULER_NAMES, SchedulerNames
from sparkfleet.clock import Clock
from sparkfleet.cloud import Cloud
from sparkfleet.cluster import Cluster
from sparkfleet.config import PlatformConfig
from sparkfleet.controllers import (
    CostReconciler,
    GarbageCollectionReconciler,
    NodeClassStatusReconciler,
    ProvisionerReconciler,
    ScheduledSparkApplicationReconciler,
    SparkApplicationReconciler,
    SparkConnectReconciler,
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
from sparkfleet.platform.cloudchoice import build_cloud
from sparkfleet.reconcile import CachedCluster, Controller

__all__ = ["ControllerGroup", "ControllerSet", "parse_groups"]


class ControllerGroup(StrEnum):
    SPARK = "spark"
    SCHEDULER = "scheduler"
    PROVISIONER = "provisioner"
    DISRUPTION = "disruption"


def parse_groups(text: str) -> frozenset[ControllerGroup]:
    """`spark,scheduler,...` as `--controllers` takes it; an unknown name is a ValueError naming the
    ones there are."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    known = ", ".join(g.value for g in ControllerGroup)
    if not names:
        raise ValueError(f"--controllers names no controller: give some of {known}")
    unknown = [n for n in names if n not in ControllerGroup.__members__.values()]
    if unknown:
        raise ValueError(
            f"--controllers: unknown controller {', '.join(unknown)}; the controllers are {known}"
        )
    return frozenset(ControllerGroup(n) for n in names)


class ControllerSet:
    """The chosen controllers, their metrics registry and the cloud they launch nodes in, wired to
    `cluster`. `state_dir` keeps the simulated EC2's state (unused by the AWS adapter).

    With `informers` (a cluster over HTTP) the scheduler reads pods and nodes from informers instead of
    listing them from the API server each cycle (reconcile/informer.py); the embedded store is read in
    process and needs none. `kubelets_register`: `cluster` is a Kubernetes API whose Nodes the
    instances' own kubelets register (see `build_cloud`)."""

    def __init__(
        self,
        cluster: Cluster,
        state_dir: Path,
        config: PlatformConfig,
        clock: Clock,
        *,
        groups: Iterable[ControllerGroup] = tuple(ControllerGroup),
        workers: int = 2,
        informers: bool = False,
        scheduler_names: SchedulerNames = EMBEDDED_SCHEDULER_NAMES,
        kubelets_register: bool = False,
    ) -> None:
        chosen = frozenset(groups)
        self.groups = chosen
        disable_created_metrics()  # type: ignore[no-untyped-call]  # the anchors' Go clients have no `_created`
        self.registry = CollectorRegistry()
        self.metrics = SparkApplicationMetrics(self.registry)
        self.yunikorn_metrics = YuniKornMetrics(self.registry)
        self.karpenter_metrics = karpenter = KarpenterMetrics(self.registry)
        self.insight_metrics = insight = InsightMetrics(self.registry)
        # Only the node controllers launch in the cloud: without them none is opened (its state file
        # belongs to the process that runs them).
        self.cloud: Cloud | None = None
        if chosen & {ControllerGroup.PROVISIONER, ControllerGroup.DISRUPTION}:
            self.cloud = build_cloud(state_dir, config, clock, cluster, kubelets_register=kubelets_register)
        self.offerings = OfferingCache()
        self.controllers: list[Controller[Any]] = []
        self.caches: list[CachedCluster] = []

        def add(reconciler: Any, count: int = 1, through: Cluster = cluster) -> None:
            self.controllers.append(Controller(reconciler, through, clock, count))

        if ControllerGroup.SPARK in chosen:
            # The local runtime runs the installed PySpark: an application that names no image still runs.
            options = SubmissionOptions(
                default_image=LOCAL_IMAGE, max_executors=config.settings.limits.maxExecutors
            )
            ttl = config.settings.history.defaultTimeToLiveSeconds
            lifecycle = LifecycleConfig(default_time_to_live_seconds=ttl)
            add(
                SparkApplicationReconciler(
                    cluster, clock, options=options, config=lifecycle, metrics=self.metrics
                ),
                workers,
            )
            add(ScheduledSparkApplicationReconciler(cluster, clock))
            add(SparkConnectReconciler(cluster, clock))
        if ControllerGroup.SCHEDULER in chosen:
            scheduled: Cluster = cluster
            if informers:
                scheduled = cached = CachedCluster(cluster, ("Pod", "Node"), clock)
                self.caches.append(cached)
            scheduler = SchedulerReconciler(
                scheduled, clock, scheduler_names=scheduler_names, metrics=self.yunikorn_metrics
            )
            add(scheduler, through=scheduled)
        if self.cloud is not None:
            cloud = self.cloud
            fleets = FleetSource(cluster, cloud)
            if ControllerGroup.PROVISIONER in chosen:
                add(ProvisionerReconciler(cluster, clock, fleets, self.offerings, metrics=karpenter))
                add(NodeClaimReconciler(cluster, clock, cloud, self.offerings, metrics=karpenter))
            if ControllerGroup.DISRUPTION in chosen:
                add(DisruptionReconciler(cluster, clock, fleets, self.offerings, metrics=karpenter))
            if ControllerGroup.PROVISIONER in chosen:
                add(NodeClassStatusReconciler(cluster, clock, cloud))
                add(GarbageCollectionReconciler(cluster, clock, cloud))
        if ControllerGroup.SPARK in chosen:
            add(CostReconciler(cluster, clock, metrics=insight))
            add(TimelineReconciler(cluster, clock, metrics=insight))

    def start(self) -> None:
        for cache in self.caches:
            cache.start()
        for controller in self.controllers:
            controller.start()

    def stop(self) -> None:
        """Each controller's workers finish the key they are on (its effects applied whole), then end."""
        for controller in self.controllers:
            controller.stop()
        for cache in self.caches:
            cache.stop()
