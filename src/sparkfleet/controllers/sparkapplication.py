"""The SparkApplication controller: read the app and its pods, ask the lifecycle engine, apply the answer.

One pass: get the SparkApplication, its driver pod (by name) and, while it runs, its executor pods
(by the submission's labels); one `engine.lifecycle.decide`, whose decision lists every effect with its
final content; then apply them as given, in a fixed order: delete the application (TTL), delete the
attempt's resources, create the submission's objects (conf ConfigMap, services, claims, then the driver
pod, in one transaction, exactly as the decision built them), write the status (optimistic; a conflict
re-reads and decides again), keep the spec fingerprint, record one Event per transition, update the
metrics. When the objects cannot be created nothing else of that decision is applied, and the next pass
decides with the failure (SUBMISSION_FAILED, retried per restartPolicy).

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
from sparkfleet.cluster import (
    AlreadyExists,
    Cluster,
    ClusterError,
    Conflict,
    NotFound,
    Obj,
    WatchEvent,
    WatchEventType,
    one_transaction,
    record_event,
)
from sparkfleet.controllers.support.finishedapps import FinishedApps
from sparkfleet.controllers.support.metrics import SparkApplicationMetrics
from sparkfleet.engine.lifecycle import (
    Action,
    FailedCreate,
    LifecycleConfig,
    LifecycleDecision,
    decide,
    pod_from_obj,
)
from sparkfleet.engine.submission import SubmissionOptions
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
# Passes after a failed create, each recording a failure: the decision then submits no more, so more
# are needed only when the application changed in between.
_MAX_FAILED_CREATES = 3


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
        # Finished applications a relist, a resync or their pods' changes bring up again cost nothing.
        self.finished = FinishedApps(clock, self.config.default_time_to_live_seconds, submission_id_for)

    # -- Reconciler protocol --------------------------------------------------------------------------
    def watches(self) -> Sequence[str]:
        return ("SparkApplication", "Pod")

    def keys_for(self, event: WatchEvent) -> Iterable[AppKey]:
        obj = event.object
        meta = _meta(obj)
        namespace = meta.get("namespace") or "default"
        if obj.get("kind") == "SparkApplication":
            key = (namespace, meta.get("name", ""))
            if event.type is WatchEventType.DELETED:
                self.finished.forget(key)
                return [key]
            return [key] if self.finished.note(key, obj) else []
        app = (meta.get("labels") or {}).get(LABEL_APP_NAME)
        return [(namespace, app)] if app and not self.finished.settled((namespace, app)) else []

    def reconcile(self, key: AppKey) -> Result:
        rest = self._rest(key)
        if rest is not None:
            return Result(None if rest == float("inf") else rest)
        conflicts = 0
        passes = 0
        failures = 0
        failed: FailedCreate | None = None
        while True:
            try:
                outcome = self._pass(key, failed)
            except Conflict:
                # The application changed since we read it: read it again and decide afresh. Anything
                # created meanwhile carries this attempt's submission id and is adopted, not repeated.
                conflicts += 1
                if conflicts >= _MAX_CONFLICTS:
                    raise
                continue
            passes += 1
            if outcome is None:
                return Result()
            decision, failed = outcome
            if failed is not None:
                # Decide again at once, so the failure is counted and its back-off starts now.
                failures += 1
                if failures <= _MAX_FAILED_CREATES:
                    continue
                return Result(0.0)
            # Our own deletions may already have finished (they do at once in the embedded store):
            # look again now rather than after the poll interval.
            if decision.has(Action.DELETE_RESOURCES) and passes < _MAX_PASSES:
                continue
            return Result(decision.requeue_after)

    def _rest(self, key: AppKey) -> float | None:
        """Seconds a finished application needs no look for (inf: ever); None to reconcile it now. One
        that only its pods brought up is read once, alone, to tell."""
        if not self.finished.known(key):
            obj = self._get("SparkApplication", *key)
            if obj is None:
                return None
            self.finished.note(key, obj)
        return self.finished.rest(key)

    # -- one pass -------------------------------------------------------------------------------------
    def _pass(
        self, key: AppKey, failed: FailedCreate | None
    ) -> tuple[LifecycleDecision, FailedCreate | None] | None:
        """Read, decide once, apply. None when there is nothing (more) to do for the key; else the
        decision and, when its objects could not be created, the failure for the next pass."""
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
                options=self.options,
                failed_create=failed,
            )
        except TimestampError as exc:
            log.warning("SparkApplication %s/%s: not reconciling it: %s", namespace, name, exc)
            return None
        # One pass's effects are one transaction where the cluster has them: the driver pod, its
        # dependents, the status and the events cost one commit, and a crash leaves all or none.
        with one_transaction(self.cluster):
            return self._apply(obj, app, decision, now)

    def _apply(
        self, obj: Obj, app: SparkApplication, decision: LifecycleDecision, now: datetime
    ) -> tuple[LifecycleDecision, FailedCreate | None] | None:
        """Apply `decision`'s effects as given, in order; stop at a create that fails."""
        if decision.has(Action.DELETE_APPLICATION):
            self._delete_application(app)
            return None
        if decision.has(Action.DELETE_RESOURCES):
            self._delete_resources(app, app.status or SparkApplicationStatus())
        if decision.submission_id is not None and decision.has(Action.SUBMIT):
            error = self._create(decision.creates, app, decision.submission_id)
            if error is not None:
                # The status says SUBMITTED only if these exist: write none of it.
                return decision, FailedCreate(decision.submission_id, error)
        elif decision.submission_id is not None and decision.has(Action.RESTORE):
            error = self._create_each(decision.creates, app, decision.submission_id)
            if error is not None:
                log.warning("adopted driver of %s/%s: %s", app.metadata.namespace, app.metadata.name, error)
        if decision.status_changed:
            obj = self._write_status(obj, decision.status)
        if decision.record_fingerprint is not None:
            obj = self.cluster.patch(
                "SparkApplication",
                app.metadata.namespace,
                app.metadata.name or "",
                {"metadata": {"annotations": {ANNOTATION_SPEC_FINGERPRINT: decision.record_fingerprint}}},
            )
        for event in decision.events:
            record_event(
                self.cluster, obj, event.type.value, event.reason, event.message, now, self.component
            )
        if self.metrics is not None:
            self.metrics.record(app, decision, now)
        return decision, None

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

    def _create(self, objects: Sequence[Obj], app: SparkApplication, submission_id: str) -> str | None:
        """Create the attempt's objects in one transaction; the error that stopped it, or None."""
        try:
            self.cluster.create_many(objects)
        except AlreadyExists:
            # Some exist already: ours from before a crash (kept), or an earlier attempt's (replaced).
            return self._create_each(objects, app, submission_id)
        except ClusterError as exc:
            return f"failed to create the submission's objects: {exc}"
        return None

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

    def _write_status(self, obj: Obj, status: SparkApplicationStatus) -> Obj:
        """Write the decided status over `obj`, the application as read for the decision. A Conflict
        from a change to its metadata alone (the timeline's and cost's annotations, a label) is not a
        reason to decide again: this pass's effects are already applied, and without the status that
        counts them the next pass would take them for the previous attempt's. So the status goes onto
        the fresh object, as the operator's retry-on-conflict does; a changed spec or status (another
        writer) is still a Conflict."""
        decided = status.model_dump(mode="json", exclude_none=True)
        current = obj
        for _ in range(_MAX_CONFLICTS):
            try:
                return self.cluster.update_status({**current, "status": decided})
            except Conflict:
                meta = _meta(obj)
                fresh = self.cluster.get("SparkApplication", meta.get("namespace"), meta.get("name", ""))
                if not _same_decision_inputs(obj, fresh):
                    raise
                current = fresh
        raise Conflict(f"SparkApplication {_meta(obj).get('name')}: its status kept conflicting")


def _same_decision_inputs(read: Obj, fresh: Obj) -> bool:
    """Whether `fresh` differs from the application a decision was made on in its metadata alone."""
    return (
        _meta(read).get("generation") == _meta(fresh).get("generation")
        and read.get("spec") == fresh.get("spec")
        and (read.get("status") or {}) == (fresh.get("status") or {})
        and _meta(read).get("deletionTimestamp") == _meta(fresh).get("deletionTimestamp")
    )
