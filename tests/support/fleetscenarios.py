"""The waiting scenarios whose blocker is known in advance, on the real controllers and a virtual clock.

`Fleet` is a platform (controllers.karpenter_builders: the provisioner, NodeClaim and disruption
controllers over a simulated EC2) with the real scheduler in front and the cost and timeline controllers
watching; the operator's part (the SparkApplication's status, its driver pod) and Spark's (executors,
containers starting) are played by hand. Each scenario stops at the moment its blocker is reached
(`at(seconds)` names moments after START; EC2 brings a node 5 s after its launch, 1 s with no Graviton):

- `queue_full`: four 10-vcore gangs in `root.dev` (max 10 vcore), one a second; 19 s after START
  job0 holds the queue and job3 waits with two applications ahead.
- `gang_waiting`: PI_APP's gang (driver and two executors), before the provisioner's batch window
  closes: its placeholders wait for a node (at START).
- `nodepool_limit`: a 10-vcore gang whose only NodePool is limited to 4 cpu, smaller than its smallest
  instance (c5d.4xlarge); 3 s after START.
- `capacity_fallback`: the multi-arch job (2 cores, 8g) with no Graviton capacity in EC2: refused, it
  falls back to the Intel pool; 1 s after START.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry

from controllers.karpenter_builders import (
    COMPUTE,
    MULTI_ARCH,
    NAMESPACE,
    NO_GRAVITON,
    START,
    Platform,
    Platforms,
    pyspark_pi,
)
from sparkfleet.api.appinsight import Phase, current_phase, timeline_of
from sparkfleet.api.blueprint import (
    blueprint_queues,
    manifest_dict,
    spark_compute_optimized,
    spark_graviton_memory_optimized,
    spark_memory_optimized,
)
from sparkfleet.api.karpenter import NodePool
from sparkfleet.api.scenario import Scenario
from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.api.yunikorn import to_configmap
from sparkfleet.controllers.cost import CostReconciler
from sparkfleet.controllers.scheduler import SchedulerReconciler
from sparkfleet.controllers.support import InsightMetrics
from sparkfleet.controllers.timeline import TimelineReconciler
from sparkfleet.engine.submission import Submission, SubmissionOptions, build_submission
from sparkfleet.reconcile import Controller
from support.objects import Obj

PI_APP = "pyspark-pi-karpenter"
DEV_JOBS = ("job0", "job1", "job2", "job3")
POOL_CPU_LIMIT = "4"


class Fleet:
    """A platform with the real scheduler in front of the provisioner and the cost and timeline
    controllers watching, and the operator's part played by hand (the SparkApplication's status, its
    driver pod). The timeline controller is the last of `platform.controllers`."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.store = platform.store
        self.clock = platform.clock
        self.store.create(manifest_dict(to_configmap(blueprint_queues(), namespace="yunikorn")))
        self.submissions: dict[str, Submission] = {}
        """The last submission of each application, by name."""
        self.registry = CollectorRegistry()
        self.metrics = InsightMetrics(self.registry)
        self.cost = CostReconciler(self.store, self.clock, metrics=self.metrics)
        self.timeline = TimelineReconciler(self.store, self.clock, metrics=self.metrics)
        scheduler = Controller(SchedulerReconciler(self.store, self.clock), self.store, self.clock)
        platform.controllers.insert(0, scheduler)
        platform.controllers.append(Controller(self.cost, self.store, self.clock))
        platform.controllers.append(Controller(self.timeline, self.store, self.clock))

    def advance(self, seconds: float, *, step: float = 1.0) -> None:
        """Let `seconds` pass, settling every `step` (1 s: the batch window and polls; longer steps only
        while nothing is due)."""
        self.platform.advance(seconds, step=step, scheduler=False)

    def advance_to(self, moment: datetime, *, step: float = 1.0) -> None:
        self.advance((moment - self.clock.now()).total_seconds(), step=step)

    def create(self, app: SparkApplication) -> None:
        """The user applies the manifest."""
        self.store.create(manifest_dict(app))
        self.platform.settle(scheduler=False)

    def submit(self, app: SparkApplication, n: int = 1) -> Submission:
        """The operator submits: the driver pod, and the status naming it."""
        submission = build_submission(app, f"sub-{app.metadata.name}-{n}", SubmissionOptions())
        status = {
            "sparkApplicationId": submission.spark_app_id,
            "applicationState": {"state": "SUBMITTED"},
            "driverInfo": {"podName": submission.driver_pod_name},
        }
        self.store.patch(
            "SparkApplication", NAMESPACE, app.metadata.name, {"status": status}, subresource="status"
        )
        self.store.create(submission.driver_pod)
        self.submissions[app.metadata.name] = submission
        self.platform.settle(scheduler=False)
        return submission

    def apply(self, app: SparkApplication) -> Submission:
        self.create(app)
        return self.submit(app)

    def run(self, name: str) -> None:
        """The kubelet starts a pod's containers."""
        started = format_rfc3339(self.clock.now())
        status = {"phase": "Running", "startTime": started}
        self.store.patch("Pod", NAMESPACE, name, {"status": status}, subresource="status")
        self.platform.settle(scheduler=False)

    def executors(self, submission: Submission, count: int) -> list[str]:
        """The driver asks for its executors (Spark's part)."""
        driver = self.store.get("Pod", NAMESPACE, submission.driver_pod_name)
        made = [self.store.create(submission.executor_pod(i, driver_pod=driver)) for i in range(1, count + 1)]
        self.platform.settle(scheduler=False)
        return [e["metadata"]["name"] for e in made]

    def start_job(self, name: str, executors: int, *, executors_after: float) -> None:
        """The kubelet starts the driver; `executors_after` seconds later the driver asks for its
        executors, which take the gang's placeholders' places and start at once."""
        submission = self.submissions[name]
        self.run(submission.driver_pod_name)
        self.advance(executors_after)
        for pod in self.executors(submission, executors):
            self.run(pod)

    def app(self, name: str) -> Obj:
        obj: Obj = self.store.get("SparkApplication", NAMESPACE, name)
        return obj

    def timeline_of(self, name: str) -> tuple[Phase, ...]:
        entries = timeline_of(self.app(name))
        assert entries is not None, f"{name} has no timeline"
        return entries

    def now(self, name: str) -> Phase:
        current = current_phase(self.timeline_of(name))
        assert current is not None
        return current

    def phase_count(self, phase: str) -> float:
        value = self.registry.get_sample_value("sparkfleet_application_phase_seconds_count", {"phase": phase})
        return value or 0.0


