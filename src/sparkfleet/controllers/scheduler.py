"""The scheduler controller: YuniKorn's shim as one reconcile loop over the whole partition.

There is a single key (the partition) and one scheduling cycle per reconcile: read the queues ConfigMap
(hot reload: a changed queues.yaml applies at the next cycle; an invalid one is refused with a Warning
Event on the ConfigMap and the last valid one kept), list pods and nodes once, turn them into records
(cached per resourceVersion), ask `engine.scheduling.schedule`, and apply the decision in a fixed order:
create placeholders, bind (a replaced placeholder is deleted first), release placeholders, preempt, fail
pods, explain pending pods (PodScheduled=False and one Event, written only when the reason changes), record
the engine's events.

Only a pending pod that more nodes would help is marked with reason `Unschedulable`: that is the
provisioner's cue, as Karpenter counts only such pods. Pods held by a queue limit, a gang reservation or
their application get a reason of their own, so no node is launched for them.

The applications' statuses, the queue figures and the last valid queues.yaml are kept in the ConfigMap
`yunikorn/yunikorn-state` (written only when they change), so a restarted scheduler resumes its gang
timeouts and another process (the command line) can show queues and applications.
"""

from __future__ import annotations

import gc
import json
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sparkfleet.api.base import ManifestError
from sparkfleet.api.yunikorn import CONFIGMAP_NAMES, QUEUES_KEY, Partition, parse_configmap, parse_queues_yaml
from sparkfleet.clock import Clock, format_rfc3339
from sparkfleet.cluster import (
    AlreadyExists,
    ClusterError,
    Conflict,
    NotFound,
    Obj,
    WatchEvent,
    WatchEventType,
    record_event,
)
from sparkfleet.cluster.port import Cluster
from sparkfleet.controllers.runner import Result
from sparkfleet.engine.scheduling import (
    AppState,
    AppStatus,
    AppTransition,
    EventType,
    NodeRecord,
    PendingKind,
    PodRecord,
    PodRef,
    QueueReport,
    Resources,
    SchedulingDecision,
    Snapshot,
    Unschedulable,
    schedule,
)
from sparkfleet.engine.scheduling.apps import SCHEDULER_NAME, is_placeholder
from sparkfleet.engine.scheduling.convert import Converter, partition_of, timestamp
from sparkfleet.engine.scheduling.gang import parse_policy_parameters
from sparkfleet.engine.scheduling.snapshot import PLACEHOLDER_IMAGE

__all__ = [
    "COMPONENT",
    "NAMESPACE",
    "PARTITION_KEY",
    "STATE_CONFIGMAP",
    "SchedulerReconciler",
    "SchedulerState",
    "decode_state",
    "encode_state",
    "read_state",
    "waiting_reason",
]

log = logging.getLogger("sparkfleet.controllers.scheduler")

COMPONENT = "yunikorn"
"""The Events' source component, as YuniKorn's."""
NAMESPACE = "yunikorn"
"""Where the queues ConfigMap is read and the state ConfigMap is written."""
STATE_CONFIGMAP = "yunikorn-state"
STATE_APPS = "apps.json"
STATE_QUEUES = "queues.json"
STATE_CONFIG = "queues.yaml"
"""The last valid queues.yaml applied: a restart with an invalid ConfigMap falls back to it."""
PARTITION_KEY = "default"
"""The one key: a cycle always covers the whole partition."""
PENDING_POLL_SECONDS = 5.0
"""Another look while pods wait, for what changes with time only (preemption delay, queue room)."""
RETRY_SECONDS = 1.0
"""Another look after some effect could not be applied (a conflict, a pod that vanished)."""
MAX_IMMEDIATE_CYCLES = 8
"""Cycles run back to back while applications keep moving, before waiting for a change or a timer."""
_SCHEDULED_BY_US = (None, "", SCHEDULER_NAME, "default-scheduler")


@dataclass(frozen=True, slots=True)
class _Waiting:
    condition_reason: str
    event_type: EventType
    event_reason: str


