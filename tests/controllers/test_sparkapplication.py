"""The SparkApplication controller on the embedded store, stepped on a virtual clock with a fake kubelet."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster import ClusterError, Conflict, NotFound
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.events import events_for
from sparkfleet.controllers import sparkapplication
from sparkfleet.controllers.sparkapplication import SparkApplicationReconciler, submission_id_for
from sparkfleet.controllers.support.metrics import SparkApplicationMetrics
from sparkfleet.engine.lifecycle import Action, LifecycleConfig, LifecycleDecision, decide
from sparkfleet.reconcile import Controller

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
    """A cluster whose first SparkApplication status write fails (`error`), as a crash or a race would."""

    def __init__(self, inner: EmbeddedCluster, error: Exception) -> None:
        self.inner = inner
        self.error: Exception | None = error

    def update_status(self, obj: dict[str, Any]) -> dict[str, Any]:
        if obj.get("kind") == "SparkApplication" and self.error is not None:
            error, self.error = self.error, None
            raise error
        result: dict[str, Any] = self.inner.update_status(obj)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


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
