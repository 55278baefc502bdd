"""The SparkApplication controller: read the app and its pods, ask the lifecycle engine, apply the answer.

One reconcile: get the SparkApplication, its driver pod (by name) and, while it runs, its executor pods
(by the submission's labels); `engine.lifecycle.decide`; then apply the decision's effects in a fixed
order: delete the application (TTL), delete the attempt's resources, submit (config map, services, then
the driver pod, all owned by the application), write the status (optimistic; a conflict re-reads and
decides again), store the spec fingerprint, record one Event per transition, update the metrics.

Submission is idempotent: attempt n of an application always uses the submission id
uuid5(NAMESPACE_URL, "<uid>/<generation>/<n>"), which the driver pod carries as a label. A controller
that dies after creating the driver pod but before writing the status finds that pod on its next look
and adopts it, so there are never two drivers.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from pydantic import ValidationError

from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.sparkstatus import ApplicationStateType, SparkApplicationStatus
from sparkfleet.clock import Clock
from sparkfleet.cluster import AlreadyExists, ClusterError, Conflict, NotFound, WatchEvent
from sparkfleet.cluster.events import record_event
from sparkfleet.cluster.port import Cluster, Obj
from sparkfleet.controllers.metrics import SparkApplicationMetrics
from sparkfleet.controllers.runner import Result
from sparkfleet.engine.lifecycle import (
    Action,
    LifecycleConfig,
    LifecycleDecision,
    after_submission,
    decide,
    pod_from_obj,
)
from sparkfleet.engine.lifecycle.labels import (
    ANNOTATION_SPEC_FINGERPRINT,
    LABEL_APP_NAME,
    LABEL_SPARK_ROLE,
    LABEL_SUBMISSION_ID,
    ROLE_EXECUTOR,
)

__all__ = [
    "COMPONENT",
    "SparkApplicationReconciler",
    "SubmissionBuilder",
    "SubmissionObjects",
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
_EXECUTOR_STATES = frozenset(
    {S.SUBMITTED, S.RUNNING, S.UNKNOWN, S.SUCCEEDING, S.FAILING, S.COMPLETED, S.FAILED}
)
_MAX_CONFLICTS = 5
_MAX_PASSES = 3


class SubmissionObjects(Protocol):
    """What the submission engine builds for one attempt."""

    @property
    def driver_pod(self) -> Obj: ...

    @property
    def config_map(self) -> Obj: ...

    @property
    def services(self) -> Sequence[Obj]: ...


SubmissionBuilder = Callable[[SparkApplication, str], SubmissionObjects]
"""(application, submission id) -> the attempt's objects; raises ValueError when the app cannot be built."""


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
    return any(ref.get("uid") == uid for ref in _meta(obj).get("ownerReferences") or [])


