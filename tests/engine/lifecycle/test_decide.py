"""The lifecycle engine's decisions: restart policies, back-off, grace periods, timeouts, TTL, suspension,
invalidation and history, on explicit times (no clock is read)."""

from __future__ import annotations

from typing import Any

import pytest

from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.sparkstatus import ApplicationStateType as S
from sparkfleet.api.timefmt import TimestampError, format_rfc3339
from sparkfleet.api.wire import ANNOTATION_SPEC_FINGERPRINT, LABEL_APP_NAME, LABEL_SUBMISSION_ID
from sparkfleet.engine.lifecycle import (
    Action,
    FailedCreate,
    LifecycleConfig,
    LifecycleDecision,
    decide,
    spec_fingerprint,
)
from sparkfleet.engine.submission import EXECUTOR_TEMPLATE_KEY

from .builders import T0, app, at, driver, executor, ids, terminated

FAILED_DRIVER = driver("Failed", container_state=terminated(1, "Error"))


def step(application: SparkApplication, seconds: float, pod: Any = None, **kwargs: Any) -> LifecycleDecision:
    return decide(application, pod, [], at(seconds), submission_ids=ids, **kwargs)


def advanced(application: SparkApplication, decision: LifecycleDecision) -> SparkApplication:
    """The application as stored after the decision's status is written."""
    return application.model_copy(update={"status": decision.status})


def states(decision: LifecycleDecision) -> list[S]:
    return [t.next for t in decision.transitions]


# -- submission ----------------------------------------------------------------------------------------


def test_a_new_application_is_submitted_with_attempt_bookkeeping() -> None:
    decision = step(app(), 0)
    assert decision.actions == (Action.SUBMIT,)
    assert decision.submission_id == "sub-1"
    s = decision.status
    assert (s.submissionAttempts, s.submissionID, s.lastSubmissionAttemptTime) == (
        1,
        "sub-1",
        format_rfc3339(at(0)),
    )
    assert s.driverInfo.podName == "pi-driver"
    assert decision.events[0].reason == "SparkApplicationAdded"
    assert decision.submission_fingerprint == spec_fingerprint(app().spec), "the driver pod will carry it"
    assert decision.record_fingerprint is None, "nothing to write on the application"


def test_a_submission_lists_its_objects_as_they_are_to_be_stored() -> None:
    decision = step(app(), 0)
    *dependents, pod = decision.creates
    assert [o["kind"] for o in dependents] == ["ConfigMap", "Service", "Service", "NetworkPolicy"]
    assert (pod["kind"], pod["metadata"]["name"]) == ("Pod", "pi-driver")
    fingerprint = pod["metadata"]["annotations"][ANNOTATION_SPEC_FINGERPRINT]
    assert fingerprint == decision.submission_fingerprint
    for obj in decision.creates:
        labels = obj["metadata"]["labels"]
        assert (labels[LABEL_APP_NAME], labels[LABEL_SUBMISSION_ID]) == ("pi", "sub-1")
        (owner,) = obj["metadata"]["ownerReferences"]
        assert (owner["kind"], owner["name"], owner["uid"]) == ("SparkApplication", "pi", "uid-1")
    assert pod["metadata"]["ownerReferences"][0]["controller"] is True, "the application controls its driver"
    assert EXECUTOR_TEMPLATE_KEY in dependents[0]["data"], "the conf ConfigMap keeps the executor template"


def test_a_successful_submission_counts_an_execution_attempt() -> None:
    done = step(app(), 0)
    assert done.status.applicationState.state == S.SUBMITTED
    assert (done.status.submissionAttempts, done.status.executionAttempts) == (1, 1)
    assert [e.reason for e in done.events] == ["SparkApplicationAdded", "SparkApplicationSubmitted"]
    following = step(advanced(app(), done), 1, driver("Pending", submission_id="sub-1"))
    assert Action.SUBMIT not in following.actions, "once its objects exist, the attempt is not repeated"


def test_a_submission_records_what_it_determines_up_front() -> None:
    s = step(app(), 0).status
    assert s.sparkApplicationId is not None and s.sparkApplicationId.startswith("spark-")
    assert (s.driverInfo.webUIServiceName, s.driverInfo.webUIPort) == ("pi-ui-svc", 4040)
    assert s.driverInfo.webUIAddress == "pi-ui-svc:4040"