_WAITING = {
    # Only this reason makes a provisioner launch nodes.
    PendingKind.CAPACITY: _Waiting("Unschedulable", EventType.WARNING, "FailedScheduling"),
    PendingKind.QUEUE_LIMIT: _Waiting("QueueLimit", EventType.WARNING, "QueueLimit"),
    PendingKind.GANG: _Waiting("GangReservation", EventType.NORMAL, "GangReservation"),
    PendingKind.APPLICATION: _Waiting(
        "ApplicationNotSchedulable", EventType.WARNING, "ApplicationNotSchedulable"
    ),
    PendingKind.PREEMPTION: _Waiting("WaitingForPreemption", EventType.NORMAL, "WaitingForPreemption"),
}


def waiting_reason(kind: PendingKind) -> str:
    """The PodScheduled=False reason written for a pod that waits for `kind` of reason."""
    return _WAITING[kind].condition_reason


# --- the persisted state -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SchedulerState:
    """What the scheduler keeps in `yunikorn-state`: application statuses, queue figures, the config."""

    apps: Mapping[str, AppStatus]
    queues: tuple[QueueReport, ...] = ()
    config: str | None = None


def _transition_json(t: AppTransition) -> dict[str, Any]:
    return {
        "from": t.from_state.value,
        "to": t.to_state.value,
        "at": t.at,
        "reason": t.reason,
        "message": t.message,
    }


def _status_json(s: AppStatus) -> dict[str, Any]:
    return {
        "state": s.state.value,
        "submittedAt": s.submitted_at,
        "stateSince": s.state_since,
        "queue": s.queue,
        "user": s.user,
        "firstPlaceholderAt": s.first_placeholder_at,
        "placeholdersCreated": s.placeholders_created,
        "originator": s.originator,
        "message": s.message,
        "history": [_transition_json(t) for t in s.history],
    }


def _report_json(q: QueueReport) -> dict[str, Any]:
    return {
        "path": q.path,
        "leaf": q.leaf,
        "dynamic": q.dynamic,
        "guaranteed": q.guaranteed.as_dict(),
        "max": q.max.as_dict(),
        "allocated": q.allocated.as_dict(),
        "pending": q.pending.as_dict(),
        "runningApps": q.running_apps,
        "maxApps": q.max_apps,
        "apps": list(q.apps),
    }


def encode_state(state: SchedulerState) -> dict[str, str]:
    """The state as ConfigMap data (JSON texts, keys sorted so that equal states compare equal)."""
    data = {
        STATE_APPS: json.dumps(
            {app_id: _status_json(s) for app_id, s in sorted(state.apps.items())}, sort_keys=True
        ),
        STATE_QUEUES: json.dumps([_report_json(q) for q in state.queues], sort_keys=True),
    }
    if state.config is not None:
        data[STATE_CONFIG] = state.config
    return data


def _decode_status(app_id: str, raw: Mapping[str, Any]) -> AppStatus:
    history = tuple(
        AppTransition(
            app_id,
            AppState(t["from"]),
            AppState(t["to"]),
            float(t["at"]),
            str(t.get("reason") or ""),
            str(t.get("message") or ""),
        )
        for t in raw.get("history") or ()
    )
    first = raw.get("firstPlaceholderAt")
    return AppStatus(
        app_id=app_id,
        state=AppState(raw["state"]),
        submitted_at=float(raw["submittedAt"]),
        state_since=float(raw["stateSince"]),
        queue=raw.get("queue"),
        user=str(raw.get("user") or "nobody"),
        first_placeholder_at=None if first is None else float(first),
        placeholders_created=bool(raw.get("placeholdersCreated")),
        originator=str(raw.get("originator") or ""),
        message=str(raw.get("message") or ""),
        history=history,
    )


