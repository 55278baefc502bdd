"""A small embedded cluster for kubelet tests: the store, the SparkApplication controller and the kubelet,
stepped on the test's thread with every change delivered as their watches would deliver it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.events import events_for
from sparkfleet.controllers.sparkapplication import SparkApplicationReconciler
from sparkfleet.reconcile import Controller
from sparkfleet.runtime.local import KubeletConfig, KubeletKey, KubeletReconciler, LocalRuntime, SparkInstall

from .builders import RAID0, node, spark_app

NS = "spark-team-a"
DRIVER = "pyspark-pi-driver"
NODE = "ip-10-0-1-1"
GIB = 2**30


class Cluster:
    """The store, the SparkApplication controller and the kubelet, stepped on the test's thread."""

    def __init__(
        self,
        store: EmbeddedCluster,
        clock: VirtualClock,
        runtime: LocalRuntime,
        home: Path,
        spark: SparkInstall | None = None,
        *,
        cpu_count: int | None = 2,
    ) -> None:
        """`spark`: None runs real Spark; `cpu_count`: None gives the driver every CPU of this machine."""
        self.store, self.clock, self.runtime, self.home = store, clock, runtime, home
        self.workdir = home.parent
        self.spark = spark
        self.config = KubeletConfig(workdir=self.workdir, cpu_count=cpu_count, memory_bytes=8 * GIB)
        self._kubelet(runtime)
        self.operator = Controller(SparkApplicationReconciler(store, clock), store, clock)
        self.resource_version = store.list("Node").resourceVersion
        store.create(node(NODE, mounts=RAID0))

    def _kubelet(self, runtime: LocalRuntime) -> None:
        self.runtime = runtime
        self.kubelet = KubeletReconciler(
            self.store, self.clock, runtime, self.home, config=self.config, spark=self.spark
        )
        self.controller: Controller[KubeletKey] = Controller(self.kubelet, self.store, self.clock)
        self.kubelet.wake_on_exit(self.controller.queue.add)

    def restart_kubelet(self, runtime: LocalRuntime) -> None:
        """A new kubelet on `runtime` in place of this one, as after a restart of the cluster process;
        it looks at every pod and node, as its first list would have it."""
        self._kubelet(runtime)
        for pod in self.store.list("Pod").items:
            self.controller.queue.add(("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"]))
        for known in self.store.list("Node").items:
            self.controller.queue.add(("Node", "", known["metadata"]["name"]))
        self.controller.queue.add(("Node", "", ""))
        self.settle()

    def settle(self) -> None:
        """Deliver every change since the last look to both controllers, as their watches would, and
        let them work until nothing changes any more."""
        for _ in range(10):
            with self.store.watch(None, resource_version=self.resource_version, timeout_seconds=0) as changes:
                events = list(changes)
                self.resource_version = changes.resource_version
            for event in events:
                self.operator.handle(event)
                self.controller.handle(event)
            steps = self.operator.run_until_idle() + self.controller.run_until_idle()
            if not events and not steps:
                return

    def script(self, name: str, text: str) -> str:
        path = self.workdir / name
        path.write_text(text)
        return name  # relative to the kubelet's working directory, used as it is

    def submit(self, script: str, **spec: Any) -> None:
        self.store.create(spark_app(mainApplicationFile=script, **spec))
        self.settle()

    def run(self, pod: str = DRIVER) -> dict[str, Any]:
        """Bind the pod to the node and let the kubelet start it."""
        self.store.bind(NS, pod, NODE)
        self.settle()
        return self.pod(pod)

    def finish(self, pod: str = DRIVER, timeout: float = 60) -> dict[str, Any]:
        """Wait for the pod's process to exit, then let the controllers see it."""
        assert self.runtime.wait(NS, pod, timeout=timeout) is not None
        self.settle()
        return self.pod(pod)

    def pod(self, name: str = DRIVER) -> dict[str, Any]:
        pod: dict[str, Any] = self.store.get("Pod", NS, name)
        return pod

    def executors(self) -> list[dict[str, Any]]:
        items = self.store.list("Pod", NS, label_selector={"spark-role": "executor"}).items
        return sorted(items, key=lambda p: p["metadata"]["name"])

    def app_state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.store.get("SparkApplication", NS, "pyspark-pi")["status"][
            "applicationState"
        ]
        return state

    def reasons(self, name: str = DRIVER) -> list[str]:
        return [e["reason"] for e in events_for(self.store, "Pod", NS, name)]