def test_an_application_the_submission_refuses_fails_in_the_same_decision() -> None:
    decision = step(app(mode="client"), 0)
    assert states(decision) == [S.SUBMISSION_FAILED, S.FAILED]
    assert (decision.creates, decision.submission_id) == ((), None)
    error = decision.status.applicationState.errorMessage
    assert error is not None and error.startswith('spec.mode "client"')


def test_a_failed_create_is_decided_again_as_a_failed_attempt() -> None:
    pending = step(app(), 0)
    assert pending.submission_id is not None
    failed = FailedCreate(pending.submission_id, "pods is forbidden: exceeded quota")
    done = step(app(), 0, failed_create=failed)
    assert done.creates == ()
    assert done.status.submissionID == pending.submission_id
    other = step(app(), 0, failed_create=FailedCreate("sub-7", "of another attempt"))
    assert other.actions == (Action.SUBMIT,), "a failure of another attempt is not this one's"


def test_a_failed_submission_keeps_the_error_and_without_retries_fails_at_once() -> None:
    pending = step(app(), 0)
    assert pending.submission_id is not None
    failed = FailedCreate(pending.submission_id, "pods is forbidden: exceeded quota")
    done = step(app(), 0, failed_create=failed)
    assert states(done) == [S.SUBMISSION_FAILED, S.FAILED]
    assert done.status.applicationState.errorMessage == "pods is forbidden: exceeded quota"
    assert done.status.executionAttempts == 0
    assert done.status.terminationTime == format_rfc3339(at(0))
    assert done.events[1].message == "failed to submit SparkApplication pi: pods is forbidden: exceeded quota"


def test_an_existing_driver_of_the_same_submission_is_adopted_not_submitted_again() -> None:
    decision = step(app(), 0, driver("Running", submission_id="sub-1"))
    assert Action.SUBMIT not in decision.actions
    assert states(decision) == [S.SUBMITTED, S.RUNNING]
    assert decision.status.executionAttempts == 1


def test_a_driver_of_another_submission_is_not_adopted() -> None:
    decision = step(app(), 0, driver("Running", submission_id="someone-else"))
    assert decision.actions == (Action.SUBMIT,)


# -- following the driver -------------------------------------------------------------------------------


def test_a_successful_driver_completes_the_application_in_one_decision() -> None:
    decision = step(app(S.RUNNING), 60, driver("Succeeded"))
    assert states(decision) == [S.SUCCEEDING, S.COMPLETED]
    assert [e.reason for e in decision.events] == ["SparkDriverCompleted", "SparkApplicationCompleted"]
    assert decision.status.terminationTime == format_rfc3339(at(60))


def test_a_running_pod_whose_driver_exited_zero_is_success() -> None:
    decision = step(app(S.RUNNING), 60, driver("Running", container_state=terminated(0, "Completed")))
    assert states(decision) == [S.SUCCEEDING, S.COMPLETED]


def test_a_failed_driver_reports_its_exit_code_and_reason() -> None:
    decision = step(app(S.RUNNING), 60, FAILED_DRIVER)
    assert states(decision) == [S.FAILING, S.FAILED]
    message = "driver container failed with ExitCode: 1, Reason: Error"
    assert decision.status.applicationState.errorMessage == message
    assert decision.events[-1].message == f"SparkApplication pi failed: {message}"


def test_a_failed_pod_without_container_status_says_so() -> None:
    decision = step(app(S.RUNNING), 60, driver("Failed"))
    assert decision.status.applicationState.errorMessage == "driver container status missing"


def test_an_evicted_driver_says_why() -> None:
    decision = step(
        app(S.RUNNING), 60, driver("Failed", reason="Evicted", message="The node was low on memory.")
    )
    assert (
        decision.status.applicationState.errorMessage
        == "driver pod failed: Evicted: The node was low on memory."
    )


def test_the_spark_application_id_comes_from_the_driver_label() -> None:
    decision = step(app(S.SUBMITTED), 5, driver("Running", labels={"spark-app-selector": "spark-123"}))
    assert decision.status.sparkApplicationId == "spark-123"


def test_a_pending_driver_keeps_the_application_submitted_until_its_timeout() -> None:
    decision = step(app(S.SUBMITTED), 100, driver("Pending"))
    assert decision.transitions == ()
    assert decision.requeue_after == pytest.approx(500)
    assert not decision.status_changed