def _decode_report(raw: Mapping[str, Any]) -> QueueReport:
    return QueueReport(
        path=str(raw["path"]),
        leaf=bool(raw.get("leaf")),
        dynamic=bool(raw.get("dynamic")),
        guaranteed=Resources(raw.get("guaranteed") or {}),
        max=Resources(raw.get("max") or {}),
        allocated=Resources(raw.get("allocated") or {}),
        pending=Resources(raw.get("pending") or {}),
        running_apps=int(raw.get("runningApps") or 0),
        max_apps=int(raw.get("maxApps") or 0),
        apps=tuple(str(a) for a in raw.get("apps") or ()),
    )


def decode_state(data: Mapping[str, str]) -> SchedulerState:
    """The state from ConfigMap data; ValueError (or KeyError/TypeError) when it is not ours."""
    apps_raw = json.loads(data.get(STATE_APPS) or "{}")
    queues_raw = json.loads(data.get(STATE_QUEUES) or "[]")
    if not isinstance(apps_raw, dict) or not isinstance(queues_raw, list):
        raise ValueError(f"{STATE_CONFIGMAP}: {STATE_APPS} must hold an object and {STATE_QUEUES} a list")
    return SchedulerState(
        apps={str(k): _decode_status(str(k), v) for k, v in apps_raw.items()},
        queues=tuple(_decode_report(q) for q in queues_raw),
        config=data.get(STATE_CONFIG),
    )


def read_state(cluster: Cluster, namespace: str = NAMESPACE) -> SchedulerState | None:
    """The state the scheduler last wrote; None when it has not run yet (or the ConfigMap is unreadable)."""
    try:
        obj = cluster.get("ConfigMap", namespace, STATE_CONFIGMAP)
    except NotFound:
        return None
    try:
        return decode_state(obj.get("data") or {})
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("%s/%s cannot be read: %s", namespace, STATE_CONFIGMAP, exc)
        return None


# --- what a change means -------------------------------------------------------------------------------


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _pod_signature(obj: Obj) -> tuple[Any, ...]:
    """What of a pod can change a scheduling decision. A bound real pod matters only by its phase (and
    leaving); a pending pod or a placeholder also by its labels, annotations and spec, but never by the
    conditions and Events the scheduler itself writes."""
    meta = _meta(obj)
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    node = spec.get("nodeName")
    head = (node, status.get("phase"), bool(meta.get("deletionTimestamp")))
    if node and not is_placeholder(labels, annotations):
        return head
    return (*head, meta.get("generation"), tuple(sorted(labels.items())), tuple(sorted(annotations.items())))


def _node_signature(obj: Obj) -> tuple[Any, ...]:
    meta = _meta(obj)
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    ready = next((c.get("status") for c in status.get("conditions") or () if c.get("type") == "Ready"), None)
    return (
        repr(status.get("allocatable") or status.get("capacity")),
        tuple(sorted((meta.get("labels") or {}).items())),
        repr(spec.get("taints")),
        bool(spec.get("unschedulable")),
        ready,
    )


def _pod_involved(ref: PodRef) -> Obj:
    meta: dict[str, Any] = {"name": ref.name, "namespace": ref.namespace}
    if ref.uid:
        meta["uid"] = ref.uid
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta}


def _identity(obj: Obj) -> str:
    meta = _meta(obj)
    return f"{meta.get('uid')}/{meta.get('resourceVersion')}"


# --- the reconciler ------------------------------------------------------------------------------------


