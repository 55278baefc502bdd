"""The scheduler controller on the embedded store, stepped on a virtual clock, with nodes created directly."""

from __future__ import annotations

import base64
import copy
import gzip
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from sparkfleet.api.blueprint import blueprint_queues, manifest_dict
from sparkfleet.api.sparkapplication import load_spark_application
from sparkfleet.api.wire import CLUSTER_SCHEDULER_NAMES, DEFAULT_SCHEDULER_NAME
from sparkfleet.api.yunikorn import to_configmap
from sparkfleet.clock import VirtualClock
from sparkfleet.cluster import Obj, WatchEvent, WatchEventType
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.events import events_for
from sparkfleet.controllers.scheduler import PARTITION_KEY, SchedulerReconciler
from sparkfleet.controllers.scheduler.effects import BINDS_IN_FLIGHT
from sparkfleet.controllers.support.schedulerstate import STATE_CONFIGMAP, read_state
from sparkfleet.engine.scheduling import PLACEHOLDER_IMAGE, AppState
from sparkfleet.engine.submission import Submission, SubmissionOptions, build_submission
from sparkfleet.reconcile import Controller

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PI = Path(__file__).resolve().parents[2] / "examples" / "pyspark-pi-job.yaml"
NS = "spark-team-a"
APP_ID = "pyspark-pi-karpenter"
COMPUTE = {"NodeGroupType": "SparkComputeOptimized", "karpenter.sh/capacity-type": "on-demand"}
COMPUTE_TAINT = {"key": "spark-compute-optimized", "effect": "NoSchedule"}
SMALL_QUEUES = """
partitions:
  - name: default
    queues:
      - name: root
        submitacl: '*'
        queues:
          - name: small
            resources: {max: {vcore: %s, memory: 100Gi}}
"""


def node(name: str, cpu: str = "2", memory: str = "8Gi", *, spark: bool = True) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": dict(COMPUTE) if spark else {}},
        "spec": {"taints": [COMPUTE_TAINT]} if spark else {},
        "status": {
            "allocatable": {"cpu": cpu, "memory": memory, "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


def plain_pod(
    name: str,
    cpu: str = "1",
    *,
    queue: str | None = None,
    scheduler: str = "yunikorn",
    app: str | None = None,
) -> Obj:
    labels = {"applicationId": app or f"app-{name}"}
    if queue:
        labels["queue"] = queue
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NS, "labels": labels},
        "spec": {
            "schedulerName": scheduler,
            "containers": [{"name": "main", "resources": {"requests": {"cpu": cpu, "memory": "1Gi"}}}],
        },
    }


