"""The SparkConnect controller: a Spark Connect server pod, its Service and executor template, its status.

One reconcile, as the operator's: create the ConfigMap, the server pod and the Service when missing
(engine.sparkconnect builds them; an existing pod is left as it is, as CreateOrUpdate leaves a created
pod's spec), then write the status when it changed. The server's executors are Spark's own (it creates
them through the API from the template); they and the server pod wake the SparkConnect through their
`sparkoperator.k8s.io/connect-name` label. Deleting the SparkConnect deletes what it owns.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from sparkfleet.api.sparkconnect import SparkConnect, SparkConnectState
from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.api.wire import CONNECT_SERVER_PORT, LABEL_SPARK_CONNECT_NAME, EventType
from sparkfleet.clock import Clock
from sparkfleet.cluster import AlreadyExists, Cluster, Conflict, NotFound, Obj, WatchEvent, record_event
from sparkfleet.engine.sparkconnect import (
    ConnectSpecError,
    connect_objects,
    connect_status,
    dropped_fields,
    executor_selector,
    server_pod_name,
)
from sparkfleet.reconcile import Result

__all__ = ["SparkConnectReconciler"]

log = logging.getLogger("sparkfleet.controllers.sparkconnect")

Key = tuple[str, str]


def _meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


class SparkConnectReconciler:
    """Reconciler (see sparkfleet.reconcile) for SparkConnects, keyed by (namespace, name)."""

    name = "sparkconnect"

    def __init__(self, cluster: Cluster, clock: Clock, *, component: str = "spark-operator") -> None:
        self.cluster = cluster
        self.clock = clock
        self.component = component

    def watches(self) -> Sequence[str]:
        return ("SparkConnect", "Pod")

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        obj = event.object
        meta = _meta(obj)
        namespace = meta.get("namespace") or "default"
        if obj.get("kind") == "SparkConnect":
            return [(namespace, meta.get("name", ""))]
        name = (meta.get("labels") or {}).get(LABEL_SPARK_CONNECT_NAME)
        return [(namespace, name)] if name else []

    def reconcile(self, key: Key) -> Result:
        namespace, name = key
        try:
            obj = self.cluster.get("SparkConnect", namespace, name)
        except NotFound:
            return Result()
        if _meta(obj).get("deletionTimestamp"):
            return Result()
        try:
            conn = SparkConnect.model_validate(obj)
        except ValidationError as exc:
            log.warning("SparkConnect %s/%s does not parse; not reconciling it: %s", namespace, name, exc)
            return Result()
        now = self.clock.now()
        failure: str | None = None
        server: Obj | None = None
        try:
            objects = connect_objects(conn)
        except ConnectSpecError as exc:
            failure = str(exc)
        else:
            self._ensure(objects.config_map, obj)
            server = self._ensure(objects.server_pod, obj, dropped_fields(conn))
            self._ensure(objects.service, obj)
        executors = self.cluster.list("Pod", namespace, label_selector=executor_selector(conn)).items
        status = connect_status(conn, server, executors, now, failure=failure)
        old = conn.status.model_dump(mode="json", exclude_none=True) if conn.status else {}
        new = status.model_dump(mode="json", exclude_none=True)
        if new != old:
            status.lastUpdateTime = format_rfc3339(now)
            body = {**obj, "status": status.model_dump(mode="json", exclude_none=True)}
            try:
                self.cluster.update_status(body)
            except Conflict:
                return Result(requeue_after=0.0)
            was = conn.status.state if conn.status else SparkConnectState.NEW
            self._note(
                obj, was, conn.model_copy(update={"status": status}), failure, status.server.podIp or ""
            )
        return Result()

    def _ensure(self, wanted: Obj, owner: Obj, dropped: Sequence[str] = ()) -> Obj:
        """`wanted` as stored: created when missing, else the existing object left as it is. `dropped`:
        the template fields left out of it, said in a Warning Event when it is created."""
        kind, meta = str(wanted["kind"]), wanted["metadata"]
        try:
            return self.cluster.get(kind, meta.get("namespace"), meta["name"])
        except NotFound:
            pass
        try:
            created: Obj = self.cluster.create(wanted)
        except AlreadyExists:
            return self.cluster.get(kind, meta.get("namespace"), meta["name"])
        log.info("SparkConnect %s: created %s %s", _meta(owner).get("name"), kind, meta["name"])
        if dropped:
            message = (
                f"{kind} {meta['name']} was made without {', '.join(dropped)}: Kubernetes' pod template has "
                "no such fields (the operator drops them too); a container's own securityContext takes "
                "capabilities and allowPrivilegeEscalation"
            )
            reason, now = "TemplateFieldsDropped", self.clock.now()
            record_event(self.cluster, owner, EventType.WARNING.value, reason, message, now, self.component)
        return created

    def _note(
        self, obj: Obj, was: SparkConnectState, conn: SparkConnect, failure: str | None, ip: str
    ) -> None:
        """An Event for each change of state the user acts on: failed, ready (with its address), lost."""
        state = conn.status.state if conn.status else SparkConnectState.NEW
        if was == state:
            return
        name, pod = _meta(obj).get("name", ""), server_pod_name(conn)
        if state == SparkConnectState.FAILED:
            event = (
                EventType.WARNING,
                "SparkConnectFailed",
                f"SparkConnect {name} cannot start its server: {failure}",
            )
        elif state == SparkConnectState.READY:
            event = (
                EventType.NORMAL,
                "SparkConnectReady",
                f"Server pod {pod} is ready at sc://{ip}:{CONNECT_SERVER_PORT}",
            )
        elif was == SparkConnectState.READY:
            event = (EventType.WARNING, "SparkConnectNotReady", f"Server pod {pod} is not ready")
        else:
            return
        kind, reason, message = event
        record_event(self.cluster, obj, kind.value, reason, message, self.clock.now(), self.component)