def at(seconds: float) -> datetime:
    """The moment `seconds` after START, when every scenario begins."""
    return START + timedelta(seconds=seconds)


def fleet_of(
    build: Platforms, *, pools: Sequence[NodePool] | None = None, scenario: Scenario | None = None
) -> Fleet:
    """A fleet on the blueprint's NodePools (or `pools`), EC2 launching in 5 s unless `scenario` says."""
    return Fleet(build(scenario=scenario or Scenario(launchLatencySeconds=5), pools=pools))


def in_dev(app: SparkApplication) -> SparkApplication:
    app.metadata.labels["queue"] = "root.dev"
    return app


def phases(entries: Sequence[Phase]) -> list[str]:
    """The phases in order, one per run (consecutive entries of one phase make one run)."""
    out: list[str] = []
    for entry in entries:
        if not out or out[-1] != entry.phase:
            out.append(entry.phase)
    return out


# -- the scenarios --------------------------------------------------------------------------------------
def queue_full(build: Platforms) -> Fleet:
    """Each of DEV_JOBS asks 10 vcore (a 2-core driver and four 2-core executors), one a second."""
    fleet = fleet_of(build)
    for name in DEV_JOBS:
        fleet.apply(in_dev(pyspark_pi(name, selector=COMPUTE, executors=4, cores=2)))
        fleet.advance(1)
    fleet.advance(15)
    return fleet


def gang_waiting(build: Platforms) -> Fleet:
    """PI_APP with a 1-core driver and two 1-core executors: a gang of three placeholders, no node yet."""
    fleet = fleet_of(build)
    fleet.apply(pyspark_pi(PI_APP, selector=COMPUTE, executors=2))
    return fleet


def nodepool_limit(build: Platforms) -> Fleet:
    """PI_APP as a 10-vcore gang (five 2-core pods); its one NodePool, spark-compute-optimized, is
    limited to POOL_CPU_LIMIT cpu."""
    pool = spark_compute_optimized()
    pool.spec.limits = {"cpu": POOL_CPU_LIMIT}
    fleet = fleet_of(build, pools=[pool])
    fleet.apply(pyspark_pi(PI_APP, selector=COMPUTE, executors=4, cores=2))
    fleet.advance(3)
    return fleet


def capacity_fallback(build: Platforms) -> Fleet:
    """PI_APP (a 2-core, 8g driver and two such executors) on the Graviton and Intel memory-optimized
    pools, EC2 refusing every Graviton family."""
    fleet = fleet_of(
        build, pools=[spark_graviton_memory_optimized(), spark_memory_optimized()], scenario=NO_GRAVITON
    )
    fleet.apply(pyspark_pi(PI_APP, selector=MULTI_ARCH, cores=2, memory="8g"))
    fleet.advance(1)
    return fleet