def pi_manifest(*, queue: str = "root.test", executors: int = 2, policy: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = copy.deepcopy(next(d for d in yaml.safe_load_all(PI.read_text()) if d))
    doc["metadata"]["labels"]["queue"] = queue
    doc["spec"]["executor"]["instances"] = executors
    if policy:
        doc["metadata"]["annotations"] = {"yunikorn.apache.org/schedulingPolicyParameters": policy}
    return doc


class World:
    """The store, the scheduler controller stepping over it, and the Spark driver's part (executors)."""

    def __init__(self, store: EmbeddedCluster, clock: VirtualClock) -> None:
        self.store = store
        self.clock = clock
        self.restart()

    def restart(self) -> None:
        self.reconciler = SchedulerReconciler(self.store, self.clock)
        self.controller = Controller(self.reconciler, self.store, self.clock)

    def settle(self) -> None:
        self.controller.enqueue_all()
        self.controller.run_until_idle()

    def advance(self, seconds: float) -> None:
        """Let time pass: only the controller's own timers run (no watch events are replayed)."""
        self.clock.advance(seconds)
        self.controller.run_until_idle()

    def submit(
        self, manifest: dict[str, Any], submission_id: str = "5e1f2c3a-0000-4000-8000-000000000001"
    ) -> tuple[Submission, Obj]:
        app = load_spark_application(manifest)
        submission = build_submission(app, submission_id, SubmissionOptions(), submitted_at=self.clock.now())
        return submission, self.store.create(submission.driver_pod)

    def end(self, *names: str, phase: str = "Succeeded") -> None:
        """The pods' containers exit (what the kubelet reports)."""
        for name in names:
            self.store.patch("Pod", NS, name, {"status": {"phase": phase}}, subresource="status")

    def executors(self, submission: Submission, count: int) -> list[Obj]:
        driver = self.pod(submission.driver_pod_name)
        return [self.store.create(submission.executor_pod(i, driver_pod=driver)) for i in range(1, count + 1)]

    def pod(self, name: str) -> Obj:
        obj: Obj = self.store.get("Pod", NS, name)
        return obj

    def pods(self) -> list[Obj]:
        items: list[Obj] = self.store.list("Pod", NS).items
        return items

    def placeholders(self) -> list[Obj]:
        return [p for p in self.pods() if (p["metadata"].get("labels") or {}).get("placeholder") == "true"]

    def scheduled(self, name: str) -> dict[str, Any]:
        conditions = self.pod(name).get("status", {}).get("conditions") or []
        found: dict[str, Any] = next(c for c in conditions if c["type"] == "PodScheduled")
        return found

    def events(self, name: str) -> list[Obj]:
        return events_for(self.store, "Pod", NS, name)

    def app_state(self, app_id: str = APP_ID) -> AppState:
        state = read_state(self.store)
        assert state is not None
        return state.apps[app_id].state

    def set_queues(self, text: str) -> None:
        cm = self.store.get("ConfigMap", "yunikorn", "yunikorn-configs")
        cm["data"] = {"queues.yaml": text}
        self.store.update(cm)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def store(tmp_path: Path, clock: VirtualClock) -> Iterator[EmbeddedCluster]:
    embedded = EmbeddedCluster(tmp_path / "store.db", clock)
    embedded.create(manifest_dict(to_configmap(blueprint_queues(), namespace="yunikorn")))
    yield embedded
    embedded.close()


@pytest.fixture
def world(store: EmbeddedCluster, clock: VirtualClock) -> World:
    return World(store, clock)


def test_a_plain_pod_is_bound_to_a_fitting_node_with_pod_scheduled_true(world: World) -> None:
    world.store.create(node("big", cpu="8", spark=False))
    world.store.create(plain_pod("solo", cpu="2"))
    world.settle()
    pod = world.pod("solo")
    assert pod["spec"]["nodeName"] == "big"
    assert world.scheduled("solo")["status"] == "True"
    assert {(e["reason"], e["message"]) for e in world.events("solo")} == {
        ("Scheduled", f"Successfully assigned {NS}/solo to node big"),
        ("Accepted", "application app-solo accepted into queue root.default"),
    }


class OverHttp:
    """The store as the scheduler sees a Kubernetes API: every write stands alone (no transactions)."""

    def __init__(self, store: EmbeddedCluster) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        if name == "transaction":
            raise AttributeError(name)
        return getattr(self._store, name)


def test_without_transactions_a_cycles_binds_go_out_together_and_each_is_recorded(world: World) -> None:
    over_http = OverHttp(world.store)
    world.reconciler = SchedulerReconciler(over_http, world.clock)  # type: ignore[arg-type]
    world.controller = Controller(world.reconciler, over_http, world.clock)  # type: ignore[arg-type]
    world.store.create(node("big", cpu="64", memory="64Gi", spark=False))
    names = [f"p{i}" for i in range(3 * BINDS_IN_FLIGHT)]
    for name in names:
        world.store.create(plain_pod(name, cpu="1"))
    world.settle()
    for name in names:
        assert world.pod(name)["spec"]["nodeName"] == "big"
        assert [e["message"] for e in world.events(name) if e["reason"] == "Scheduled"] == [
            f"Successfully assigned {NS}/{name} to node big"
        ]


def test_a_pod_that_fits_no_node_is_marked_unschedulable_with_one_event(world: World) -> None:
    world.store.create(node("small", cpu="2", spark=False))
    world.store.create(plain_pod("huge", cpu="16"))
    world.settle()
    condition = world.scheduled("huge")
    assert (condition["status"], condition["reason"]) == ("False", "Unschedulable")
    assert condition["message"].startswith("0/1 nodes are available")
    version = world.pod("huge")["metadata"]["resourceVersion"]
    for _ in range(3):  # the pending poll and resyncs run more cycles: nothing is written again
        world.advance(5)
        world.settle()
    assert world.pod("huge")["metadata"]["resourceVersion"] == version
    (event,) = [e for e in world.events("huge") if e["type"] == "Warning"]
    assert (event["type"], event["reason"], event["count"]) == ("Warning", "FailedScheduling", 1)
    assert event["message"] == condition["message"]
    assert event["source"]["component"] == "yunikorn"


def test_pods_of_another_scheduler_are_left_alone(world: World) -> None:
    world.store.create(node("n1", cpu="8", spark=False))
    world.store.create(plain_pod("theirs", scheduler="volcano"))
    assert list(world.reconciler.keys_for(WatchEvent(WatchEventType.ADDED, world.pod("theirs")))) == []
    world.settle()
    assert "nodeName" not in world.pod("theirs")["spec"]
    assert "status" not in world.pod("theirs") or not world.pod("theirs")["status"].get("conditions")


def test_beside_a_kube_scheduler_only_yunikorns_pods_are_taken(world: World) -> None:
    world.reconciler = SchedulerReconciler(world.store, world.clock, scheduler_names=CLUSTER_SCHEDULER_NAMES)
    world.controller = Controller(world.reconciler, world.store, world.clock)
    world.store.create(node("n1", cpu="8", spark=False))
    world.store.create(plain_pod("ours"))
    world.store.create(plain_pod("kube-schedulers", scheduler=DEFAULT_SCHEDULER_NAME))
    unnamed = plain_pod("unnamed")
    del unnamed["spec"]["schedulerName"]
    world.store.create(unnamed)
    world.settle()
    assert world.pod("ours")["spec"]["nodeName"] == "n1"
    for name in ("kube-schedulers", "unnamed"):
        assert "nodeName" not in world.pod(name)["spec"], name


def test_the_pods_another_scheduler_bound_hold_their_room_on_the_node(world: World) -> None:
    world.reconciler = SchedulerReconciler(world.store, world.clock, scheduler_names=CLUSTER_SCHEDULER_NAMES)
    world.controller = Controller(world.reconciler, world.store, world.clock)
    world.store.create(node("n1", cpu="8", spark=False))
    daemon = plain_pod("daemon", cpu="6", scheduler=DEFAULT_SCHEDULER_NAME)
    daemon["spec"]["nodeName"] = "n1"  # bound by kube-scheduler
    world.store.create(daemon)
    world.store.create(plain_pod("too-big", cpu="4"))
    world.store.create(plain_pod("fits", cpu="2"))
    world.settle()
    assert world.pod("fits")["spec"]["nodeName"] == "n1"
    assert (world.scheduled("too-big")["status"], world.scheduled("too-big")["reason"]) == (
        "False",
        "Unschedulable",
    )
    world.end("daemon")  # its room is free once it has ended
    world.settle()
    assert world.pod("too-big")["spec"]["nodeName"] == "n1"


def test_the_embedded_cluster_takes_the_default_schedulers_pods_too(world: World) -> None:
    world.store.create(node("n1", cpu="8", spark=False))
    world.store.create(plain_pod("kube-schedulers", scheduler=DEFAULT_SCHEDULER_NAME))
    world.settle()
    assert world.pod("kube-schedulers")["spec"]["nodeName"] == "n1"


def test_a_spark_gang_reserves_with_placeholders_and_real_pods_take_their_places(world: World) -> None:
    submission, driver = world.submit(pi_manifest())
    world.settle()
    placeholders = world.placeholders()
    assert len(placeholders) == 3  # the driver's and two executors'
    for ph in placeholders:
        assert ph["metadata"]["ownerReferences"][0]["uid"] == driver["metadata"]["uid"]
        # no node yet: the placeholders are what the provisioner sees
        assert world.scheduled(ph["metadata"]["name"])["reason"] == "Unschedulable"
    assert world.scheduled(submission.driver_pod_name)["reason"] == "GangReservation"
    assert world.app_state() == AppState.RESERVING

    for name in ("c1", "c2"):  # 2 vcores each: the three 1-vcore placeholders need both
        world.store.create(node(name))
    world.settle()
    assert world.app_state() == AppState.RUNNING
    by_group = {p["metadata"]["annotations"]["yunikorn.apache.org/task-group-name"]: p for p in placeholders}
    driver_placeholder = by_group["spark-driver"]["metadata"]["name"]
    remaining = world.placeholders()
    # the driver took its placeholder's place, on the node the placeholder held
    assert driver_placeholder not in {p["metadata"]["name"] for p in remaining}
    (assigned,) = [e["message"] for e in world.events(driver_placeholder) if e["reason"] == "Scheduled"]
    driver_node = world.pod(submission.driver_pod_name)["spec"]["nodeName"]
    assert assigned.endswith(f"to node {driver_node}")
    assert len(remaining) == 2 and all(p["spec"]["nodeName"] in ("c1", "c2") for p in remaining)
    reasons = [e["reason"] for e in world.events(submission.driver_pod_name)]
    assert "GangReservationComplete" in reasons

    slots = sorted(p["spec"]["nodeName"] for p in remaining)
    executors = world.executors(submission, 2)
    world.settle()
    assert world.placeholders() == []
    assert sorted(world.pod(e["metadata"]["name"])["spec"]["nodeName"] for e in executors) == slots


def placeholder_images(world: World) -> set[str]:
    world.submit(pi_manifest())
    world.settle()
    return {p["spec"]["containers"][0]["image"] for p in world.placeholders()}


def defaults_naming_an_image(world: World) -> None:
    """The Helm chart's `yunikorn-defaults`, naming a placeholder image of its own."""
    world.store.create(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "yunikorn-defaults", "namespace": "yunikorn"},
            "data": {"service.placeholderImage": "registry.example/pause:defaults"},
        }
    )


