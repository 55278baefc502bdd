"""The node provisioner's controllers on the embedded store, a simulated EC2 and a virtual clock.

`Platform` wires the provisioner, NodeClaim lifecycle and disruption controllers the way the platform
does and steps them deterministically; `StandInScheduler` plays the scheduler's part (it is not the real
one): it binds pending pods to a Node that takes them and marks the others PodScheduled=False,
reason=Unschedulable. Spark pods come from the submission engine, shaped like the blueprint's pyspark-pi.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sparkfleet.api.blueprint import blueprint_ec2nodeclasses, blueprint_nodepools, manifest_dict
from sparkfleet.api.ec2nodeclass import EC2NodeClass
from sparkfleet.api.karpenter import NodePool
from sparkfleet.api.placement import Taint, Toleration
from sparkfleet.api.pod import Pod
from sparkfleet.api.scenario import Scenario, UnavailableOffering
from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.wire import TAINT_UNREGISTERED
from sparkfleet.clock import VirtualClock
from sparkfleet.cloud import Cloud, InstanceState
from sparkfleet.cloud.catalog import load_catalog
from sparkfleet.cloud.sim import SimulatedEC2
from sparkfleet.cluster import NotFound
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.events import events_for
from sparkfleet.controllers.disruption import DisruptionReconciler
from sparkfleet.controllers.nodeclaim import NodeClaimReconciler
from sparkfleet.controllers.provisioner import ProvisionerReconciler
from sparkfleet.controllers.support.fleet import FleetSource
from sparkfleet.controllers.support.offeringcache import OfferingCache
from sparkfleet.engine.provisioning import Resources, pod_requests
from sparkfleet.engine.provisioning.resources import resources_from_list
from sparkfleet.engine.submission import SubmissionOptions, build_submission
from sparkfleet.reconcile import Controller

GRAVITON = ("r6g", "r6gd", "r7g", "r7gd", "r8g")
NO_GRAVITON = Scenario(unavailableOfferings=[UnavailableOffering(instanceFamily=f) for f in GRAVITON])
"""EC2 without capacity for any Graviton family: the fallback scenario."""

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NAMESPACE = "spark-team-a"
COMPUTE = {"NodeGroupType": "SparkComputeOptimized"}
MULTI_ARCH = {"multiArch": "Spark"}
TOLERATE_COMPUTE = [{"key": "spark-compute-optimized", "operator": "Exists", "effect": "NoSchedule"}]
Obj = dict[str, Any]


def pyspark_pi(
    name: str = "pyspark-pi-karpenter",
    *,
    selector: Mapping[str, str] = COMPUTE,
    executors: int = 2,
    cores: int = 1,
    memory: str = "512m",
) -> SparkApplication:
    """The blueprint's pyspark-pi job (driver + executors, both selecting `selector`)."""
    role = {
        "cores": cores,
        "memory": memory,
        "serviceAccount": "spark-team-a",
        "nodeSelector": dict(selector),
        "tolerations": TOLERATE_COMPUTE,
    }
    return SparkApplication.model_validate(
        {
            "apiVersion": "sparkoperator.k8s.io/v1beta2",
            "kind": "SparkApplication",
            "metadata": {
                "name": name,
                "namespace": NAMESPACE,
                "labels": {"app": "pyspark-pi", "applicationId": name, "queue": "root.test"},
            },
            "spec": {
                "type": "Python",
                "pythonVersion": "3",
                "mode": "cluster",
                "image": "public.ecr.aws/data-on-eks/spark:3.5.3-scala2.12-java17-python3-ubuntu",
                "mainApplicationFile": "local:///opt/spark/examples/src/main/python/pi.py",
                "sparkVersion": "3.5.3",
                "driver": {**role, "coreLimit": "1200m"},
                "executor": {**role, "instances": executors},
            },
        }
    )


class StandInScheduler:
    """Binds pending pods first-fit to Ready Nodes whose labels, taints and room take them; marks the
    rest Unschedulable, as the scheduler does for pods more nodes would help."""

    def __init__(self, store: EmbeddedCluster) -> None:
        self.store = store

    def step(self) -> None:
        nodes = [n for n in self.store.list("Node").items if _schedulable(n)]
        pods = self.store.list("Pod").items
        free = {n["metadata"]["name"]: resources_from_list(n["status"]["allocatable"]) for n in nodes}
        for pod in pods:
            node = pod["spec"].get("nodeName")
            if node in free and pod.get("status", {}).get("phase") not in ("Succeeded", "Failed"):
                free[node] = free[node] - _requests(pod)
        for pod in pods:
            if pod["spec"].get("nodeName") or pod.get("status", {}).get("phase") not in (None, "Pending"):
                continue
            target = next((n for n in nodes if _fits(pod, n, free[n["metadata"]["name"]])), None)
            meta = pod["metadata"]
            if target is not None:
                name = target["metadata"]["name"]
                self.store.bind(meta["namespace"], meta["name"], name)
                free[name] = free[name] - _requests(pod)
            elif not _marked(pod):
                condition = {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": f"0/{len(nodes)} nodes are available",
                }
                self.store.patch(
                    "Pod",
                    meta["namespace"],
                    meta["name"],
                    {"status": {"phase": "Pending", "conditions": [condition]}},
                    subresource="status",
                )