class SchedulerReconciler:
    """Reconciler (see controllers.runner) running scheduling cycles; its one key is the partition."""

    name = "scheduler"

    def __init__(
        self,
        cluster: Cluster,
        clock: Clock,
        *,
        namespace: str = NAMESPACE,
        component: str = COMPONENT,
        pending_poll: float = PENDING_POLL_SECONDS,
        placeholder_image: str = PLACEHOLDER_IMAGE,
    ) -> None:
        self.cluster = cluster
        self.clock = clock
        self.namespace = namespace
        self.component = component
        self.pending_poll = pending_poll
        self.placeholder_image = placeholder_image
        self._seen_lock = threading.Lock()
        self._pod_seen: dict[str, tuple[Any, ...]] = {}
        self._node_seen: dict[str, tuple[Any, ...]] = {}
        # cycle state (only the single worker that holds the key touches it)
        self._converter = Converter()
        self._pods: dict[str, tuple[str, PodRecord | None]] = {}
        self._nodes: dict[str, tuple[str, NodeRecord]] = {}
        self._apps: dict[str, AppStatus] | None = None
        self._queues: tuple[QueueReport, ...] = ()
        self._partition: Partition | None = None
        self._config_key: str | None = None
        self._config_text: str | None = None
        self._refused_key: str | None = None
        self._saved_config: str | None = None
        self._written: dict[str, str] | None = None
        self._immediate = 0

    # -- Reconciler protocol --------------------------------------------------------------------------
    def watches(self) -> Sequence[str]:
        return ("Pod", "Node", "ConfigMap")

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        obj = event.object
        kind = obj.get("kind")
        meta = _meta(obj)
        if kind == "ConfigMap":
            ours = meta.get("namespace") == self.namespace and meta.get("name") in CONFIGMAP_NAMES
            return [PARTITION_KEY] if ours else []
        if kind == "Node":
            return [PARTITION_KEY] if self._changed(self._node_seen, str(meta.get("name")), event) else []
        if kind == "Pod":
            if (obj.get("spec") or {}).get("schedulerName") not in _SCHEDULED_BY_US:
                return []
            return [PARTITION_KEY] if self._changed(self._pod_seen, str(meta.get("uid")), event) else []
        return []

    def _changed(self, seen: dict[str, tuple[Any, ...]], key: str, event: WatchEvent) -> bool:
        """Whether the change can matter: any arrival (or resync) and departure, and modifications of what
        the scheduler reads (not the scheduler's own condition writes on pending pods)."""
        with self._seen_lock:
            if event.type == WatchEventType.DELETED:
                seen.pop(key, None)
                return True
            signature = (
                _node_signature(event.object)
                if event.object.get("kind") == "Node"
                else _pod_signature(event.object)
            )
            previous = seen.get(key)
            seen[key] = signature
            return event.type == WatchEventType.ADDED or previous != signature

    def reconcile(self, key: str) -> Result:
        now = self.clock.now()
        if self._apps is None:
            self._restore()
        partition = self._load_config(now)
        pods = self.cluster.list("Pod").items
        nodes = self.cluster.list("Node").items
        self._refresh_priority_classes()
        snapshot = Snapshot(
            now=timestamp(now),
            nodes=self._node_records(nodes),
            pods=self._pod_records(pods),
            partition=partition,
            apps=self._apps or {},
            placeholder_image=self.placeholder_image,
        )
        decision = schedule(snapshot)
        ok = _Effects(self, pods, now).apply(decision)
        self._apps = dict(decision.apps)
        self._queues = decision.queues
        self._persist()
        return Result(self._next_look(snapshot, decision, ok))

    # -- configuration --------------------------------------------------------------------------------
    def _queues_configmap(self) -> Obj | None:
        """The ConfigMap whose queues.yaml applies: the user's `yunikorn-configs` over the defaults."""
        for name in reversed(CONFIGMAP_NAMES):
            try:
                obj = self.cluster.get("ConfigMap", self.namespace, name)
            except NotFound:
                continue
            if QUEUES_KEY in (obj.get("data") or {}):
                return obj
        return None

    def _load_config(self, now: datetime) -> Partition:
        """The partition to schedule with: the ConfigMap's when it is valid, else the last valid one."""
        configmap = self._queues_configmap()
        key = _identity(configmap) if configmap is not None else ""
        if self._partition is not None and key in (self._config_key, self._refused_key):
            return self._partition
        text: str | None = None
        if configmap is None:
            partition = partition_of(None)  # YuniKorn's built-in default: a queue per namespace
        else:
            try:
                partition = partition_of(parse_configmap(configmap))
            except ManifestError as exc:
                self._refuse(configmap, key, exc, now)
                if self._partition is None:
                    self._partition = self._fallback_partition()
                return self._partition
            text = str((configmap.get("data") or {}).get(QUEUES_KEY))
        reloaded = self._partition is not None and configmap is not None
        self._partition, self._config_key, self._config_text = partition, key, text
        self._refused_key = None
        if reloaded and configmap is not None:
            self._event(
                configmap,
                EventType.NORMAL,
                "QueueConfigApplied",
                f"{_meta(configmap).get('name')}: {QUEUES_KEY} applied from the next scheduling cycle",
                now,
            )
        return partition

    def _refuse(self, configmap: Obj, key: str, exc: ManifestError, now: datetime) -> None:
        if key == self._refused_key:
            return
        self._refused_key = key
        problems = "; ".join(str(i) for i in exc.issues[:5])
        more = f" (and {len(exc.issues) - 5} more)" if len(exc.issues) > 5 else ""
        message = (
            f"{_meta(configmap).get('name')}: {QUEUES_KEY} is invalid and was not applied; the scheduler "
            f"keeps the last valid configuration: {problems}{more}"
        )
        log.warning("%s", message)
        self._event(configmap, EventType.WARNING, "QueueConfigRejected", message, now)

    def _fallback_partition(self) -> Partition:
        """After a restart with an invalid ConfigMap: the config last applied, else YuniKorn's default."""
        if self._saved_config is not None:
            try:
                partition = partition_of(parse_queues_yaml(self._saved_config))
            except ManifestError:
                pass
            else:
                self._config_text = self._saved_config
                return partition
        return partition_of(None)

    def _refresh_priority_classes(self) -> None:
        try:
            items = self.cluster.list("PriorityClass").items
        except ClusterError:
            items = []
        classes = {
            str(_meta(pc).get("name")): int(pc.get("value") or 0)
            for pc in items
            if isinstance(pc.get("value"), int)
        }
        if classes != self._converter.priority_classes:
            self._converter = Converter(classes)
            self._pods.clear()

    # -- records --------------------------------------------------------------------------------------
    def _pod_records(self, pods: list[Obj]) -> list[PodRecord]:
        """Records of the pods, converting only those whose resourceVersion changed since the last cycle."""
        cached = self._pods
        fresh: dict[str, tuple[str, PodRecord | None]] = {}
        records: list[PodRecord] = []
        convert = self._converter.pod
        collecting = gc.isenabled()
        gc.disable()  # many small records and no cycles: see engine.scheduling.schedule
        try:
            for obj in pods:
                meta = obj["metadata"]
                uid, version = meta.get("uid") or "", meta.get("resourceVersion") or ""
                hit = cached.get(uid)
                record = hit[1] if hit is not None and hit[0] == version else convert(obj)
                fresh[uid] = (version, record)
                if record is not None:
                    records.append(record)
        finally:
            if collecting:
                gc.enable()
        self._pods = fresh
        return records

    def _node_records(self, nodes: list[Obj]) -> list[NodeRecord]:
        cached = self._nodes
        fresh: dict[str, tuple[str, NodeRecord]] = {}
        for obj in nodes:
            meta = obj["metadata"]
            name, version = str(meta.get("name")), str(meta.get("resourceVersion") or "")
            hit = cached.get(name)
            record = hit[1] if hit is not None and hit[0] == version else self._converter.node(obj)
            fresh[name] = (version, record)
        self._nodes = fresh
        return [record for _, record in fresh.values()]

    # -- state ----------------------------------------------------------------------------------------
    def _restore(self) -> None:
        """Resume from the state a previous run left (gang timeouts keep counting from where they were)."""
        state = read_state(self.cluster, self.namespace)
        if state is None:
            self._apps = {}
            return
        self._apps = dict(state.apps)
        self._queues = state.queues
        self._saved_config = state.config
        self._written = encode_state(state)

    def _persist(self) -> None:
        data = encode_state(SchedulerState(self._apps or {}, self._queues, self._config_text))
        if data == self._written:
            return
        patch_data: dict[str, str | None] = {STATE_APPS: None, STATE_QUEUES: None, STATE_CONFIG: None}
        patch_data.update(data)
        try:
            self.cluster.patch("ConfigMap", self.namespace, STATE_CONFIGMAP, {"data": patch_data})
        except NotFound:
            body: Obj = {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": STATE_CONFIGMAP,
                    "namespace": self.namespace,
                    "labels": {"app.kubernetes.io/managed-by": self.component},
                },
                "data": data,
            }
            try:
                self.cluster.create(body)
            except AlreadyExists:
                self.cluster.patch("ConfigMap", self.namespace, STATE_CONFIGMAP, {"data": patch_data})
        self._written = data

    # -- timing ---------------------------------------------------------------------------------------
    def _next_look(self, snapshot: Snapshot, decision: SchedulingDecision, ok: bool) -> float | None:
        """When to run again without a change: at the earliest gang timeout, soon after an application
        moved (its next step may be due), a little later while pods wait, sooner after a failed effect."""
        delays: list[float] = []
        if decision.transitions and self._immediate < MAX_IMMEDIATE_CYCLES:
            self._immediate += 1
            delays.append(0.0)
        else:
            self._immediate = 0
        if not ok:
            delays.append(RETRY_SECONDS)
        if decision.unschedulable:
            delays.append(self.pending_poll)
        params: dict[str, str | None] = {}
        with_placeholders = {ph.app_id for ph in decision.placeholders_to_create}
        for pod in snapshot.pods:
            if pod.placeholder:
                if not pod.finished:
                    with_placeholders.add(pod.app_id)
            elif pod.task_groups is not None:
                params[pod.app_id] = pod.policy_params
        for status in decision.apps.values():
            first = status.first_placeholder_at
            if first is None or status.state not in (AppState.RESERVING, AppState.RUNNING):
                continue
            if status.app_id not in with_placeholders:
                continue
            timeout = parse_policy_parameters(params.get(status.app_id)).timeout
            delay = first + timeout - snapshot.now
            if delay > 0:
                delays.append(delay)
        return min(delays) if delays else None

    # -- events ---------------------------------------------------------------------------------------
    def _event(self, involved: Obj, type_: EventType, reason: str, message: str, now: datetime) -> None:
        try:
            record_event(self.cluster, involved, type_.value, reason, message, now, self.component)
        except ClusterError as exc:
            log.warning("event %s on %s not recorded: %s", reason, _meta(involved).get("name"), exc)