def test_placeholders_run_the_pause_image_by_default(world: World) -> None:
    assert placeholder_images(world) == {PLACEHOLDER_IMAGE}


def test_service_placeholder_image_of_the_defaults_names_the_placeholders_image(world: World) -> None:
    defaults_naming_an_image(world)
    assert placeholder_images(world) == {"registry.example/pause:defaults"}


def test_the_users_service_placeholder_image_wins_over_the_defaults(world: World) -> None:
    defaults_naming_an_image(world)
    cm = world.store.get("ConfigMap", "yunikorn", "yunikorn-configs")
    cm["data"]["service.placeholderImage"] = "registry.example/pause:3.10"
    world.store.update(cm)
    assert placeholder_images(world) == {"registry.example/pause:3.10"}


def test_leftover_placeholders_are_released_after_the_timeout_once_the_app_runs(world: World) -> None:
    submission, _ = world.submit(pi_manifest(policy="placeholderTimeoutInSeconds=60"))
    for name in ("c1", "c2"):
        world.store.create(node(name))
    world.settle()
    world.executors(submission, 1)  # Spark asked for two but only one came
    world.settle()
    assert len(world.placeholders()) == 1
    world.advance(60)  # the controller's own timer: no change in the store triggers this cycle
    assert world.placeholders() == []
    assert world.app_state() == AppState.RUNNING