# -- driver pod missing: grace period ------------------------------------------------------------------


def test_a_missing_driver_within_the_grace_period_is_waited_for() -> None:
    decision = step(app(S.SUBMITTED), 4)
    assert decision.transitions == ()
    assert decision.requeue_after == pytest.approx(6)


def test_a_missing_driver_after_the_grace_period_fails_the_attempt() -> None:
    decision = step(app(S.SUBMITTED), 10)
    assert states(decision) == [S.FAILING, S.FAILED]
    assert decision.status.applicationState.errorMessage == "driver pod not found"
    assert decision.events[0].reason == "SparkDriverNotFound"
    assert decision.events[0].message == (
        "Driver pod pi-driver not found after grace period 10s, marking application as Failing"
    )


def test_the_grace_period_is_configurable() -> None:
    config = LifecycleConfig(driver_pod_creation_grace_seconds=30)
    assert step(app(S.SUBMITTED), 20, config=config).transitions == ()
    assert states(step(app(S.SUBMITTED), 30, config=config))[0] == S.FAILING


def test_a_driver_deleted_while_running_fails_without_grace() -> None:
    assert states(step(app(S.RUNNING), 1))[0] == S.FAILING


# -- restart policies -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "execution_attempts", "expected"),
    [
        pytest.param({"type": "Never"}, 1, [S.FAILING, S.FAILED], id="never-fails"),
        pytest.param(
            {"type": "OnFailure", "onFailureRetries": 2},
            1,
            [S.FAILING, S.PENDING_RERUN],
            id="onfailure-first",
        ),
        pytest.param(
            {"type": "OnFailure", "onFailureRetries": 2}, 2, [S.FAILING, S.PENDING_RERUN], id="onfailure-last"
        ),
        pytest.param(
            {"type": "OnFailure", "onFailureRetries": 2}, 3, [S.FAILING, S.FAILED], id="onfailure-exhausted"
        ),
        pytest.param({"type": "OnFailure"}, 1, [S.FAILING, S.FAILED], id="onfailure-without-retries"),
        pytest.param({"type": "Always"}, 7, [S.FAILING, S.PENDING_RERUN], id="always"),
    ],
)
def test_a_failed_driver_is_retried_per_restart_policy(
    policy: dict[str, Any], execution_attempts: int, expected: list[S]
) -> None:
    application = app(
        S.RUNNING,
        status={"executionAttempts": execution_attempts, "submissionAttempts": 1},
        restartPolicy=policy,
    )
    decision = step(application, 600, FAILED_DRIVER)
    assert states(decision) == expected
    if expected[-1] == S.PENDING_RERUN:
        assert decision.has(Action.DELETE_RESOURCES)
        assert decision.requeue_after == 1.0, "waits for the old driver pod to disappear"
        assert decision.status.executorState == {}
        assert decision.status.terminationTime is None
        assert decision.status.applicationState.errorMessage is None


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        pytest.param({"type": "Always"}, [S.SUCCEEDING, S.PENDING_RERUN], id="always-reruns"),
        pytest.param(
            {"type": "OnFailure", "onFailureRetries": 3}, [S.SUCCEEDING, S.COMPLETED], id="onfailure"
        ),
        pytest.param({"type": "Never"}, [S.SUCCEEDING, S.COMPLETED], id="never"),
    ],
)
def test_a_successful_driver_reruns_only_with_always(policy: dict[str, Any], expected: list[S]) -> None:
    assert states(step(app(S.RUNNING, restartPolicy=policy), 60, driver("Succeeded"))) == expected


@pytest.mark.parametrize(
    ("policy", "submission_attempts", "expected"),
    [
        pytest.param({"type": "Never"}, 1, S.FAILED, id="never"),
        pytest.param({"type": "OnFailure", "onSubmissionFailureRetries": 2}, 2, None, id="retries-left"),
        pytest.param({"type": "OnFailure", "onSubmissionFailureRetries": 2}, 3, S.FAILED, id="exhausted"),
        pytest.param({"type": "Always"}, 9, None, id="always"),
    ],
)
def test_a_failed_submission_is_retried_per_restart_policy(
    policy: dict[str, Any], submission_attempts: int, expected: S | None
) -> None:
    application = app(
        S.SUBMISSION_FAILED,
        status={"submissionAttempts": submission_attempts, "executionAttempts": 0},
        restartPolicy=policy,
    )
    decision = step(application, 1)
    if expected is None:
        assert decision.transitions == ()
        assert decision.requeue_after == pytest.approx(5 * submission_attempts - 1)
    else:
        assert states(decision) == [expected]
        assert decision.status.terminationTime == format_rfc3339(at(1))