class SparkApplicationReconciler:
    """Reconciler (see controllers.runner) for SparkApplications, keyed by (namespace, name)."""

    name = "sparkapplication"

    def __init__(
        self,
        cluster: Cluster,
        clock: Clock,
        build: SubmissionBuilder,
        *,
        config: LifecycleConfig | None = None,
        metrics: SparkApplicationMetrics | None = None,
        component: str = COMPONENT,
    ) -> None:
        self.cluster = cluster
        self.clock = clock
        self.build = build
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
        executors = self._executor_pods(app, status) if state in _EXECUTOR_STATES else None
        leftovers = self._leftovers(app, next_id) if state in _CLEANUP_STATES else False
        decision = decide(
            app,
            pod_from_obj(driver_obj) if driver_obj is not None else None,
            executors,
            now,
            self.config,
            submission_ids=ids,
            leftovers=leftovers,
        )
        if decision.has(Action.DELETE_APPLICATION):
            self._delete_application(app)
            return None
        if decision.has(Action.DELETE_RESOURCES):
            self._delete_resources(app, status)
        if decision.has(Action.SUBMIT) and decision.submission_id is not None:
            error, ui = self._submit(app, decision.submission_id)
            decision = after_submission(app, decision, error, now, self.config)
            if error is None and ui is not None:
                self._set_ui(decision.status, ui)
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
        selector = {LABEL_APP_NAME: app.metadata.name or "", LABEL_SPARK_ROLE: ROLE_EXECUTOR}
        if status.submissionID:
            selector[LABEL_SUBMISSION_ID] = status.submissionID
        pods = self.cluster.list("Pod", app.metadata.namespace, label_selector=selector).items
        return [pod_from_obj(pod) for pod in pods]

    def _attempt_objects(self, app: SparkApplication) -> list[Obj]:
        """Pods, services and config maps of any attempt of `app` (labelled with its name or owned by it)."""
        namespace, name, uid = app.metadata.namespace, app.metadata.name or "", app.metadata.uid or ""
        found = list(self.cluster.list("Pod", namespace, label_selector={LABEL_APP_NAME: name}).items)
        for kind in ("Service", "ConfigMap"):
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

    def _owned(self, obj: Obj, app: SparkApplication, submission_id: str, *, controller: bool) -> Obj:
        """A copy of `obj` in the app's namespace, labelled with the app and submission, owned by the app."""
        out = copy.deepcopy(obj)
        meta = out.setdefault("metadata", {})
        meta.setdefault("namespace", app.metadata.namespace or "default")
        labels = meta.setdefault("labels", {})
        labels.setdefault(LABEL_APP_NAME, app.metadata.name or "")
        labels.setdefault(LABEL_SUBMISSION_ID, submission_id)
        uid = app.metadata.uid or ""
        if uid and not _owned_by(out, uid):
            owner: dict[str, Any] = {
                "apiVersion": app.apiVersion,
                "kind": app.kind,
                "name": app.metadata.name,
                "uid": uid,
                "blockOwnerDeletion": True,
            }
            if controller:
                owner["controller"] = True
            meta["ownerReferences"] = [*(meta.get("ownerReferences") or []), owner]
        return out

    def _submit(self, app: SparkApplication, submission_id: str) -> tuple[str | None, Obj | None]:
        """Create the attempt's objects; (error or None, the UI service if there is one)."""
        try:
            built = self.build(app, submission_id)
        except ValueError as exc:
            return f"failed to build the submission: {exc}", None
        services = [self._owned(s, app, submission_id, controller=False) for s in built.services]
        objects = [self._owned(built.config_map, app, submission_id, controller=False), *services]
        objects.append(self._owned(built.driver_pod, app, submission_id, controller=True))
        ui = next((s for s in services if _meta(s).get("name") == app.ui_service_name()), None)
        try:
            self.cluster.create_many(objects)
        except AlreadyExists:
            for obj in objects:
                error = self._create_or_adopt(obj, app, submission_id)
                if error is not None:
                    return error, None
        except ClusterError as exc:
            return f"failed to create the submission's objects: {exc}", None
        return None, ui

    def _create_or_adopt(self, obj: Obj, app: SparkApplication, submission_id: str) -> str | None:
        kind, meta = str(obj.get("kind")), _meta(obj)
        namespace, name = meta.get("namespace"), meta.get("name", "")
        for _ in range(2):
            try:
                self.cluster.create(obj)
                return None
            except AlreadyExists:
                existing = self._get(kind, namespace or "default", name)
                if existing is None:
                    continue
                if (_meta(existing).get("labels") or {}).get(LABEL_SUBMISSION_ID) == submission_id:
                    return None  # created by this very attempt before a crash or conflict
                if app.metadata.uid and _owned_by(existing, app.metadata.uid) and kind != "Pod":
                    self._delete(kind, namespace, name)  # left over from an earlier attempt
                    continue
                return f'{kind} "{name}" already exists and does not belong to this submission'
            except ClusterError as exc:
                return f"failed to create {kind} {name}: {exc}"
        return f"failed to create {kind} {name}: it keeps reappearing"

    @staticmethod
    def _set_ui(status: SparkApplicationStatus, service: Obj) -> None:
        spec = service.get("spec") or {}
        ports = spec.get("ports") or []
        port = ports[0].get("port") if ports and isinstance(ports[0], dict) else None
        name = _meta(service).get("name")
        status.driverInfo.webUIServiceName = name
        if isinstance(port, int):
            status.driverInfo.webUIPort = port
            host = spec.get("clusterIP") if spec.get("clusterIP") not in (None, "", "None") else name
            status.driverInfo.webUIAddress = f"{host}:{port}"

    def _write_status(self, obj: Obj, status: SparkApplicationStatus) -> Obj:
        body = dict(obj)
        body["status"] = status.model_dump(mode="json", exclude_none=True)
        return self.cluster.update_status(body)
