"""The SparkApplication controller on the embedded store, stepped on a virtual clock with a fake kubelet."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.wire import ANNOTATION_SPEC_FINGERPRINT
from sparkfleet.clock import VirtualClock
from sparkfleet.cluster import ClusterError, Conflict, NotFound
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.events import events_for
from sparkfleet.controllers import sparkapplication
from sparkfleet.controllers.sparkapplication import SparkApplicationReconciler, submission_id_for
from sparkfleet.controllers.support.metrics import SparkApplicationMetrics
from sparkfleet.engine.lifecycle import Action, LifecycleConfig, LifecycleDecision, decide
from sparkfleet.engine.lifecycle.fingerprint import spec_fingerprint
from sparkfleet.reconcile import Controller
from support.objects import owner_ref, pod

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NAME = "pyspark-pi"
SUBMISSION_LABEL = "sparkoperator.k8s.io/submission-id"


def manifest(**spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "Python",
        "mode": "cluster",
        "image": "apache/spark:4.0.1",
        "sparkVersion": "4.0.1",
        "mainApplicationFile": "local:///opt/spark/examples/src/main/python/pi.py",
        "arguments": ["100"],
        "driver": {"cores": 1, "memory": "512m", "serviceAccount": "spark"},
        "executor": {"cores": 1, "instances": 2, "memory": "512m"},
    }
    body.update(spec)
    return {
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "kind": "SparkApplication",
        "metadata": {"name": NAME, "namespace": "default"},
        "spec": body,
    }


class Cluster:
    """The embedded cluster, a controller stepping over it, and a kubelet moving pod phases."""

    def __init__(self, store: Any, clock: VirtualClock, config: LifecycleConfig | None = None) -> None:
        self.store = store
        self.clock = clock
        self.registry = CollectorRegistry()
        self.metrics = SparkApplicationMetrics(self.registry)
        reconciler = SparkApplicationReconciler(store, clock, config=config, metrics=self.metrics)
        self.controller = Controller(reconciler, store, clock)

    def settle(self) -> None:
        for _ in range(2):
            self.controller.enqueue_all()
            self.controller.run_until_idle()

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.settle()

    def app(self) -> dict[str, Any]:
        obj: dict[str, Any] = self.store.get("SparkApplication", "default", NAME)
        return obj

    def status(self) -> dict[str, Any]:
        status: dict[str, Any] = self.app().get("status", {})
        return status

    def state(self) -> str:
        return str(self.status().get("applicationState", {}).get("state", ""))

    def pods(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.store.list("Pod", "default").items
        return items

    def driver(self) -> dict[str, Any] | None:
        try:
            pod: dict[str, Any] = self.store.get("Pod", "default", f"{NAME}-driver")
            return pod
        except NotFound:
            return None

    def kubelet(self, phase: str, *, exit_code: int | None = None, reason: str = "", **status: Any) -> None:
        pod = self.driver()
        assert pod is not None, "no driver pod to run"
        body: dict[str, Any] = {"phase": phase, **status}
        if exit_code is not None:
            terminated = {"exitCode": exit_code, "reason": reason}
            body["containerStatuses"] = [
                {"name": "spark-kubernetes-driver", "state": {"terminated": terminated}}
            ]
        self.store.update_status({**pod, "status": body})

    def events(self) -> list[tuple[str, str]]:
        return [
            (e["reason"], e["message"]) for e in events_for(self.store, "SparkApplication", "default", NAME)
        ]

    def reasons(self) -> list[str]:
        return [reason for reason, _ in self.events()]


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def store(tmp_path: Path, clock: VirtualClock) -> Iterator[EmbeddedCluster]:
    embedded = EmbeddedCluster(tmp_path / "store.db", clock)
    yield embedded
    embedded.close()


@pytest.fixture
def cluster(store: EmbeddedCluster, clock: VirtualClock) -> Cluster:
    return Cluster(store, clock)


def test_an_application_goes_from_new_to_completed_with_an_event_per_step(cluster: Cluster) -> None:
    cluster.store.create(manifest())
    cluster.settle()
    assert cluster.state() == "SUBMITTED"
    app = cluster.app()
    driver = cluster.driver()
    assert driver is not None
    assert driver["metadata"]["ownerReferences"][0]["uid"] == app["metadata"]["uid"]
    assert driver["metadata"]["labels"][SUBMISSION_LABEL] == cluster.status()["submissionID"]
    services = {s["metadata"]["name"]: s for s in cluster.store.list("Service", "default").items}
    assert f"{NAME}-ui-svc" in services
    assert cluster.status()["driverInfo"] == {
        "podName": f"{NAME}-driver",
        "webUIServiceName": f"{NAME}-ui-svc",
        "webUIPort": 4040,
        "webUIAddress": f"{NAME}-ui-svc:4040",
    }
    created = [*cluster.store.list("ConfigMap", "default").items, *services.values(), driver]
    assert {o["metadata"]["ownerReferences"][0]["uid"] for o in created} == {app["metadata"]["uid"]}
    assert cluster.status()["sparkApplicationId"] == driver["metadata"]["labels"]["spark-app-selector"]

    cluster.kubelet("Running")
    cluster.advance(5)
    assert cluster.state() == "RUNNING"
    cluster.kubelet("Succeeded", exit_code=0, reason="Completed")
    cluster.advance(60)
    assert cluster.state() == "COMPLETED"
    assert cluster.status()["terminationTime"] == "2026-01-05T09:01:05Z"
    assert cluster.reasons() == [
        "SparkApplicationAdded",
        "SparkApplicationSubmitted",
        "SparkDriverRunning",
        "SparkDriverCompleted",
        "SparkApplicationCompleted",
    ]
    assert [t["state"] for t in cluster.status()["transitions"]] == [
        "SUBMITTED",
        "RUNNING",
        "SUCCEEDING",
        "COMPLETED",
    ]


def test_a_failing_driver_is_retried_after_the_back_off_then_fails(cluster: Cluster) -> None:
    cluster.store.create(manifest(restartPolicy={"type": "OnFailure", "onFailureRetries": 1}))
    cluster.settle()
    first = cluster.status()["submissionID"]
    cluster.kubelet("Failed", exit_code=1, reason="Error")
    cluster.advance(1)
    assert cluster.state() == "FAILING", "waits 5 s x 1 attempt before the retry"
    cluster.advance(3)
    assert cluster.state() == "FAILING"
    cluster.advance(1)
    assert cluster.state() == "SUBMITTED"
    second = cluster.status()["submissionID"]
    assert second != first
    driver = cluster.driver()
    assert driver is not None and driver["metadata"]["labels"][SUBMISSION_LABEL] == second
    cluster.kubelet("Failed", exit_code=1, reason="Error")
    cluster.advance(30)
    assert cluster.state() == "FAILED"
    status = cluster.status()
    message = "driver container failed with ExitCode: 1, Reason: Error"
    assert status["applicationState"]["errorMessage"] == message
    assert (status["submissionAttempts"], status["executionAttempts"]) == (2, 2)
    assert ("SparkApplicationFailed", f"SparkApplication {NAME} failed: {message}") in cluster.events()
    assert cluster.reasons().count("SparkApplicationPendingRerun") == 1


class CrashOnStatus:
    """A cluster whose first SparkApplication status write fails (`error`), as a crash or a race would.
    With `transactions=False` it has none, as a Kubernetes API server has none: what was written before
    the failure stays."""

    def __init__(self, inner: EmbeddedCluster, error: Exception, *, transactions: bool = False) -> None:
        self.inner = inner
        self.error: Exception | None = error
        self.transactions = transactions

    def update_status(self, obj: dict[str, Any]) -> dict[str, Any]:
        if obj.get("kind") == "SparkApplication" and self.error is not None:
            error, self.error = self.error, None
            raise error
        result: dict[str, Any] = self.inner.update_status(obj)
        return result

    def __getattr__(self, name: str) -> Any:
        if name == "transaction" and not self.transactions:
            raise AttributeError(name)
        return getattr(self.inner, name)


def test_a_crash_before_the_status_write_leaves_nothing_of_the_pass_in_the_embedded_store(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    cluster = Cluster(CrashOnStatus(store, RuntimeError("controller killed"), transactions=True), clock)
    store.create(manifest())
    cluster.controller.enqueue_all()
    cluster.controller.run_until_idle()
    assert cluster.state() == ""
    assert cluster.driver() is None, "the pass's driver pod went with its failed transaction"
    assert store.list("ConfigMap", "default").items == []

    cluster.advance(1)
    assert cluster.state() == "SUBMITTED"
    assert [p["metadata"]["name"] for p in cluster.pods()] == [f"{NAME}-driver"]
    assert cluster.status()["submissionAttempts"] == 1


def test_a_crash_between_creating_the_driver_and_writing_status_does_not_make_two_drivers(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    cluster = Cluster(CrashOnStatus(store, RuntimeError("controller killed")), clock)
    app = store.create(manifest())
    cluster.controller.enqueue_all()
    cluster.controller.run_until_idle()
    assert cluster.state() == "", "the status was never written"
    driver = cluster.driver()
    assert driver is not None
    expected_id = submission_id_for(app["metadata"]["uid"], 1, 1)
    assert driver["metadata"]["labels"][SUBMISSION_LABEL] == expected_id
    # Its conf ConfigMap is lost meanwhile; adopting the driver brings it back.
    for conf_map in store.list("ConfigMap", "default").items:
        store.delete("ConfigMap", "default", conf_map["metadata"]["name"])

    cluster.advance(1)
    assert cluster.state() == "SUBMITTED"
    assert [p["metadata"]["name"] for p in cluster.pods()] == [f"{NAME}-driver"]
    adopted = cluster.driver()
    assert adopted is not None and adopted["metadata"]["uid"] == driver["metadata"]["uid"]
    assert (cluster.status()["submissionAttempts"], cluster.status()["submissionID"]) == (1, expected_id)
    assert len(store.list("ConfigMap", "default").items) == 1
    assert "adopted the existing driver pod" in cluster.events()[-1][1]


def test_a_conflicting_status_write_is_decided_again_without_a_second_driver(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    cluster = Cluster(CrashOnStatus(store, Conflict.stale("sparkapplications", NAME)), clock)
    store.create(manifest())
    cluster.settle()
    assert cluster.state() == "SUBMITTED"
    assert len(cluster.pods()) == 1
    assert cluster.status()["submissionAttempts"] == 1


class AnnotatedBeforeEachStatus:
    """A cluster without transactions (as a Kubernetes API server) where, just before each pass's
    SparkApplication status write, another controller annotates the application (as the timeline and
    cost controllers do), so the write carries a stale resourceVersion (its retry goes through)."""

    def __init__(self, inner: EmbeddedCluster) -> None:
        self.inner = inner
        self.writes = 0

    def update_status(self, obj: dict[str, Any]) -> dict[str, Any]:
        if obj.get("kind") == "SparkApplication":
            self.writes += 1
        if obj.get("kind") == "SparkApplication" and self.writes % 2:
            note = {"metadata": {"annotations": {"example.com/write": str(self.writes)}}}
            self.inner.patch("SparkApplication", "default", NAME, note)
        result: dict[str, Any] = self.inner.update_status(obj)
        return result

    def __getattr__(self, name: str) -> Any:
        if name == "transaction":
            raise AttributeError(name)
        return getattr(self.inner, name)


def test_an_annotation_written_meanwhile_does_not_lose_the_status_that_counts_a_retry(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    cluster = Cluster(AnnotatedBeforeEachStatus(store), clock)
    store.create(manifest(restartPolicy={"type": "OnFailure", "onFailureRetries": 1}))
    cluster.settle()
    assert cluster.state() == "SUBMITTED"
    cluster.kubelet("Failed", exit_code=3, reason="Error")
    cluster.advance(5)
    cluster.advance(1)
    assert cluster.state() == "SUBMITTED"
    assert (cluster.status()["submissionAttempts"], cluster.status()["executionAttempts"]) == (2, 2)
    cluster.kubelet("Failed", exit_code=3, reason="Error")
    cluster.advance(30)
    assert cluster.state() == "FAILED"
    assert cluster.reasons().count("SparkApplicationPendingRerun") == 1
    assert cluster.app()["metadata"]["annotations"]["example.com/write"], "the other writer's note stays"


def test_a_driver_stuck_pending_times_out_and_says_why(cluster: Cluster) -> None:
    cluster.store.create(manifest())
    cluster.settle()
    unschedulable = {
        "type": "PodScheduled",
        "status": "False",
        "reason": "Unschedulable",
        "message": "0/4 nodes are available: 4 Insufficient memory.",
    }
    cluster.kubelet("Pending", conditions=[unschedulable])
    cluster.advance(599)
    assert cluster.state() == "SUBMITTED"
    cluster.advance(1)
    assert cluster.state() == "FAILED"
    _, message = next(e for e in cluster.events() if e[0] == "DriverStartTimedOut")
    assert message.startswith(f"Driver pod {NAME}-driver has been Pending for 10m0s (start timeout 10m0s): ")
    assert "Unschedulable: 0/4 nodes are available: 4 Insufficient memory." in message
    assert "queue root.default" in message and "gang member of task group spark-driver" in message
    assert cluster.driver() is None, "the pending driver no longer holds its queue"


def test_the_start_timeout_is_configurable(store: EmbeddedCluster, clock: VirtualClock) -> None:
    cluster = Cluster(store, clock, LifecycleConfig(driver_start_timeout_seconds=30))
    store.create(manifest())
    cluster.settle()
    cluster.kubelet("Pending")
    cluster.advance(30)
    assert cluster.state() == "FAILED"


def test_a_finished_application_is_deleted_after_its_time_to_live(cluster: Cluster) -> None:
    cluster.store.create(manifest(timeToLiveSeconds=60))
    cluster.settle()
    cluster.kubelet("Succeeded", exit_code=0, reason="Completed")
    cluster.advance(1)
    assert cluster.state() == "COMPLETED"
    cluster.advance(59)
    assert cluster.state() == "COMPLETED", "terminated 59 s ago"
    cluster.advance(1)
    with pytest.raises(NotFound):
        cluster.app()
    assert cluster.pods() == [], "the driver pod went with its owner"


def test_a_termination_time_without_a_zone_is_reported_by_its_field_and_not_guessed(
    cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    cluster.store.create(manifest(timeToLiveSeconds=60))
    cluster.settle()
    cluster.kubelet("Succeeded", exit_code=0, reason="Completed")
    cluster.advance(1)
    app = cluster.app()
    cluster.store.update_status(
        {**app, "status": {**app["status"], "terminationTime": "2026-01-05T09:00:01"}}
    )
    cluster.advance(120)
    assert cluster.state() == "COMPLETED", "not deleted on a guess at the zone"
    assert 'status.terminationTime: "2026-01-05T09:00:01" has no timezone' in caplog.text


def test_suspend_deletes_the_run_and_resume_submits_again(cluster: Cluster) -> None:
    cluster.store.create(manifest())
    cluster.settle()
    cluster.kubelet("Running")
    cluster.advance(1)
    cluster.store.patch("SparkApplication", "default", NAME, {"spec": {"suspend": True}})
    cluster.advance(1)
    assert cluster.state() == "SUSPENDED"
    assert cluster.driver() is None
    assert cluster.store.list("Service", "default").items == []
    cluster.advance(3600)
    assert cluster.state() == "SUSPENDED"
    cluster.store.patch("SparkApplication", "default", NAME, {"spec": {"suspend": False}})
    cluster.advance(1)
    assert cluster.state() == "SUBMITTED"
    assert cluster.status()["submissionAttempts"] == 2
    assert [r for r in cluster.reasons() if "Suspend" in r or "Resum" in r] == [
        "SparkApplicationSuspending",
        "SparkApplicationSuspended",
        "SparkApplicationResuming",
    ]


def test_a_spec_change_reruns_the_application_with_fresh_attempts(cluster: Cluster) -> None:
    cluster.store.create(manifest())
    cluster.settle()
    cluster.kubelet("Running")
    cluster.advance(1)
    old = cluster.status()["submissionID"]
    cluster.store.patch("SparkApplication", "default", NAME, {"spec": {"arguments": ["1000"]}})
    cluster.advance(1)
    assert cluster.state() == "SUBMITTED"
    status = cluster.status()
    assert (status["submissionAttempts"], status["executionAttempts"]) == (1, 1)
    assert status["submissionID"] != old
    assert "SparkApplicationSpecChanged" in cluster.reasons()
    assert len(cluster.pods()) == 1


def test_changing_only_the_time_to_live_leaves_the_run_alone(cluster: Cluster) -> None:
    cluster.store.create(manifest())
    cluster.settle()
    cluster.kubelet("Running")
    cluster.advance(1)
    submission = cluster.status()["submissionID"]
    cluster.store.patch("SparkApplication", "default", NAME, {"spec": {"timeToLiveSeconds": 600}})
    cluster.advance(1)
    assert (cluster.state(), cluster.status()["submissionID"]) == ("RUNNING", submission)


def test_an_application_the_submission_refuses_fails_with_the_reason(cluster: Cluster) -> None:
    cluster.store.create(manifest(mode="client"))
    cluster.settle()
    assert cluster.state() == "FAILED"
    _, message = next(e for e in cluster.events() if e[0] == "SparkApplicationSubmissionFailed")
    assert message.startswith(f"failed to submit SparkApplication {NAME}: spec.mode")
    assert cluster.pods() == []


def test_executor_pods_are_tracked_in_the_status(cluster: Cluster) -> None:
    cluster.store.create(manifest())
    cluster.settle()
    cluster.kubelet("Running")
    submission = cluster.status()["submissionID"]
    for n, phase in ((1, "Running"), (2, "Pending")):
        labels = {
            "sparkoperator.k8s.io/app-name": NAME,
            SUBMISSION_LABEL: submission,
            "spark-role": "executor",
            "spark-exec-id": str(n),
            "spark-app-selector": "spark-0123",
        }
        pod = cluster.store.create(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": f"{NAME}-exec-{n}", "namespace": "default", "labels": labels},
                "spec": {
                    "containers": [{"name": "spark-kubernetes-executor", "image": "apache/spark:4.0.1"}]
                },
            }
        )
        cluster.store.update_status({**pod, "status": {"phase": phase}})
    cluster.advance(1)
    status = cluster.status()
    assert status["executorState"] == {f"{NAME}-exec-1": "RUNNING", f"{NAME}-exec-2": "PENDING"}
    assert status["sparkApplicationId"] == "spark-0123"
    assert {"SparkExecutorRunning", "SparkExecutorPending"} <= set(cluster.reasons())


def test_pods_of_an_application_map_to_its_key(cluster: Cluster) -> None:
    from sparkfleet.cluster import WatchEvent, WatchEventType

    reconciler = cluster.controller.reconciler
    labelled = {
        "kind": "Pod",
        "metadata": {"namespace": "ns", "labels": {"sparkoperator.k8s.io/app-name": "a"}},
    }
    assert list(reconciler.keys_for(WatchEvent(WatchEventType.MODIFIED, labelled))) == [("ns", "a")]
    assert list(reconciler.keys_for(WatchEvent(WatchEventType.ADDED, {"kind": "Pod", "metadata": {}}))) == []


class Recording:
    """The embedded cluster, keeping what the controller asks of it: the JSON of each batch of objects
    to create (as passed), how often the application was read, and optionally a failing create_many."""

    def __init__(self, inner: EmbeddedCluster, create_error: ClusterError | None = None) -> None:
        self.inner = inner
        self.create_error = create_error
        self.batches: list[list[str]] = []
        self.app_reads = 0

    def get(self, kind: str, namespace: str | None, name: str) -> dict[str, Any]:
        if kind == "SparkApplication":
            self.app_reads += 1
        found: dict[str, Any] = self.inner.get(kind, namespace, name)
        return found

    def create_many(self, objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self.batches.append([json.dumps(o, sort_keys=True) for o in objs])
        if self.create_error is not None:
            raise self.create_error
        created: list[dict[str, Any]] = self.inner.create_many(objs)
        return created

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
def decisions(monkeypatch: pytest.MonkeyPatch) -> list[LifecycleDecision]:
    """Every decision the controller gets from the engine, in order."""
    made: list[LifecycleDecision] = []

    def counting(*args: Any, **kwargs: Any) -> LifecycleDecision:
        decision = decide(*args, **kwargs)
        made.append(decision)
        return decision

    monkeypatch.setattr(sparkapplication, "decide", counting)
    return made


def test_each_pass_asks_the_engine_once_and_creates_exactly_the_decided_objects(
    store: EmbeddedCluster, clock: VirtualClock, decisions: list[LifecycleDecision]
) -> None:
    recording = Recording(store)
    cluster = Cluster(recording, clock)
    cluster.store = store  # the test's own reads are not the controller's
    store.create(manifest(restartPolicy={"type": "OnFailure", "onFailureRetries": 1}))
    cluster.settle()
    cluster.kubelet("Failed", exit_code=1, reason="Error")
    cluster.advance(5)
    assert cluster.state() == "SUBMITTED", "retried: a rerun deletes, looks again and submits"
    assert len(decisions) == recording.app_reads, "one engine call per pass, each pass one read"
    submits = [d for d in decisions if d.has(Action.SUBMIT)]
    assert len(submits) == 2
    assert recording.batches == [[json.dumps(o, sort_keys=True) for o in d.creates] for d in submits]
    for obj in submits[-1].creates:
        meta = obj["metadata"]
        stored = store.get(obj["kind"], meta["namespace"], meta["name"])
        for key in ("labels", "annotations", "ownerReferences"):
            assert stored["metadata"].get(key) == meta.get(key)
        assert {k: v for k, v in stored.items() if k not in ("metadata", "status")} == {
            k: v for k, v in obj.items() if k not in ("metadata", "status")
        }
    assert cluster.status() == submits[-1].status.model_dump(mode="json", exclude_none=True)


def test_objects_that_cannot_be_created_fail_the_attempt_on_the_next_pass(
    store: EmbeddedCluster, clock: VirtualClock, decisions: list[LifecycleDecision]
) -> None:
    recording = Recording(store, ClusterError("pods is forbidden: exceeded quota"))
    cluster = Cluster(recording, clock)
    cluster.store = store  # the test's own reads are not the controller's
    store.create(manifest())
    cluster.controller.enqueue_all()
    cluster.controller.run_until_idle()
    assert cluster.state() == "FAILED"
    message = "failed to create the submission's objects: pods is forbidden: exceeded quota"
    assert cluster.status()["applicationState"]["errorMessage"] == message
    assert (cluster.status()["submissionAttempts"], cluster.status()["executionAttempts"]) == (1, 0)
    assert cluster.reasons() == [
        "SparkApplicationAdded",
        "SparkApplicationSubmissionFailed",
        "SparkApplicationFailed",
    ], "nothing of the SUBMITTED decision was applied"
    assert cluster.pods() == []
    assert len(decisions) == recording.app_reads == 2
    assert len(recording.batches) == 1


# -- history: finished applications cost nothing until their TTL, then go with everything they own -------


def finished(store: EmbeddedCluster, name: str, **spec: Any) -> dict[str, Any]:
    """A COMPLETED application as the controller leaves it (its status naming its one submission), with
    its Succeeded driver pod, stored directly."""
    body = manifest(**spec)
    body["metadata"]["name"] = name
    app = store.create(body)
    uid, stamp = app["metadata"]["uid"], app["metadata"]["creationTimestamp"]
    status = {
        "applicationState": {"state": "COMPLETED"},
        "submissionAttempts": 1,
        "executionAttempts": 1,
        "submissionID": submission_id_for(uid, 1, 1),
        "lastSubmissionAttemptTime": stamp,
        "terminationTime": stamp,
        "driverInfo": {"podName": f"{name}-driver"},
        "executorState": {f"{name}-exec-1": "COMPLETED"},
    }
    done: dict[str, Any] = store.update_status({**app, "status": status})
    labels = {
        "sparkoperator.k8s.io/app-name": name,
        "spark-role": "driver",
        SUBMISSION_LABEL: status["submissionID"],
    }
    driver = pod(f"{name}-driver", labels=labels)
    driver["metadata"]["ownerReferences"] = [owner_ref(app)]
    # The fingerprint of the spec it ran, as the submission leaves it on the driver.
    fingerprint = spec_fingerprint(SparkApplication.model_validate(app).spec)
    driver["metadata"]["annotations"] = {ANNOTATION_SPEC_FINGERPRINT: fingerprint}
    store.update_status({**store.create(driver), "status": {"phase": "Succeeded"}})
    return done


def test_a_resync_over_a_thousand_finished_applications_does_no_work_per_application(
    store: EmbeddedCluster, clock: VirtualClock, decisions: list[LifecycleDecision]
) -> None:
    for i in range(500):
        finished(store, f"kept-{i}")
    for i in range(500):
        finished(store, f"ttl-{i}", timeToLiveSeconds=3600)
    recording = Recording(store)
    cluster = Cluster(recording, clock)
    cluster.controller.enqueue_all()  # the first list: those with a TTL are each scheduled, unread
    assert cluster.controller.run_until_idle() == 500
    assert (recording.app_reads, decisions) == (0, [])
    for _ in range(3):
        cluster.controller.enqueue_all()  # a resync, as a relist after a lost watch brings
        assert cluster.controller.run_until_idle() == 0
    assert (recording.app_reads, decisions) == (0, [])
    assert store.count("SparkApplication", "default") == 1000


def _resync_work(
    store: EmbeddedCluster, clock: VirtualClock, finished_apps: int, decisions: list[LifecycleDecision]
) -> tuple[int, int, int]:
    """(reconciles, application reads, engine decisions) of one resync over a running application and
    `finished_apps` finished ones (half of them with a TTL), once the controller has seen them all."""
    store.create(manifest())
    for i in range(finished_apps):
        finished(store, f"done-{i}", **({"timeToLiveSeconds": 3600} if i % 2 else {}))
    recording = Recording(store)
    cluster = Cluster(recording, clock)
    cluster.settle()
    recording.app_reads = 0
    decisions.clear()
    cluster.controller.enqueue_all()
    reconciles = cluster.controller.run_until_idle()
    return reconciles, recording.app_reads, len(decisions)


def test_a_resync_does_the_same_work_with_no_finished_applications_as_with_many(
    tmp_path: Path, clock: VirtualClock, decisions: list[LifecycleDecision]
) -> None:
    without = EmbeddedCluster(tmp_path / "none.db", clock)
    with_history = EmbeddedCluster(tmp_path / "many.db", clock)
    try:
        work_without = _resync_work(without, clock, 0, decisions)
        work_with = _resync_work(with_history, clock, 400, decisions)
    finally:
        without.close()
        with_history.close()
    assert work_without == work_with
    assert work_without[0] >= 1, "the running application is reconciled"


def test_finished_applications_are_deleted_when_their_ttl_ends_not_before(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    finished(store, "short", timeToLiveSeconds=60)
    finished(store, "kept")
    cluster = Cluster(store, clock)
    cluster.settle()
    cluster.advance(59)
    assert store.count("SparkApplication", "default") == 2
    clock.advance(1)
    cluster.controller.run_until_idle()  # the look scheduled for the TTL's end, without a resync
    assert [a["metadata"]["name"] for a in store.list("SparkApplication").items] == ["kept"]
    assert [p["metadata"]["name"] for p in store.list("Pod").items] == ["kept-driver"]


def test_the_cluster_default_ttl_applies_where_the_application_sets_none(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    finished(store, "defaulted")
    finished(store, "own", timeToLiveSeconds=600)
    cluster = Cluster(store, clock, LifecycleConfig(default_time_to_live_seconds=120))
    cluster.settle()
    cluster.advance(120)
    assert [a["metadata"]["name"] for a in store.list("SparkApplication").items] == ["own"]
    cluster.advance(480)
    assert store.list("SparkApplication").items == []


def test_an_application_past_its_ttl_goes_with_every_dependent(cluster: Cluster) -> None:
    cluster.store.create(manifest(timeToLiveSeconds=60))
    cluster.settle()
    driver = cluster.driver()
    assert driver is not None
    owned_by_driver = [owner_ref(driver)]  # as Spark makes them
    labels = {"sparkoperator.k8s.io/app-name": NAME, "spark-role": "executor"}
    for i in (1, 2):
        executor = pod(f"{NAME}-exec-{i}", labels=labels)
        executor["metadata"]["ownerReferences"] = owned_by_driver
        cluster.store.create(executor)
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": f"{NAME}-exec-1-pvc-0",
            "namespace": "default",
            "ownerReferences": owned_by_driver,
        },
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    cluster.store.create(claim)
    assert cluster.store.list("ConfigMap", "default").items, "the submission's conf ConfigMap"
    assert cluster.store.list("Service", "default").items, "the submission's services"
    cluster.kubelet("Succeeded", exit_code=0, reason="Completed")
    cluster.advance(1)
    assert cluster.state() == "COMPLETED"
    cluster.advance(60)
    for kind in ("SparkApplication", "Pod", "ConfigMap", "Service", "PersistentVolumeClaim"):
        assert cluster.store.list(kind, "default").items == [], kind


def test_a_finished_application_edited_while_no_one_watched_runs_again(
    store: EmbeddedCluster, clock: VirtualClock
) -> None:
    finished(store, "edited")
    store.patch("SparkApplication", "default", "edited", {"spec": {"arguments": ["7"]}})
    cluster = Cluster(store, clock)
    cluster.settle()
    app = store.get("SparkApplication", "default", "edited")
    assert app["status"]["applicationState"]["state"] == "SUBMITTED"


def test_pods_of_a_finished_application_bring_no_work(store: EmbeddedCluster, clock: VirtualClock) -> None:
    from sparkfleet.cluster import WatchEvent, WatchEventType

    app = finished(store, "done")
    reconciler = Cluster(store, clock).controller.reconciler
    driver = store.get("Pod", "default", "done-driver")
    assert list(reconciler.keys_for(WatchEvent(WatchEventType.MODIFIED, driver))) == [("default", "done")]
    assert list(reconciler.keys_for(WatchEvent(WatchEventType.ADDED, app))) == []
    assert list(reconciler.keys_for(WatchEvent(WatchEventType.DELETED, driver))) == []
    assert list(reconciler.keys_for(WatchEvent(WatchEventType.DELETED, app))) == [("default", "done")]
    assert list(reconciler.keys_for(WatchEvent(WatchEventType.MODIFIED, driver))) == [("default", "done")]