def test_submission_retries_end_in_failed_after_the_last_retry() -> None:
    application = app(restartPolicy={"type": "OnFailure", "onSubmissionFailureRetries": 1})
    now = 0.0
    outcomes = []
    for _ in range(3):
        pending = step(application, now)
        if not pending.has(Action.SUBMIT):
            now += pending.requeue_after or 0
            pending = step(application, now)
        assert pending.submission_id is not None
        failed = FailedCreate(pending.submission_id, "webhook unavailable")
        done = step(application, now, failed_create=failed)
        application = advanced(application, done)
        outcomes.append((done.status.submissionAttempts, states(done)))
        if done.status.applicationState.state == S.FAILED:
            break
        now += done.requeue_after or 0
    assert outcomes == [(1, [S.SUBMISSION_FAILED]), (2, [S.SUBMISSION_FAILED, S.FAILED])]


# -- back-off -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "attempts", "wait"),
    [
        pytest.param({"type": "Always"}, 1, 5, id="default-5s"),
        pytest.param({"type": "Always"}, 3, 15, id="linear-default"),
        pytest.param(
            {"type": "OnFailure", "onFailureRetries": 9, "onFailureRetryInterval": 20}, 2, 40, id="interval"
        ),
    ],
)
def test_a_failing_retry_waits_interval_times_attempts(
    policy: dict[str, Any], attempts: int, wait: float
) -> None:
    application = app(S.FAILING, status={"submissionAttempts": attempts}, restartPolicy=policy)
    early = step(application, wait - 1, FAILED_DRIVER)
    assert early.transitions == ()
    assert early.requeue_after == pytest.approx(1)
    due = step(application, wait, FAILED_DRIVER)
    assert states(due) == [S.PENDING_RERUN]


def test_the_submission_back_off_uses_its_own_interval() -> None:
    policy = {"type": "OnFailure", "onSubmissionFailureRetries": 5, "onSubmissionFailureRetryInterval": 7}
    application = app(S.SUBMISSION_FAILED, status={"submissionAttempts": 2}, restartPolicy=policy)
    assert step(application, 13).requeue_after == pytest.approx(1)
    assert step(application, 14).actions == (Action.SUBMIT,)


# -- pending rerun ----------------------------------------------------------------------------------------


def test_a_rerun_waits_for_the_previous_driver_pod_to_be_gone() -> None:
    application = app(S.PENDING_RERUN, status={"driverInfo": {}})
    waiting = step(application, 30, driver("Succeeded"))
    assert waiting.actions == (Action.DELETE_RESOURCES,)
    assert waiting.requeue_after == 1.0
    assert step(application, 30, leftovers=True).actions == (Action.DELETE_RESOURCES,)
    resubmit = step(application, 31)
    assert resubmit.actions == (Action.SUBMIT,)
    assert resubmit.submission_id == "sub-2"
    assert resubmit.status.submissionAttempts == 2


# -- driver start timeout ---------------------------------------------------------------------------------

UNSCHEDULABLE = [
    {
        "type": "PodScheduled",
        "status": "False",
        "reason": "Unschedulable",
        "message": "0/3 nodes are available: 3 Insufficient cpu.",
    }
]
TASK_GROUPS = (
    '[{"name": "spark-driver", "minMember": 1, "minResource": {"cpu": "1", "memory": "896Mi"}},'
    ' {"name": "spark-executor", "minMember": 2, "minResource": {"cpu": "1", "memory": "896Mi"}}]'
)


