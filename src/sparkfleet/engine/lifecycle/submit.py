"""Submitting an attempt inside one engine call: its id, its objects as they are to be stored, and the
status that follows from creating them.

Submission ids are deterministic per attempt, so a driver pod created just before a crash is recognised
by its submission-id label and adopted instead of submitted twice. A SUBMIT decision assumes its objects
get created (SUBMITTED, the execution attempt counted); the controller writes that status only once they
exist, and when they cannot be created it decides again with a FailedCreate, which this module turns
into SUBMISSION_FAILED.
"""

from __future__ import annotations

from typing import Any

from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.sparkstatus import ApplicationStateType, DriverInfo, SparkApplicationStatus
from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.api.wire import (
    ANNOTATION_SPEC_FINGERPRINT,
    LABEL_APP_NAME,
    LABEL_SUBMISSION_ID,
    EventType,
)
from sparkfleet.engine.lifecycle.decision import Action, Obj
from sparkfleet.engine.lifecycle.fingerprint import spec_fingerprint
from sparkfleet.engine.lifecycle.machine import Machine
from sparkfleet.engine.lifecycle.transitions import Observation
from sparkfleet.engine.submission import (
    EXECUTOR_TEMPLATE_KEY,
    Submission,
    SubmissionError,
    build_submission,
)

__all__ = ["attempt_objects", "submit", "submit_when_clean"]

S = ApplicationStateType


def _labelled(obj: Obj, app: SparkApplication, submission_id: str) -> Obj:
    """`obj` labelled with the application and the submission, so it can be found again (a new top
    level, metadata and labels; the rest is shared with the built object, which is not changed)."""
    meta = obj["metadata"]
    labels = {LABEL_APP_NAME: app.metadata.name or "", LABEL_SUBMISSION_ID: submission_id}
    labels.update(meta.get("labels") or {})
    return {**obj, "metadata": {**meta, "labels": labels}}


def _app_owned(obj: Obj, app: SparkApplication, *, controller: bool) -> Obj:
    """`obj` (already a fresh copy at the top) owned by the application unless it names an owner."""
    meta = obj["metadata"]
    if app.metadata.uid and not meta.get("ownerReferences"):
        owner: dict[str, Any] = {
            "apiVersion": app.apiVersion,
            "kind": app.kind,
            "name": app.metadata.name,
            "uid": app.metadata.uid,
            "blockOwnerDeletion": True,
        }
        if controller:
            owner["controller"] = True
        meta["ownerReferences"] = [owner]
    return obj


def attempt_objects(
    submission: Submission, app: SparkApplication, fingerprint: str | None
) -> tuple[Obj, ...]:
    """Everything the attempt creates, in creation order: the driver's conf ConfigMap, services,
    claims and extra objects, then the driver pod; all owned by the application and labelled with it
    and the submission, so one transaction creates them and deleting the application removes them."""
    sid = submission.submission_id
    # The executors are made from the conf ConfigMap (see runtime.local.executors): immutable, owned by
    # the driver and created with it, it keeps what the driver was submitted with.
    conf_map = submission.config_map
    conf_data = {**conf_map["data"], EXECUTOR_TEMPLATE_KEY: submission.executor_template.to_json()}
    parts = [
        {**conf_map, "data": conf_data},
        *submission.services,
        *submission.network_policies,
        *submission.volume_claims,
        *submission.extra_objects,
    ]
    objects = [_app_owned(_labelled(o, app, sid), app, controller=False) for o in parts]
    driver = _app_owned(_labelled(submission.driver_pod, app, sid), app, controller=True)
    if fingerprint is not None:
        # The spec this driver runs, so a later spec change is seen without a write on the application.
        meta = driver["metadata"]
        meta["annotations"] = {**(meta.get("annotations") or {}), ANNOTATION_SPEC_FINGERPRINT: fingerprint}
    objects.append(driver)
    return tuple(objects)


def _record(status: SparkApplicationStatus, submission: Submission) -> None:
    """What the submission determines up front: the Spark application id and the UI service."""
    status.sparkApplicationId = status.sparkApplicationId or submission.spark_app_id
    if submission.ui_service_name and submission.ui_port:
        status.driverInfo.webUIServiceName = submission.ui_service_name
        status.driverInfo.webUIPort = submission.ui_port
        status.driverInfo.webUIAddress = f"{submission.ui_service_name}:{submission.ui_port}"


def _next_submission_id(m: Machine) -> str:
    if m.submission_ids is None:
        raise ValueError("decide needs submission_ids (attempt number -> submission id) to submit")
    return m.submission_ids(m.status.submissionAttempts + 1)


def _begin_attempt(m: Machine, submission_id: str) -> None:
    s = m.status
    s.submissionAttempts += 1
    s.lastSubmissionAttemptTime = format_rfc3339(m.now)
    s.submissionID = submission_id
    s.driverInfo = DriverInfo(podName=m.app.driver_pod_name())
    m.submission_fingerprint = spec_fingerprint(m.app.spec)


def adoptable(m: Machine) -> bool:
    pod = m.driver_pod
    if pod is None or m.cleanup_requested:
        # A pod this very call asked to delete is the old attempt's, whatever its label says.
        return False
    return pod.metadata.labels.get(LABEL_SUBMISSION_ID) == _next_submission_id(m)


def _restore(m: Machine, submission_id: str) -> None:
    """An adopted driver pod may have lost objects in the crash or since: ask for the missing ones."""
    try:
        submission = build_submission(m.app, submission_id, m.options)
    except SubmissionError:
        return
    m.act(Action.RESTORE)
    m.submission_id = submission_id
    m.creates = attempt_objects(submission, m.app, None)
    _record(m.status, submission)


def _failed(m: Machine, error: str) -> bool:
    m.may_submit = False
    m.driver_observed = False
    m.apply(Observation.SUBMISSION_FAILED, error=error)
    return True


def submit(m: Machine) -> bool:
    """Submit the next attempt, or adopt its driver pod when a crashed call already created it."""
    if not m.may_submit:
        # One submission per engine call: its objects must exist before another is made.
        m.requeue_after(0)
        return False
    if m.state == S.NEW and m.status.submissionAttempts == 0:
        m.event(
            EventType.NORMAL,
            "SparkApplicationAdded",
            f"SparkApplication {m.name} was added, enqueuing it for submission",
        )
    adopt = adoptable(m)
    submission_id = _next_submission_id(m)
    _begin_attempt(m, submission_id)
    if adopt:
        m.status.executionAttempts += 1
        m.apply(Observation.DRIVER_ADOPTED)
        _restore(m, submission_id)
        return True
    failed = m.failed_create
    if failed is not None and failed.submission_id == submission_id:
        return _failed(m, failed.error)
    try:
        submission = build_submission(m.app, submission_id, m.options, submitted_at=m.now)
    except SubmissionError as exc:
        return _failed(m, str(exc))
    m.act(Action.SUBMIT)
    m.submission_id = submission_id
    m.creates = attempt_objects(submission, m.app, m.submission_fingerprint)
    m.may_submit = False
    m.driver_observed = False  # the observed pod, if any, is not the one about to be created
    m.status.executionAttempts += 1
    m.apply(Observation.SUBMISSION_SUCCEEDED)
    _record(m.status, submission)
    return True


def submit_when_clean(m: Machine) -> bool:
    """Submit once the previous attempt's driver pod, services and config map are gone."""
    if not adoptable(m) and (m.driver_pod is not None or m.leftovers):
        m.act(Action.DELETE_RESOURCES)
        m.requeue_after(m.config.cleanup_poll_seconds)
        return False
    return submit(m)