def test_a_hard_placeholder_timeout_fails_the_app_on_the_virtual_clock(world: World) -> None:
    submission, _ = world.submit(
        pi_manifest(policy="placeholderTimeoutInSeconds=30 gangSchedulingStyle=Hard")
    )
    world.store.create(node("c1"))  # room for two of the three placeholders
    world.settle()
    assert sum(1 for p in world.placeholders() if p["spec"].get("nodeName")) == 2
    world.advance(29)
    assert world.app_state() == AppState.RESERVING
    world.advance(1)
    driver = world.pod(submission.driver_pod_name)
    assert (driver["status"]["phase"], driver["status"]["reason"]) == ("Failed", "ResourceReservationTimeout")
    assert world.placeholders() == []
    world.settle()
    assert world.app_state() == AppState.FAILED
    warnings = [e for e in world.events(submission.driver_pod_name) if e["type"] == "Warning"]
    assert [e["reason"] for e in warnings] == ["ResourceReservationTimeout"]
    assert "2/3 placeholders bound" in warnings[0]["message"]


def test_a_gang_larger_than_its_queue_max_is_rejected_and_no_node_is_asked_for(world: World) -> None:
    submission, _ = world.submit(pi_manifest(queue="root.dev", executors=20))  # 21 vcores, dev max 10
    world.settle()
    driver = world.pod(submission.driver_pod_name)
    assert (driver["status"]["phase"], driver["status"]["reason"]) == ("Failed", "ApplicationRejected")
    (event,) = [e for e in world.events(submission.driver_pod_name) if e["type"] == "Warning"]
    assert event["reason"] == "ApplicationRejected"
    assert "queue root.dev" in event["message"] and "vcore: 10" in event["message"]
    assert world.placeholders() == []
    unschedulable = [
        p
        for p in world.pods()
        for c in (p.get("status") or {}).get("conditions") or []
        if c.get("reason") == "Unschedulable"
    ]
    assert unschedulable == []
    assert world.app_state() == AppState.REJECTED