class _Effects:
    """Applies one decision; every effect is attempted, and `apply` says whether all of them went through."""

    def __init__(self, owner: SchedulerReconciler, pods: list[Obj], now: datetime) -> None:
        self.owner = owner
        self.cluster = owner.cluster
        self.pods = pods
        self.now = now
        self.ok = True
        self._by_name: dict[tuple[str, str], Obj] | None = None

    def apply(self, decision: SchedulingDecision) -> bool:
        self._create_placeholders(decision)
        for bind in decision.binds:
            if bind.replaces is not None:
                self._delete(bind.replaces)
            self._bind(bind.pod, bind.node)
        for release in decision.releases:
            self._delete(release.pod)
        for preemption in decision.preemptions:
            self._delete(preemption.victim)
            self._patch_status(preemption.preemptor, {"nominatedNodeName": preemption.node})
        for failure in decision.failures:
            self._patch_status(
                failure.pod, {"phase": "Failed", "reason": failure.reason, "message": failure.message}
            )
        for waiting in decision.unschedulable:
            self._explain(waiting)
        for event in decision.events:
            self.owner._event(_pod_involved(event.pod), event.type, event.reason, event.message, self.now)
        return self.ok

    def _failed(self, what: str, exc: ClusterError) -> None:
        log.info("scheduler: %s: %s", what, exc)
        self.ok = False

    def _index(self) -> dict[tuple[str, str], Obj]:
        if self._by_name is None:
            self._by_name = {
                (obj["metadata"].get("namespace") or "default", obj["metadata"]["name"]): obj
                for obj in self.pods
            }
        return self._by_name

    def _pod(self, ref: PodRef) -> Obj | None:
        return self._index().get((ref.namespace, ref.name))

    def _create_placeholders(self, decision: SchedulingDecision) -> None:
        manifests = [ph.manifest() for ph in decision.placeholders_to_create]
        if not manifests:
            return
        try:
            created = self.cluster.create_many(manifests)
        except ClusterError:
            created = []
            for manifest in manifests:  # some exist already (asked again after a crash): one by one
                try:
                    created.append(self.cluster.create(manifest))
                except AlreadyExists:
                    continue
                except ClusterError as exc:
                    self._failed(f"create placeholder {manifest['metadata']['name']}", exc)
        index = self._index()
        for obj in created:
            meta = obj["metadata"]
            index[(meta["namespace"], meta["name"])] = obj

    def _bind(self, ref: PodRef, node: str) -> None:
        try:
            bound = self.cluster.bind(ref.namespace, ref.name, node)
        except NotFound:
            self.ok = False  # deleted since the snapshot: the next cycle knows
            return
        except ClusterError as exc:
            self._failed(f"bind {ref.namespace}/{ref.name} to {node}", exc)
            return
        self._index()[(ref.namespace, ref.name)] = bound
        self.owner._event(
            _pod_involved(ref._replace(uid=bound["metadata"].get("uid") or ref.uid)),
            EventType.NORMAL,
            "Scheduled",
            f"Successfully assigned {ref.namespace}/{ref.name} to node {node}",
            self.now,
        )

    def _delete(self, ref: PodRef) -> None:
        try:
            self.cluster.delete("Pod", ref.namespace, ref.name)
        except NotFound:
            pass
        except ClusterError as exc:
            self._failed(f"delete {ref.namespace}/{ref.name}", exc)

    def _patch_status(self, ref: PodRef, status: dict[str, Any]) -> None:
        try:
            patched = self.cluster.patch(
                "Pod", ref.namespace, ref.name, {"status": status}, subresource="status"
            )
        except NotFound:
            return
        except ClusterError as exc:
            self._failed(f"update the status of {ref.namespace}/{ref.name}", exc)
            return
        self._index()[(ref.namespace, ref.name)] = patched  # later effects start from this version

    def _explain(self, waiting: Unschedulable) -> None:
        """PodScheduled=False with the reason and message, and one Event, unless the pod says so already."""
        obj = self._pod(waiting.pod)
        if obj is None:
            return
        how = _WAITING[waiting.kind]
        status = obj.get("status") or {}
        conditions = list(status.get("conditions") or [])
        current = next((c for c in conditions if c.get("type") == "PodScheduled"), None)
        nominated = status.get("nominatedNodeName") or None
        if (
            current is not None
            and current.get("status") == "False"
            and current.get("reason") == how.condition_reason
            and current.get("message") == waiting.message
            and (waiting.nominated_node is None or nominated == waiting.nominated_node)
        ):
            return
        since = format_rfc3339(self.now)
        if current is not None and current.get("status") == "False" and current.get("lastTransitionTime"):
            since = current["lastTransitionTime"]
        condition = {
            "type": "PodScheduled",
            "status": "False",
            "reason": how.condition_reason,
            "message": waiting.message,
            "lastProbeTime": None,
            "lastTransitionTime": since,
        }
        patch: dict[str, Any] = {
            "conditions": [c for c in conditions if c.get("type") != "PodScheduled"] + [condition]
        }
        if waiting.nominated_node is not None:
            patch["nominatedNodeName"] = waiting.nominated_node
        meta = obj["metadata"]
        try:
            self.cluster.patch(
                "Pod",
                waiting.pod.namespace,
                waiting.pod.name,
                {"metadata": {"resourceVersion": meta.get("resourceVersion")}, "status": patch},
                subresource="status",
            )
        except NotFound:
            return
        except Conflict:
            self.ok = False  # the pod changed since the snapshot: the next cycle decides again
            return
        except ClusterError as exc:
            self._failed(f"mark {waiting.pod.namespace}/{waiting.pod.name} pending", exc)
            return
        ref = waiting.pod._replace(uid=meta.get("uid") or waiting.pod.uid)
        self.owner._event(_pod_involved(ref), how.event_type, how.event_reason, waiting.message, self.now)
