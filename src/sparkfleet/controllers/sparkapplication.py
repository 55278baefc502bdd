"""The SparkApplication controller: read the app and its pods, ask the lifecycle engine, apply the answer.

One reconcile: get the SparkApplication, its driver pod (by name) and, while it runs, its executor pods
(by the submission's labels); `engine.lifecycle.decide`; then apply the decision's effects in a fixed
order: delete the application (TTL), delete the attempt's resources, submit (the conf ConfigMap,
services and claims, then the driver pod, in one transaction, all owned by the application), write the
status (optimistic; a conflict re-reads and decides again), keep the spec fingerprint, record one Event
per transition, update the metrics.

Submission is idempotent: attempt n of an application always uses the submission id
uuid5(NAMESPACE_URL, "<uid>/<generation>/<n>"), which the driver pod carries as a label. A controller
that dies after creating the driver pod but before writing the status finds that pod on its next look
and adopts it, so there are never two drivers.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.sparkstatus import ApplicationStateType, SparkApplicationStatus
from sparkfleet.api.timefmt import TimestampError
from sparkfleet.api.wire import (
    ANNOTATION_SPEC_FINGERPRINT,
    LABEL_APP_NAME,
    LABEL_SPARK_ROLE,
    LABEL_SUBMISSION_ID,
    SparkRole,
)
from sparkfleet.clock import Clock
from sparkfleet.cluster import AlreadyExists, ClusterError, Conflict, NotFound, WatchEvent
from sparkfleet.cluster.events import record_event
from sparkfleet.cluster.port import Cluster, Obj
from sparkfleet.controllers.support.metrics import SparkApplicationMetrics
from sparkfleet.engine.lifecycle import (
    Action,
    LifecycleConfig,
    LifecycleDecision,
    after_submission,
    decide,
    pod_from_obj,
)
from sparkfleet.engine.submission import (
    EXECUTOR_TEMPLATE_KEY,
    Submission,
    SubmissionError,
    SubmissionOptions,
    build_submission,
)
from sparkfleet.reconcile import Result

__all__ = [
    "COMPONENT",
    "SparkApplicationReconciler",
    "submission_id_for",
]

log = logging.getLogger("sparkfleet.controllers.sparkapplication")

COMPONENT = "spark-operator"
"""The Events' source component, as the operator's."""
AppKey = tuple[str, str]
S = ApplicationStateType

# States whose next step may need to know whether an earlier attempt's objects are still around.
_CLEANUP_STATES = frozenset(
    {S.PENDING_RERUN, S.SUBMISSION_FAILED, S.SUSPENDED, S.INVALIDATING, S.SUSPENDING, S.FAILING, S.SUCCEEDING}
)
_MAX_CONFLICTS = 5
_MAX_PASSES = 3


def submission_id_for(uid: str, generation: int, attempt: int) -> str:
    """The submission id of attempt `attempt` (1-based) of the application with `uid` at `generation`.

    Deterministic, so a driver pod created before a crash is recognised. The generation is part of it
    because a spec change resets the attempt counter: without it, attempt 1 after a change would carry
    the id of the very first attempt, and that run's driver pod, still terminating, would be "adopted".
    """
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{uid}/{generation}/{attempt}"))


def _meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _owned_by(obj: Mapping[str, Any], uid: str) -> bool:
    return bool(uid) and any(ref.get("uid") == uid for ref in _meta(obj).get("ownerReferences") or [])


_TERMINATED_EXECUTORS = frozenset({"COMPLETED", "FAILED"})


def _executors_matter(status: SparkApplicationStatus) -> bool:
    """Whether the executor pods can change the status: they exist once the driver runs, and after the
    end only tracked executors not yet known to be finished need a look."""
    state = status.applicationState.state
    if state in (S.RUNNING, S.UNKNOWN, S.SUCCEEDING, S.FAILING):
        return True
    if state in (S.SUBMITTED, S.COMPLETED, S.FAILED):
        return any(value not in _TERMINATED_EXECUTORS for value in status.executorState.values())
    return False


_SUBMITTING_STATES = frozenset({S.NEW, S.PENDING_RERUN, S.RESUMING, S.SUBMISSION_FAILED})


def _adopted(decision: LifecycleDecision) -> bool:
    """The decision took over a driver pod created before a crash (SUBMITTED without submitting)."""
    return any(t.next == S.SUBMITTED and t.previous in _SUBMITTING_STATES for t in decision.transitions)


class SparkApplicationReconciler:
    """Reconciler (see sparkfleet.reconcile) for SparkApplications, keyed by (namespace, name)."""

    name = "sparkapplication"

    def __init__(
        self,
        cluster: Cluster,
        clock: Clock,
        *,
        options: SubmissionOptions | None = None,
        config: LifecycleConfig | None = None,
        metrics: SparkApplicationMetrics | None = None,
        component: str = COMPONENT,
    ) -> None:
        self.cluster = cluster
        self.clock = clock
        self.options = options or SubmissionOptions()
        self.config = config or LifecycleConfig()
        self.metrics = metrics
        self.component = component

    # -- Reconciler protocol --------------------------------------------------------------------------
    def watches(self) -> Sequence[str]:
        return ("SparkApplication", "Pod")

    def keys_for(self, event: WatchEvent) -> Iterable[AppKey]:
        obj = event.object
        meta = _meta(obj)
        namespace = meta.get("namespace") or "default"
        if obj.get("kind") == "SparkApplication":
            return [(namespace, meta.get("name", ""))]
        app = (meta.get("labels") or {}).get(LABEL_APP_NAME)
        return [(namespace, app)] if app else []

    def reconcile(self, key: AppKey) -> Result:
        conflicts = 0
        passes = 0
        while True:
            try:
                decision = self._pass(key)
            except Conflict:
                # The application changed since we read it: read it again and decide afresh. Anything
                # created meanwhile carries this attempt's submission id and is adopted, not repeated.
                conflicts += 1
                if conflicts >= _MAX_CONFLICTS:
                    raise
                continue
            passes += 1
            if decision is None:
                return Result()
            # Our own deletions may already have finished (they do at once in the embedded store):
            # look again now rather than after the poll interval.
            if decision.has(Action.DELETE_RESOURCES) and passes < _MAX_PASSES:
                continue
            return Result(decision.requeue_after)

    # -- one pass -------------------------------------------------------------------------------------
    def _pass(self, key: AppKey) -> LifecycleDecision | None:
        namespace, name = key
        try:
            obj = self.cluster.get("SparkApplication", namespace, name)
        except NotFound:
            if self.metrics is not None:
                self.metrics.forget(namespace, name)
            return None
        try:
            app = SparkApplication.model_validate(obj)
        except ValidationError as exc:
            log.warning("SparkApplication %s/%s does not parse; not reconciling it: %s", namespace, name, exc)
            return None
        now = self.clock.now()
        status = app.status or SparkApplicationStatus()
        state = status.applicationState.state
        uid = app.metadata.uid or ""
        generation = app.metadata.generation or 1

        def ids(attempt: int) -> str:
            return submission_id_for(uid, generation, attempt)

        next_id = ids(status.submissionAttempts + 1)
        driver_obj = self._get("Pod", namespace, status.driverInfo.podName or app.driver_pod_name())
        executors = self._executor_pods(app, status) if _executors_matter(status) else None
        leftovers = self._leftovers(app, next_id) if state in _CLEANUP_STATES else False
        try:
            decision = decide(
                app,
                pod_from_obj(driver_obj) if driver_obj is not None else None,
                executors,
                now,
                self.config,
                submission_ids=ids,
                leftovers=leftovers,
            )
        except TimestampError as exc:
            log.warning("SparkApplication %s/%s: not reconciling it: %s", namespace, name, exc)
            return None
        if decision.has(Action.DELETE_APPLICATION):
            self._delete_application(app)
            return None
        if decision.has(Action.DELETE_RESOURCES):
            self._delete_resources(app, status)
        if decision.has(Action.SUBMIT) and decision.submission_id is not None:
            error, submission = self._submit(
                app, decision.submission_id, decision.submission_fingerprint, now
            )
            decision = after_submission(app, decision, error, now, self.config)
            if submission is not None:
                self._record_submission(decision.status, submission)
        elif _adopted(decision):
            submission = self._ensure_adopted(app, decision.status)
            if submission is not None:
                self._record_submission(decision.status, submission)
        if decision.status_changed:
            obj = self._write_status(obj, decision.status)
        if decision.record_fingerprint is not None:
            annotations = _meta(obj).get("annotations") or {}
            if annotations.get(ANNOTATION_SPEC_FINGERPRINT) != decision.record_fingerprint:
                obj = self.cluster.patch(
                    "SparkApplication",
                    namespace,
                    name,
                    {"metadata": {"annotations": {ANNOTATION_SPEC_FINGERPRINT: decision.record_fingerprint}}},
                )
        for event in decision.events:
            record_event(
                self.cluster, obj, event.type.value, event.reason, event.message, now, self.component
            )
        if self.metrics is not None:
            self.metrics.record(app, decision, now)
        return decision

    # -- reads ----------------------------------------------------------------------------------------
    def _get(self, kind: str, namespace: str, name: str) -> Obj | None:
        try:
            return self.cluster.get(kind, namespace, name)
        except NotFound:
            return None

    def _executor_pods(self, app: SparkApplication, status: SparkApplicationStatus) -> list[Any]:
        selector = {LABEL_APP_NAME: app.metadata.name or "", LABEL_SPARK_ROLE: SparkRole.EXECUTOR}
        if status.submissionID:
            selector[LABEL_SUBMISSION_ID] = status.submissionID
        pods = self.cluster.list("Pod", app.metadata.namespace, label_selector=selector).items
        return [pod_from_obj(pod) for pod in pods]

    def _attempt_objects(self, app: SparkApplication) -> list[Obj]:
        """Pods, services and config maps of any attempt of `app` (labelled with its name or owned by it)."""
        namespace, name, uid = app.metadata.namespace, app.metadata.name or "", app.metadata.uid or ""
        found = list(self.cluster.list("Pod", namespace, label_selector={LABEL_APP_NAME: name}).items)
        for kind in ("Service", "ConfigMap", "PersistentVolumeClaim"):
            for obj in self.cluster.list(kind, namespace).items:
                labels = _meta(obj).get("labels") or {}
                if labels.get(LABEL_APP_NAME) == name or (uid and _owned_by(obj, uid)):
                    found.append(obj)
        return found

    def _leftovers(self, app: SparkApplication, next_id: str) -> bool:
        """Whether objects of an earlier attempt still exist (the driver pod is judged by the engine)."""
        driver = (app.status.driverInfo.podName if app.status else None) or app.driver_pod_name()
        for obj in self._attempt_objects(app):
            meta = _meta(obj)
            if obj.get("kind") == "Pod" and meta.get("name") == driver:
                continue
            if (meta.get("labels") or {}).get(LABEL_SUBMISSION_ID) != next_id:
                return True
        return False

    # -- effects --------------------------------------------------------------------------------------
    def _delete(self, kind: str, namespace: str | None, name: str) -> None:
        with contextlib.suppress(NotFound):
            self.cluster.delete(kind, namespace, name)

    def _delete_resources(self, app: SparkApplication, status: SparkApplicationStatus) -> None:
        namespace = app.metadata.namespace
        self._delete("Pod", namespace, status.driverInfo.podName or app.driver_pod_name())
        for obj in self._attempt_objects(app):
            self._delete(str(obj.get("kind")), namespace, _meta(obj).get("name", ""))

    def _delete_application(self, app: SparkApplication) -> None:
        namespace, name = app.metadata.namespace or "default", app.metadata.name or ""
        self._delete("SparkApplication", namespace, name)
        if self.metrics is not None:
            self.metrics.forget(namespace, name)

    @staticmethod
    def _labelled(obj: Obj, app: SparkApplication, submission_id: str) -> Obj:
        """`obj` labelled with the application and the submission, so it can be found again (a new top
        level, metadata and labels; the rest is shared with the built object, which is not changed)."""
        meta = _meta(obj)
        labels = {LABEL_APP_NAME: app.metadata.name or "", LABEL_SUBMISSION_ID: submission_id}
        labels.update(meta.get("labels") or {})
        return {**obj, "metadata": {**meta, "labels": labels}}

    @staticmethod
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

    def _objects(self, submission: Submission, app: SparkApplication, fingerprint: str | None) -> list[Obj]:
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
        objects = [self._app_owned(self._labelled(o, app, sid), app, controller=False) for o in parts]
        driver = self._app_owned(self._labelled(submission.driver_pod, app, sid), app, controller=True)
        if fingerprint is not None:
            # The spec this driver runs, so a later spec change is seen without a write on the application.
            meta = driver["metadata"]
            meta["annotations"] = {
                **(meta.get("annotations") or {}),
                ANNOTATION_SPEC_FINGERPRINT: fingerprint,
            }
        objects.append(driver)
        return objects

    def _submit(
        self, app: SparkApplication, submission_id: str, fingerprint: str | None, now: datetime
    ) -> tuple[str | None, Submission | None]:
        """Create the attempt's objects; (error or None, the submission)."""
        try:
            submission = build_submission(app, submission_id, self.options, submitted_at=now)
        except SubmissionError as exc:
            return str(exc), None
        objects = self._objects(submission, app, fingerprint)
        try:
            self.cluster.create_many(objects)
        except AlreadyExists:
            # Some exist already: ours from before a crash (kept), or an earlier attempt's (replaced).
            error = self._create_each(objects, app, submission_id)
            if error is not None:
                return error, None
        except ClusterError as exc:
            return f"failed to create the submission's objects: {exc}", None
        return None, submission

    def _create_each(self, objects: Sequence[Obj], app: SparkApplication, submission_id: str) -> str | None:
        for obj in objects:
            error = self._create_or_adopt(obj, app, submission_id)
            if error is not None:
                return error
        return None

    def _create_or_adopt(self, obj: Obj, app: SparkApplication, submission_id: str) -> str | None:
        kind, meta = str(obj.get("kind")), _meta(obj)
        namespace, name = meta.get("namespace") or "default", meta.get("name", "")
        for _ in range(3):
            try:
                self.cluster.create(obj)
                return None
            except AlreadyExists:
                existing = self._get(kind, namespace, name)
                if existing is None:
                    continue
                labels = _meta(existing).get("labels") or {}
                if labels.get(LABEL_SUBMISSION_ID) == submission_id:
                    return None  # created by this very attempt before a crash or a conflict
                ours = labels.get(LABEL_APP_NAME) == app.metadata.name or _owned_by(
                    existing, app.metadata.uid or ""
                )
                if kind == "Pod" or not ours:
                    return f'{kind} "{name}" already exists and does not belong to this submission'
                self._delete(kind, namespace, name)  # left over from an earlier attempt
            except ClusterError as exc:
                return f"failed to create {kind} {name}: {exc}"
        return f"failed to create {kind} {name}: it keeps reappearing"

    def _ensure_adopted(self, app: SparkApplication, status: SparkApplicationStatus) -> Submission | None:
        """An adopted driver pod may have lost objects in the crash or since: create the missing ones."""
        if not status.submissionID:
            return None
        try:
            submission = build_submission(app, status.submissionID, self.options)
        except SubmissionError:
            return None
        error = self._create_each(self._objects(submission, app, None), app, status.submissionID)
        if error is not None:
            log.warning("adopted driver of %s/%s: %s", app.metadata.namespace, app.metadata.name, error)
        return submission

    @staticmethod
    def _record_submission(status: SparkApplicationStatus, submission: Submission) -> None:
        """What the submission determines up front: the Spark application id and the UI service."""
        status.sparkApplicationId = status.sparkApplicationId or submission.spark_app_id
        if submission.ui_service_name and submission.ui_port:
            status.driverInfo.webUIServiceName = submission.ui_service_name
            status.driverInfo.webUIPort = submission.ui_port
            status.driverInfo.webUIAddress = f"{submission.ui_service_name}:{submission.ui_port}"

    def _write_status(self, obj: Obj, status: SparkApplicationStatus) -> Obj:
        body = dict(obj)
        body["status"] = status.model_dump(mode="json", exclude_none=True)
        return self.cluster.update_status(body)