def test_a_changed_queue_max_applies_at_the_next_cycle(world: World) -> None:
    world.set_queues(SMALL_QUEUES % 2)
    world.store.create(node("n1", cpu="8", spark=False))
    for name in ("a", "b", "c"):
        world.store.create(plain_pod(name, queue="root.small"))
        world.settle()
    assert [bool(world.pod(n)["spec"].get("nodeName")) for n in "abc"] == [True, True, False]
    # held by the queue, not by capacity: nothing for a provisioner to do
    assert world.scheduled("c")["reason"] == "QueueLimit"

    world.set_queues(SMALL_QUEUES % 3)
    world.settle()
    assert world.pod("c")["spec"]["nodeName"] == "n1"
    reasons = [e["reason"] for e in events_for(world.store, "ConfigMap", "yunikorn", "yunikorn-configs")]
    assert reasons == ["QueueConfigApplied"]  # the first config is loaded, the change is applied


def test_a_gzip_compressed_queue_config_in_binary_data_applies_like_data(world: World) -> None:
    world.set_queues(SMALL_QUEUES % 3)
    world.store.create(node("n1", cpu="8", spark=False))
    cm = world.store.get("ConfigMap", "yunikorn", "yunikorn-configs")
    packed = base64.b64encode(gzip.compress((SMALL_QUEUES % 1).encode())).decode()
    cm["data"], cm["binaryData"] = {}, {"queues.yaml.gz": packed}
    world.store.update(cm)
    for name in ("a", "b"):
        world.store.create(plain_pod(name, queue="root.small"))
        world.settle()
    assert [bool(world.pod(n)["spec"].get("nodeName")) for n in "ab"] == [True, False]
    assert world.scheduled("b")["reason"] == "QueueLimit"


def test_an_invalid_queue_config_is_refused_with_a_warning_and_the_last_valid_one_kept(world: World) -> None:
    world.set_queues(SMALL_QUEUES % 1)
    world.store.create(node("n1", cpu="8", spark=False))
    world.settle()
    world.set_queues(SMALL_QUEUES.replace("max:", "maximum:") % 5)
    for name in ("a", "b"):
        world.store.create(plain_pod(name, queue="root.small"))
        world.settle()
    assert [bool(world.pod(n)["spec"].get("nodeName")) for n in "ab"] == [True, False]
    events = events_for(world.store, "ConfigMap", "yunikorn", "yunikorn-configs")
    rejected = [e for e in events if e["reason"] == "QueueConfigRejected"]
    assert len(rejected) == 1 and rejected[0]["count"] == 1 and rejected[0]["type"] == "Warning"
    assert "maximum" in rejected[0]["message"]