def test_a_driver_pending_past_the_timeout_fails_the_attempt_and_says_why() -> None:
    pod = driver(
        "Pending",
        conditions=UNSCHEDULABLE,
        labels={"queue": "root.spark"},
        annotations={
            "yunikorn.apache.org/task-group-name": "spark-driver",
            "yunikorn.apache.org/task-groups": TASK_GROUPS,
        },
    )
    decision = step(app(S.SUBMITTED), 600, pod)
    assert states(decision) == [S.FAILING, S.FAILED]
    assert decision.has(Action.DELETE_RESOURCES), (
        "the pending driver is removed so it stops holding the queue"
    )
    event = decision.events[0]
    assert (event.type, event.reason) == ("Warning", "DriverStartTimedOut")
    assert event.message == (
        "Driver pod pi-driver has been Pending for 10m0s (start timeout 10m0s): Unschedulable: 0/3 nodes "
        "are available: 3 Insufficient cpu.; queue root.spark; gang member of task group spark-driver; "
        "task groups spark-driver (minMember 1), spark-executor (minMember 2)"
    )
    assert decision.status.applicationState.errorMessage == (
        "driver pod pi-driver did not start within 10m0s: Unschedulable: 0/3 nodes are available: 3 "
        "Insufficient cpu.; queue root.spark; gang member of task group spark-driver; task groups "
        "spark-driver (minMember 1), spark-executor (minMember 2)"
    )