def _requests(pod: Obj) -> Resources:
    return pod_requests(Pod.model_validate(pod).spec)


def _schedulable(node: Obj) -> bool:
    ready = any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"]["conditions"])
    return ready and not node["spec"].get("unschedulable")


def _marked(pod: Obj) -> bool:
    return any(
        c.get("type") == "PodScheduled" and c.get("reason") == "Unschedulable"
        for c in pod.get("status", {}).get("conditions", [])
    )


def _fits(pod: Obj, node: Obj, free: Resources) -> bool:
    labels = node["metadata"].get("labels", {})
    if any(labels.get(k) != v for k, v in pod["spec"].get("nodeSelector", {}).items()):
        return False
    tolerations = [Toleration.model_validate(t) for t in pod["spec"].get("tolerations", [])]
    for taint in (Taint.model_validate(t) for t in node["spec"].get("taints", [])):
        if taint.effect != "PreferNoSchedule" and not any(t.tolerates(taint) for t in tolerations):
            return False
    return _requests(pod).fits_in(free)


class KubeletsJoin:
    """The simulated EC2 as EC2 joining EKS: its instances' own kubelets register their Nodes (played by
    `StandInKubelets`), so the NodeClaim controller adopts them instead of creating them."""

    registers_nodes = True

    def __init__(self, inner: SimulatedEC2) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


UNREGISTERED = {"key": TAINT_UNREGISTERED, "effect": "NoExecute"}


class StandInKubelets:
    """What each running instance's kubelet does on EKS: registers a Node named after its address
    (`ip-10-0-0-1.ec2.internal`, ...), carrying its providerID and Karpenter's unregistered taint, sized
    as its NodeClaim says."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.registered: dict[str, str] = {}
        """Instance id -> the name of the Node its kubelet registered."""

    def step(self) -> None:
        claims = {c["status"].get("providerID"): c for c in self.platform.claims() if c.get("status")}
        for instance in self.platform.sim.list_instances():
            provider_id = f"aws:///{instance.zone}/{instance.instance_id}"
            claim = claims.get(provider_id)
            if (
                instance.state is not InstanceState.RUNNING
                or instance.instance_id in self.registered
                or not claim
            ):
                continue
            name = f"ip-10-0-0-{len(self.registered) + 1}.ec2.internal"
            self.platform.store.create(kubelet_node(name, provider_id, claim["status"]))
            self.registered[instance.instance_id] = name

    def advance(self, seconds: float, *, step: float = 1.0) -> None:
        """The platform's `advance`, the kubelets registering after each step."""
        for _ in range(int(seconds / step)):
            self.platform.advance(step, step=step)
            self.step()