def test_a_restart_with_an_invalid_queue_config_keeps_the_one_last_applied(world: World) -> None:
    world.set_queues(SMALL_QUEUES % 1)
    world.store.create(node("n1", cpu="8", spark=False))
    world.settle()
    world.set_queues(SMALL_QUEUES.replace("max:", "maximum:") % 5)
    world.restart()  # the new process finds only the invalid ConfigMap and the state
    for name in ("a", "b"):
        world.store.create(plain_pod(name, queue="root.small"))
        world.settle()
    assert [bool(world.pod(n)["spec"].get("nodeName")) for n in "ab"] == [True, False]
    assert world.scheduled("b")["reason"] == "QueueLimit"
    events = events_for(world.store, "ConfigMap", "yunikorn", "yunikorn-configs")
    (rejected,) = [e for e in events if e["type"] == "Warning"]
    assert rejected["reason"] == "QueueConfigRejected" and "maximum" in rejected["message"]


def test_a_saved_queue_config_that_is_invalid_too_is_said_with_a_warning_on_the_configmap(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.set_queues(SMALL_QUEUES % 1)
    world.settle()
    world.store.patch("ConfigMap", "yunikorn", STATE_CONFIGMAP, {"data": {"queues.yaml": "partitions: ["}})
    world.set_queues(SMALL_QUEUES.replace("max:", "maximum:") % 5)
    world.restart()
    world.store.create(node("n1", cpu="8", spark=False))
    world.store.create(plain_pod("p"))
    with caplog.at_level("WARNING", logger="sparkfleet.controllers.scheduler"):
        world.settle()
    assert world.pod("p")["spec"]["nodeName"] == "n1"  # scheduled with YuniKorn's built-in default
    events = events_for(world.store, "ConfigMap", "yunikorn", "yunikorn-configs")
    warnings = {e["reason"]: e["message"] for e in events if e["type"] == "Warning"}
    assert set(warnings) == {"QueueConfigRejected"}
    fallback = [e["message"] for e in events if "yunikorn/yunikorn-state" in e["message"]]
    assert len(fallback) == 1 and "built-in default" in fallback[0] and "not valid YAML" in fallback[0]
    assert any("yunikorn/yunikorn-state" in r.getMessage() for r in caplog.records)


def test_a_restarted_scheduler_resumes_the_gang_timeout_from_its_state(world: World) -> None:
    submission, _ = world.submit(
        pi_manifest(policy="placeholderTimeoutInSeconds=30 gangSchedulingStyle=Hard")
    )
    world.store.create(node("c1"))
    world.settle()
    world.advance(20)
    world.restart()  # a new process: nothing in memory, the state ConfigMap tells where things were
    world.settle()
    assert world.app_state() == AppState.RESERVING
    world.advance(10)  # 30 s after the first placeholder, not 30 s after the restart
    assert world.pod(submission.driver_pod_name)["status"]["reason"] == "ResourceReservationTimeout"


def test_the_state_configmap_is_written_only_when_something_changed(world: World) -> None:
    world.store.create(node("n1", cpu="8", spark=False))
    world.store.create(plain_pod("p"))
    world.settle()
    state = world.store.get("ConfigMap", "yunikorn", STATE_CONFIGMAP)
    world.settle()
    world.advance(60)
    assert (
        world.store.get("ConfigMap", "yunikorn", STATE_CONFIGMAP)["metadata"]["resourceVersion"]
        == (state["metadata"]["resourceVersion"])
    )
    saved = read_state(world.store)
    assert saved is not None
    assert saved.apps["app-p"].queue == "root.default"
    (test_queue,) = [q for q in saved.queues if q.path == "root.default"]
    assert test_queue.allocated.as_dict() == {"cpu": 1000, "memory": 2**30, "pods": 1}


def test_only_changes_that_can_matter_wake_the_scheduler(world: World) -> None:
    world.store.create(node("n1", cpu="8", spark=False))
    world.store.create(plain_pod("p"))
    world.store.create(plain_pod("waiting", cpu="64"))
    world.settle()
    world.settle()  # the watch's view after the cycle's own writes

    def keys(obj: Obj, kind: WatchEventType = WatchEventType.MODIFIED) -> list[str]:
        return list(world.reconciler.keys_for(WatchEvent(kind, obj)))

    running = world.pod("p")
    running["status"]["conditions"].append({"type": "Ready", "status": "True"})
    assert keys(running) == []  # a bound pod's readiness is not the scheduler's business
    running["status"]["phase"] = "Succeeded"
    assert keys(running) == [PARTITION_KEY]
    assert keys(world.pod("waiting")) == []  # the scheduler's own condition write
    assert keys(world.pod("waiting"), WatchEventType.DELETED) == [PARTITION_KEY]
    assert keys(world.store.get("ConfigMap", "yunikorn", STATE_CONFIGMAP)) == []
    assert keys(world.store.get("ConfigMap", "yunikorn", "yunikorn-configs")) == [PARTITION_KEY]
    cordoned = world.store.get("Node", None, "n1")
    cordoned["spec"]["unschedulable"] = True
    assert keys(cordoned) == [PARTITION_KEY]


PREEMPTION_QUEUES = """
partitions:
  - name: default
    preemption: {enabled: true}
    queues:
      - name: root
        submitacl: '*'
        queues:
          - name: high
            resources: {guaranteed: {vcore: 8, memory: 64Gi}}
          - name: low
            resources: {guaranteed: {vcore: 2, memory: 8Gi}}
"""


def test_a_queue_below_its_guarantee_preempts_after_the_delay_and_its_pods_take_the_room(
    world: World,
) -> None:
    world.set_queues(PREEMPTION_QUEUES)
    world.store.create(node("n1", cpu="16", memory="64Gi", spark=False))
    for i in range(16):
        world.store.create(plain_pod(f"low-{i}", queue="root.low", app="low"))
    world.settle()
    world.clock.advance(10)
    for i in range(4):
        world.store.create(plain_pod(f"high-{i}", queue="root.high", app="high"))
    world.settle()
    assert world.scheduled("high-0")["reason"] == "Unschedulable"
    world.advance(30)  # the pending poll comes back after preemption.delay
    lows = [p for p in world.pods() if p["metadata"]["name"].startswith("low-")]
    assert len(lows) == 12  # four victims, as many as the high queue needs: it stays within its guarantee
    for i in range(4):  # the room is held for them while the victims terminate
        assert world.pod(f"high-{i}")["status"]["nominatedNodeName"] == "n1"
        assert world.scheduled(f"high-{i}")["reason"] == "WaitingForPreemption"
    world.settle()
    assert all(world.pod(f"high-{i}")["spec"]["nodeName"] == "n1" for i in range(4))


# --- runs under an application id seen before ------------------------------------------------------------


def run_pi(world: World, name: str, submission_id: str) -> tuple[Submission, list[Obj]]:
    """A SparkApplication run of the pi job named `name` (its labels, applicationId included, unchanged)
    taken through its gang to the end: placeholders, the driver, two executors, every pod succeeded."""
    manifest = pi_manifest()
    manifest["metadata"]["name"] = name
    submission, driver = world.submit(manifest, submission_id)
    world.settle()
    # the whole gang was reserved for this driver, which took its placeholder's place at once
    assert "GangReservationComplete" in [e["reason"] for e in world.events(submission.driver_pod_name)]
    assert world.pod(submission.driver_pod_name)["spec"].get("nodeName"), f"{name}: driver not bound"
    placeholders = world.placeholders()
    assert len(placeholders) == 2, f"{name}: the executors' placeholders wait for them"
    assert {p["metadata"]["ownerReferences"][0]["uid"] for p in placeholders} == {driver["metadata"]["uid"]}
    executors = world.executors(submission, 2)
    world.settle()
    assert world.placeholders() == []
    assert all(world.pod(e["metadata"]["name"])["spec"].get("nodeName") for e in executors)
    world.end(submission.driver_pod_name, *(e["metadata"]["name"] for e in executors))
    world.settle()
    assert world.app_state() == AppState.COMPLETED
    return submission, executors


def test_every_run_of_a_schedule_under_the_pi_jobs_application_id_is_scheduled(world: World) -> None:
    for name in ("c1", "c2", "c3", "c4"):
        world.store.create(node(name))
    for i in range(3):  # the runs a ScheduledSparkApplication makes from the pi job template
        run_pi(world, f"pi-schedule-{1767603600 + 60 * i}", f"5e1f2c3a-0000-4000-8000-00000000001{i}")
    state = read_state(world.store)
    assert state is not None
    reasons = [t.reason for t in state.apps[APP_ID].history]
    assert reasons.count("NewRun") == 2 and reasons.count("GangReservationComplete") == 3


def test_a_second_application_with_the_same_application_id_runs_while_the_first_remains(
    world: World,
) -> None:
    for name in ("c1", "c2", "c3", "c4"):
        world.store.create(node(name))
    first, first_executors = run_pi(world, "pyspark-pi-karpenter", "5e1f2c3a-0000-4000-8000-000000000001")
    second, _ = run_pi(world, "pyspark-pi-karpenter-2", "5e1f2c3a-0000-4000-8000-000000000002")
    # the first application's pods are still there, as they ended
    for name in (first.driver_pod_name, *(e["metadata"]["name"] for e in first_executors)):
        assert world.pod(name)["status"]["phase"] == "Succeeded"
    state = read_state(world.store)
    assert state is not None
    assert state.apps[APP_ID].originator == world.pod(second.driver_pod_name)["metadata"]["uid"]


def test_the_pi_job_completed_deleted_and_applied_again_is_scheduled(world: World) -> None:
    for name in ("c1", "c2", "c3", "c4"):
        world.store.create(node(name))
    first, _ = run_pi(world, "pyspark-pi-karpenter", "5e1f2c3a-0000-4000-8000-000000000001")
    world.store.delete("Pod", NS, first.driver_pod_name)  # its executors go with it
    world.settle()
    run_pi(world, "pyspark-pi-karpenter", "5e1f2c3a-0000-4000-8000-000000000002")


def test_a_driver_rerun_after_a_crash_mid_run_reserves_a_new_gang(world: World) -> None:
    for name in ("c1", "c2", "c3", "c4"):
        world.store.create(node(name))
    first, _ = world.submit(pi_manifest())
    world.settle()
    world.executors(first, 2)
    world.settle()
    assert world.app_state() == AppState.RUNNING
    # the cluster process crashed mid-run; on the way back the operator reruns the application: the old
    # driver (and with it its executors) is deleted and a new one of the same name is created, all before
    # the restarted scheduler's first cycle, which only has the saved Running state to go by
    world.restart()
    world.store.delete("Pod", NS, first.driver_pod_name)
    second, _ = run_pi(world, "pyspark-pi-karpenter", "5e1f2c3a-0000-4000-8000-000000000002")
    assert second.driver_pod_name == first.driver_pod_name
    state = read_state(world.store)
    assert state is not None
    assert [t.from_state for t in state.apps[APP_ID].history if t.reason == "NewRun"] == [AppState.RUNNING]


def test_a_retried_driver_after_a_hard_timeout_reserves_a_new_gang(world: World) -> None:
    submission, _ = world.submit(
        pi_manifest(policy="placeholderTimeoutInSeconds=30 gangSchedulingStyle=Hard")
    )
    world.store.create(node("c1"))  # room for two of the three placeholders
    world.settle()
    world.advance(30)
    world.settle()
    assert world.app_state() == AppState.FAILED
    # the operator's retry (restartPolicy OnFailure) deletes the failed driver and submits again
    world.store.delete("Pod", NS, submission.driver_pod_name)
    world.store.create(node("c2"))
    retry, driver = world.submit(
        pi_manifest(policy="placeholderTimeoutInSeconds=30 gangSchedulingStyle=Hard"),
        "5e1f2c3a-0000-4000-8000-000000000002",
    )
    world.settle()
    assert world.app_state() == AppState.RUNNING
    retried = world.pod(retry.driver_pod_name)
    assert retried["spec"].get("nodeName") and retried["status"].get("phase") != "Failed"
    state = read_state(world.store)
    assert state is not None
    status = state.apps[APP_ID]
    assert status.originator == driver["metadata"]["uid"]
    assert status.first_placeholder_at == pytest.approx(world.clock.now().timestamp())