def test_a_scheduled_driver_that_cannot_start_reports_the_waiting_container() -> None:
    pod = driver(
        "Pending",
        conditions=[{"type": "PodScheduled", "status": "True"}],
        container_state={"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}},
    )
    decision = step(app(S.SUBMITTED), 601, pod)
    assert "container spark-kubernetes-driver waiting: ImagePullBackOff: Back-off pulling image" in (
        decision.events[0].message
    )


def test_the_start_timeout_is_configurable_and_can_be_disabled() -> None:
    quick = LifecycleConfig(driver_start_timeout_seconds=60)
    assert states(step(app(S.SUBMITTED), 60, driver("Pending"), config=quick))[0] == S.FAILING
    never = LifecycleConfig(driver_start_timeout_seconds=None)
    decision = step(app(S.SUBMITTED), 86_400, driver("Pending"), config=never)
    assert decision.transitions == ()
    assert decision.requeue_after is None


def test_a_timed_out_start_is_retried_per_restart_policy() -> None:
    application = app(S.SUBMITTED, restartPolicy={"type": "OnFailure", "onFailureRetries": 1})
    decision = step(application, 600, driver("Pending"))
    assert states(decision) == [S.FAILING, S.PENDING_RERUN]


# -- TTL ------------------------------------------------------------------------------------------------


def test_a_terminated_application_is_deleted_after_its_time_to_live() -> None:
    done = app(S.COMPLETED, status={"terminationTime": format_rfc3339(at(100))}, timeToLiveSeconds=60)
    early = step(done, 130, driver("Succeeded"))
    assert early.actions == (Action.NONE,)
    assert early.requeue_after == pytest.approx(30)
    assert step(done, 160, driver("Succeeded")).actions == (Action.DELETE_APPLICATION,)


def test_a_termination_time_without_a_zone_is_an_error_naming_the_field() -> None:
    done = app(S.COMPLETED, status={"terminationTime": "2026-01-05T09:00:00"}, timeToLiveSeconds=60)
    with pytest.raises(
        TimestampError, match=r'^status\.terminationTime: "2026-01-05T09:00:00" has no timezone'
    ):
        step(done, 130, driver("Succeeded"))


def test_the_default_time_to_live_applies_when_the_app_sets_none() -> None:
    done = app(S.FAILED, status={"terminationTime": format_rfc3339(at(0))})
    assert step(done, 10_000).requeue_after is None
    config = LifecycleConfig(default_time_to_live_seconds=3600)
    assert step(done, 3600, config=config).actions == (Action.DELETE_APPLICATION,)


# -- suspend and resume -----------------------------------------------------------------------------------


def test_suspending_a_running_application_deletes_its_resources_and_keeps_its_attempts() -> None:
    running = app(
        S.RUNNING,
        status={"executorState": {"pi-exec-1": "RUNNING"}, "sparkApplicationId": "spark-1"},
        suspend=True,
    )
    decision = step(running, 60, driver("Running"))
    assert states(decision) == [S.SUSPENDING, S.SUSPENDED]
    assert decision.has(Action.DELETE_RESOURCES)
    s = decision.status
    assert (s.executorState, s.sparkApplicationId, s.driverInfo.podName) == ({}, None, None)
    assert (s.submissionAttempts, s.executionAttempts) == (1, 1)


def test_a_suspended_application_waits_while_suspend_is_set() -> None:
    decision = step(app(S.SUSPENDED, suspend=True), 60)
    assert decision.transitions == ()
    assert decision.actions == (Action.NONE,)


def test_resuming_waits_for_old_resources_then_resubmits() -> None:
    suspended = app(S.SUSPENDED, status={"driverInfo": {}})
    waiting = step(suspended, 60, driver("Running"))
    assert waiting.transitions == ()
    assert waiting.actions == (Action.DELETE_RESOURCES,)
    resumed = step(suspended, 61)
    assert states(resumed) == [S.RESUMING, S.SUBMITTED]
    assert resumed.actions == (Action.SUBMIT,)
    assert resumed.status.applicationState.state == S.SUBMITTED


def test_terminated_applications_ignore_suspend() -> None:
    assert step(app(S.COMPLETED, suspend=True), 60).transitions == ()


# -- spec changes -----------------------------------------------------------------------------------------


def test_a_spec_change_invalidates_the_run_and_resets_the_attempts() -> None:
    running = app(S.RUNNING, status={"submissionAttempts": 3, "executionAttempts": 2}, fingerprint="old")
    decision = step(running, 60, driver("Running"))
    assert states(decision) == [S.INVALIDATING, S.PENDING_RERUN]
    assert decision.has(Action.DELETE_RESOURCES)
    s = decision.status
    assert (s.submissionAttempts, s.executionAttempts, s.lastSubmissionAttemptTime) == (0, 0, None)
    assert decision.record_fingerprint == spec_fingerprint(running.spec)


def test_the_old_driver_is_never_adopted_by_the_rerun_that_replaces_it() -> None:
    # After the reset the next attempt is number 1 again: with ids that ignore the generation it would
    # carry the old driver's id. The pod this very decision deletes is still not taken over.
    running = app(S.RUNNING, fingerprint="old")
    decision = step(running, 60, driver("Running", submission_id="sub-1"))
    assert states(decision) == [S.INVALIDATING, S.PENDING_RERUN]
    assert Action.SUBMIT not in decision.actions
    assert decision.requeue_after == 1.0


@pytest.mark.parametrize("change", [{"timeToLiveSeconds": 3600}, {"suspend": False}])
def test_changing_only_suspend_or_ttl_does_not_invalidate(change: dict[str, Any]) -> None:
    running = app(S.RUNNING)
    recorded = running.metadata.annotations[ANNOTATION_SPEC_FINGERPRINT]
    edited = app(S.RUNNING, fingerprint=recorded, **change)
    assert step(edited, 60, driver("Running")).transitions == ()


def test_the_driver_pod_carries_the_submitted_fingerprint_so_nothing_is_written_meanwhile() -> None:
    running = app(S.RUNNING, fingerprint=None)
    carried = {"sparkfleet.io/spec-fingerprint": spec_fingerprint(running.spec)}
    decision = step(running, 60, driver("Running", annotations=carried))
    assert (decision.transitions, decision.record_fingerprint) == ((), None)
    edited = app(S.RUNNING, fingerprint=None, arguments=["1000"])
    assert states(step(edited, 60, driver("Running", annotations=carried)))[0] == S.INVALIDATING


def test_the_fingerprint_moves_to_the_application_when_its_driver_pod_is_deleted() -> None:
    running = app(S.RUNNING, fingerprint=None, restartPolicy={"type": "Always"})
    carried = {"sparkfleet.io/spec-fingerprint": spec_fingerprint(running.spec)}
    decision = step(running, 60, driver("Succeeded", annotations=carried))
    assert decision.has(Action.DELETE_RESOURCES)
    assert decision.record_fingerprint == spec_fingerprint(running.spec)


def test_an_application_without_a_recorded_fingerprint_starts_recording_one() -> None:
    legacy = app(S.RUNNING, fingerprint=None)
    decision = step(legacy, 60, driver("Running"))
    assert decision.transitions == ()
    assert decision.record_fingerprint == spec_fingerprint(legacy.spec)


def test_a_fixed_spec_reruns_a_failed_application() -> None:
    failed = app(S.FAILED, status={"terminationTime": format_rfc3339(at(10))}, fingerprint="broken")
    decision = step(failed, 60)
    assert states(decision) == [S.INVALIDATING, S.PENDING_RERUN, S.SUBMITTED]
    assert decision.actions == (Action.DELETE_RESOURCES, Action.SUBMIT)


# -- executors --------------------------------------------------------------------------------------------


def test_executor_states_follow_their_pods_with_events() -> None:
    pods = [
        executor(1, "Running"),
        executor(2, "Pending"),
        executor(3, "Failed", exit_code=143, message="evicted"),
    ]
    decision = decide(app(S.RUNNING), driver("Running"), pods, at(60), submission_ids=ids)
    assert decision.status.executorState == {
        "pi-exec-1": "RUNNING",
        "pi-exec-2": "PENDING",
        "pi-exec-3": "FAILED",
    }
    assert decision.status.sparkApplicationId == "spark-abc"
    assert [(e.reason, e.message) for e in decision.events] == [
        ("SparkExecutorRunning", "Executor pi-exec-1 is running"),
        ("SparkExecutorPending", "Executor pi-exec-2 is pending"),
        (
            "SparkExecutorFailed",
            "Executor pi-exec-3 failed with ExitCode: 143, Reason: Error, Pod Message: evicted",
        ),
    ]


def test_an_unchanged_executor_records_no_event() -> None:
    running = app(
        S.RUNNING, status={"executorState": {"pi-exec-1": "RUNNING"}, "sparkApplicationId": "spark-abc"}
    )
    decision = decide(running, driver("Running"), [executor(1, "Running")], at(60), submission_ids=ids)
    assert decision.events == ()
    assert not decision.status_changed


@pytest.mark.parametrize(
    ("state", "pod", "expected"),
    [
        pytest.param(S.RUNNING, driver("Running"), "UNKNOWN", id="driver-running"),
        pytest.param(S.RUNNING, driver("Succeeded"), "COMPLETED", id="app-completed"),
        pytest.param(S.RUNNING, FAILED_DRIVER, "FAILED", id="app-failed"),
    ],
)
def test_an_executor_whose_pod_vanished_is_inferred(state: S, pod: Any, expected: str) -> None:
    running = app(state, status={"executorState": {"pi-exec-1": "RUNNING"}})
    decision = decide(running, pod, [], at(60), submission_ids=ids)
    assert decision.status.executorState == {"pi-exec-1": expected}
    assert not [e for e in decision.events if e.reason.startswith("SparkExecutor")], "inferred: no Event"


def test_executor_state_is_capped_dropping_the_oldest_terminated_first() -> None:
    config = LifecycleConfig(max_tracked_executors=1000)
    pods = [executor(n, "Succeeded") for n in range(1, 11)] + [
        executor(n, "Running") for n in range(11, 1006)
    ]
    decision = decide(app(S.RUNNING), driver("Running"), pods, at(60), config, submission_ids=ids)
    kept = decision.status.executorState
    assert len(kept) == 1000
    assert all(f"pi-exec-{n}" not in kept for n in range(1, 6))
    assert all(f"pi-exec-{n}" in kept for n in range(6, 1006))


def test_executor_state_cap_drops_the_newest_live_executors_when_all_are_live() -> None:
    pods = [executor(n, "Running") for n in range(1, 8)]
    config = LifecycleConfig(max_tracked_executors=5)
    decision = decide(app(S.RUNNING), driver("Running"), pods, at(60), config, submission_ids=ids)
    assert sorted(decision.status.executorState) == [f"pi-exec-{n}" for n in range(1, 6)]


# -- history --------------------------------------------------------------------------------------------


def test_the_transition_history_is_bounded_and_keeps_the_newest() -> None:
    config = LifecycleConfig(transition_history_limit=3)
    application = app(S.SUBMITTED)
    seen: list[S] = []
    for seconds, phase in enumerate(["Running", "Unknown", "Running", "Unknown", "Running"], start=1):
        decision = decide(application, driver(phase), [], at(seconds), config, submission_ids=ids)
        application = advanced(application, decision)
        seen += states(decision)
    history = application.status.transitions if application.status else []
    assert [h.state for h in history] == seen[-3:]
    assert history[-1].time == format_rfc3339(at(5))
    assert history[-1].reason == "SparkDriverRunning"


def test_the_default_history_limit_is_fifty() -> None:
    assert LifecycleConfig().transition_history_limit == 50
    assert LifecycleConfig().max_tracked_executors == 1000
    assert T0.tzinfo is not None