def kubelet_node(name: str, provider_id: str, sized: Mapping[str, Any]) -> Obj:
    """A Node as a kubelet registers it: its own name and hostname label, no owner, Ready."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}},
        "spec": {"providerID": provider_id, "taints": [UNREGISTERED]},
        "status": {
            "capacity": dict(sized["capacity"]),
            "allocatable": dict(sized["allocatable"]),
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
            "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}],
        },
    }


class Platform:
    """The three controllers over one store and one simulated region, stepped by hand."""

    def __init__(
        self,
        home: Path,
        *,
        scenario: Scenario | None = None,
        pools: Sequence[NodePool] | None = None,
        classes: Sequence[EC2NodeClass] | None = None,
        clock: VirtualClock | None = None,
        store: EmbeddedCluster | None = None,
        cloud: Cloud | None = None,
        seed: bool = True,
    ) -> None:
        self.clock = clock or VirtualClock(START)
        self.store = store or EmbeddedCluster(home / "store.db", self.clock)
        self.sim = SimulatedEC2(load_catalog(), scenario or Scenario(), self.clock)
        self.cloud: Cloud = cloud or self.sim
        if seed:
            for model in [*(classes or blueprint_ec2nodeclasses()), *(pools or blueprint_nodepools())]:
                self.store.create(manifest_dict(model))
        self._seen = self.store.resource_version
        self.start_controllers()
        self.scheduler = StandInScheduler(self.store)

    def start_controllers(self, cloud: Cloud | None = None) -> None:
        """(Re)create the controllers, as a restarted process would (nothing kept in memory)."""
        cloud = cloud or self.cloud
        self.offerings = OfferingCache()
        self.fleets = FleetSource(self.store, cloud)
        self.provisioner = ProvisionerReconciler(self.store, self.clock, self.fleets, self.offerings)
        self.nodeclaims = NodeClaimReconciler(self.store, self.clock, cloud, self.offerings)
        self.disruption = DisruptionReconciler(self.store, self.clock, self.fleets, self.offerings)
        self.controllers = [
            Controller(self.provisioner, self.store, self.clock),
            Controller(self.nodeclaims, self.store, self.clock),
            Controller(self.disruption, self.store, self.clock),
        ]

    # -- stepping -----------------------------------------------------------------------------------
    def deliver(self) -> None:
        """Hand every change since the last call to the controllers watching its kind, as their watches do."""
        with self.store.watch(None, resource_version=self._seen, timeout_seconds=0) as changes:
            for event in changes:
                for controller in self.controllers:
                    if event.object.get("kind") in controller.reconciler.watches():
                        controller.handle(event)
            self._seen = changes.resource_version

    def settle(self, *, scheduler: bool = True) -> None:
        """Run the scheduler stand-in and the controllers until nothing is ready to do at this time."""
        for controller in self.controllers:
            controller.enqueue_all()  # a resync
        for _ in range(10):
            if scheduler:
                self.scheduler.step()
            self.deliver()
            if sum(controller.run_until_idle() for controller in self.controllers) == 0:
                break

    def advance(self, seconds: float, *, step: float = 1.0, scheduler: bool = True) -> None:
        """Let `seconds` pass in steps, settling after each (the batch window and polls are 1 s)."""
        left = seconds
        while left > 1e-9:
            dt = min(step, left)
            self.clock.advance(dt)
            left -= dt
            self.settle(scheduler=scheduler)

    # -- objects ------------------------------------------------------------------------------------
    def submit(self, app: SparkApplication) -> list[Obj]:
        """Create the application's driver and executor pods as the operator and Spark would."""
        submission = build_submission(app, f"sub-{app.metadata.name}", SubmissionOptions())
        driver = self.store.create(submission.driver_pod)
        executors = [
            self.store.create(submission.executor_pod(i, driver_pod=driver))
            for i in range(1, app.spec.initial_executor_count() + 1)
        ]
        return [driver, *executors]

    def pods(self) -> list[Obj]:
        items: list[Obj] = self.store.list("Pod").items
        return items

    def pod(self, name: str, namespace: str = NAMESPACE) -> Obj | None:
        try:
            obj: Obj = self.store.get("Pod", namespace, name)
        except NotFound:
            return None
        return obj

    def set_phase(self, pod: Obj, phase: str) -> None:
        meta = pod["metadata"]
        self.store.patch(
            "Pod", meta["namespace"], meta["name"], {"status": {"phase": phase}}, subresource="status"
        )

    def claims(self) -> list[Obj]:
        items: list[Obj] = self.store.list("NodeClaim").items
        return items

    def nodes(self) -> list[Obj]:
        items: list[Obj] = self.store.list("Node").items
        return items

    def events(self, kind: str, name: str, namespace: str | None = None) -> list[tuple[str, str]]:
        return [(e["reason"], e["message"]) for e in events_for(self.store, kind, namespace, name)]

    def reasons(self, kind: str, name: str, namespace: str | None = None) -> list[str]:
        return [reason for reason, _ in self.events(kind, name, namespace)]

    def close(self) -> None:
        self.store.close()


class Platforms:
    """Builds platforms under one directory and closes them all (a test's fixture)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.made: list[Platform] = []

    def __call__(self, **kwargs: Any) -> Platform:
        platform = Platform(self.home / f"p{len(self.made)}", **kwargs)
        self.made.append(platform)
        return platform

    def close(self) -> None:
        for platform in self.made:
            platform.close()


def condition(obj: Obj, kind: str) -> dict[str, Any] | None:
    for cond in obj.get("status", {}).get("conditions", []):
        if cond["type"] == kind:
            found: dict[str, Any] = cond
            return found
    return None


def plain_pod(
    name: str,
    cpu: str = "1",
    memory: str = "1Gi",
    *,
    selector: Mapping[str, str] = COMPUTE,
    namespace: str = NAMESPACE,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
) -> Obj:
    """A pod that is not Spark's (no spark-role label), tolerating the blueprint's pool taints."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": dict(labels or {}),
            "annotations": dict(annotations or {}),
        },
        "spec": {
            "containers": [
                {
                    "name": "main",
                    "image": "busybox",
                    "resources": {"requests": {"cpu": cpu, "memory": memory}},
                }
            ],
            "nodeSelector": dict(selector),
            "tolerations": TOLERATE_COMPUTE,
        },
    }


@pytest.fixture
def build(tmp_path: Path) -> Iterator[Platforms]:
    """Platforms on the simulated EC2, each built on demand (`build(scenario=..., pools=...)`), closed at
    the end of the test. A fixture: the conftests that share it import it."""
    platforms = Platforms(tmp_path)
    yield platforms
    platforms.close()
