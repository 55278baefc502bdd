"""Snapshot records from Kubernetes objects as plain dicts (what the store holds), built fast.

Pods are read field by field rather than validated into models (50,000 pods must cost well under a
second); the few nested parts the scheduler evaluates (tolerations, node affinity, taints) are turned
into api models once per distinct value and shared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sparkfleet.api import yunikorn as yk
from sparkfleet.api.placement import Affinity, Taint, Toleration
from sparkfleet.api.pod import PodPhase
from sparkfleet.api.podrequests import pod_requests, resource_amounts
from sparkfleet.api.timefmt import parse_rfc3339
from sparkfleet.api.wire import (
    ANNOTATION_SCHEDULING_POLICY_PARAMETERS,
    ANNOTATION_TASK_GROUP_NAME,
    ANNOTATION_TASK_GROUPS,
    EMBEDDED_SCHEDULER_NAMES,
    SCHEDULER_NAME,
    SchedulerNames,
)
from sparkfleet.engine.scheduling import apps as keys
from sparkfleet.engine.scheduling.resources import PODS, Resources
from sparkfleet.engine.scheduling.snapshot import (
    NO_CONSTRAINTS,
    PLACEHOLDER_IMAGE,
    AppStatus,
    Constraints,
    NodeRecord,
    PodRecord,
    Snapshot,
)

DEFAULT_QUEUES: dict[str, Any] = {
    "partitions": [
        {
            "name": yk.DEFAULT_PARTITION,
            "placementrules": [{"name": "tag", "value": "namespace", "create": True}],
            "queues": [{"name": "root", "submitacl": "*"}],
        }
    ]
}
"""YuniKorn's built-in configuration, used when there is no queues.yaml: a queue per namespace."""

_PHASES = {p.value: p for p in PodPhase}
ConfigInput = yk.SchedulerConfig | yk.Partition | Mapping[str, Any] | str | None


def partition_of(config: ConfigInput) -> yk.Partition:
    """The `default` partition of a queues config given as a model, a loaded document or YAML text."""
    if isinstance(config, yk.Partition):
        return config
    if config is None:
        parsed = yk.parse_queues(DEFAULT_QUEUES)
    elif isinstance(config, yk.SchedulerConfig):
        parsed = config
    elif isinstance(config, str):
        parsed = yk.parse_queues_yaml(config)
    else:
        parsed = yk.parse_queues(dict(config))
    return parsed.partition() or parsed.partitions[0]


def timestamp(value: Any, field: str = "metadata.creationTimestamp") -> float:
    """RFC 3339 text (`2024-05-01T10:00:00Z`) or an aware datetime as epoch seconds; 0.0 when absent.

    Text without a zone is a TimestampError naming `field`, never read as local time or UTC.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{field}: {value} has no timezone: pass an aware datetime")
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    if not value:
        return 0.0
    return parse_rfc3339(str(value), field=field).timestamp()


class Converter:
    """Turns object dicts into records, sharing equal constraints and requests between pods."""

    def __init__(
        self,
        priority_classes: Mapping[str, int] | None = None,
        scheduler_names: SchedulerNames = EMBEDDED_SCHEDULER_NAMES,
    ) -> None:
        self.priority_classes = dict(priority_classes or {})
        self.scheduler_names = scheduler_names
        self._constraints: dict[str, Constraints] = {}
        self._requests: dict[tuple[tuple[str, int], ...], Resources] = {}
        self._taints: dict[str, Taint] = {}
        self._times: dict[str, float] = {}

    def pod(self, obj: Mapping[str, Any]) -> PodRecord | None:
        """The pod as a record; None for pods another scheduler owns (a schedulerName not ours)."""
        spec = obj.get("spec") or {}
        scheduler = spec.get("schedulerName")
        if scheduler not in self.scheduler_names:
            return None
        meta = obj.get("metadata") or {}
        status = obj.get("status") or {}
        labels = meta.get("labels") or {}
        annotations = meta.get("annotations") or {}
        namespace = meta.get("namespace") or "default"
        yunikorn = scheduler == SCHEDULER_NAME
        user, groups = keys.user_of(annotations)
        priority = spec.get("priority")
        if not isinstance(priority, int):
            priority = self.priority_classes.get(spec.get("priorityClassName") or "", 0)
        return PodRecord(
            uid=meta.get("uid") or "",
            namespace=namespace,
            name=meta.get("name") or "",
            app_id=keys.app_id_of(labels, annotations, namespace),
            requests=self.requests(spec),
            constraints=self.constraints(spec),
            queue=keys.queue_of(labels, annotations),
            yunikorn=yunikorn,
            priority=priority,
            created=self.timestamp(meta.get("creationTimestamp")),
            node_name=spec.get("nodeName") or None,
            phase=_PHASES.get(status.get("phase") or "Pending", PodPhase.PENDING),
            terminating=bool(meta.get("deletionTimestamp")),
            task_group=annotations.get(ANNOTATION_TASK_GROUP_NAME) if yunikorn else None,
            task_groups=annotations.get(ANNOTATION_TASK_GROUPS) if yunikorn else None,
            policy_params=annotations.get(ANNOTATION_SCHEDULING_POLICY_PARAMETERS) if yunikorn else None,
            placeholder=yunikorn and keys.is_placeholder(labels, annotations),
            allow_preemption=keys.allows_preemption(annotations),
            preempt_never=spec.get("preemptionPolicy") == "Never",
            user=user,
            groups=groups,
            priority_class=spec.get("priorityClassName"),
            nominated_node=status.get("nominatedNodeName") or None,
            owner=_pod_owner(meta),
        )

    def timestamp(self, value: Any) -> float:
        """`timestamp`, remembering texts already read (pods of one application share their second)."""
        if not isinstance(value, str):
            return timestamp(value)
        found = self._times.get(value)
        if found is None:
            found = self._times[value] = timestamp(value)
        return found

    def foreign(self, obj: Mapping[str, Any]) -> tuple[str, Resources] | None:
        """A running pod another scheduler bound, as the node and the room it holds; None otherwise."""
        spec = obj.get("spec") or {}
        node = spec.get("nodeName")
        if not node or spec.get("schedulerName") in self.scheduler_names:
            return None
        phase = (obj.get("status") or {}).get("phase")
        if phase in (PodPhase.SUCCEEDED.value, PodPhase.FAILED.value):
            return None
        return str(node), self.requests(spec)

    def requests(self, spec: Mapping[str, Any]) -> Resources:
        """The pod's effective request (`sparkfleet.api.podrequests`) and the pod slot it takes."""
        total = pod_requests(spec)
        total[PODS] = total.get(PODS, 0) + 1
        key = tuple(sorted(total.items()))
        interned = self._requests.get(key)
        if interned is None:
            interned = self._requests[key] = Resources(total)
        return interned

    def constraints(self, spec: Mapping[str, Any]) -> Constraints:
        selector = spec.get("nodeSelector") or {}
        tolerations = spec.get("tolerations") or []
        affinity = spec.get("affinity") or {}
        required = (affinity.get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution")
        if not selector and not tolerations and not required:
            return NO_CONSTRAINTS
        # repr is a cheap cache key; the same content written in another key order only costs a second
        # entry (Constraints compares by its canonical form)
        key = repr((selector, tolerations, required))
        found = self._constraints.get(key)
        if found is None:
            terms = None
            if required:
                parsed = Affinity.model_validate(
                    {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": required}}
                )
                assert (
                    parsed.nodeAffinity is not None
                    and parsed.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
                )
                terms = parsed.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms
            found = Constraints(selector, [Toleration.model_validate(t) for t in tolerations], terms)
            self._constraints[key] = found
        return found

    def node(self, obj: Mapping[str, Any]) -> NodeRecord:
        meta = obj.get("metadata") or {}
        spec = obj.get("spec") or {}
        status = obj.get("status") or {}
        allocatable = status.get("allocatable") or status.get("capacity") or {}
        amounts = resource_amounts(allocatable)
        ready = True
        for condition in status.get("conditions") or ():
            if condition.get("type") == "Ready":
                ready = condition.get("status") == "True"
        return NodeRecord(
            name=meta.get("name") or "",
            allocatable=Resources(amounts),
            labels=dict(meta.get("labels") or {}),
            taints=tuple(self.taint(t) for t in spec.get("taints") or ()),
            unschedulable=bool(spec.get("unschedulable")),
            ready=ready,
        )

    def taint(self, raw: Mapping[str, Any]) -> Taint:
        key = repr(raw)
        found = self._taints.get(key)
        if found is None:
            found = self._taints[key] = Taint.model_validate(raw)
        return found


def _pod_owner(meta: Mapping[str, Any]) -> str | None:
    """The uid of the owning pod: Spark sets the driver on its executors, the scheduler the originator on
    its placeholders."""
    for ref in meta.get("ownerReferences") or ():
        if ref.get("kind") == "Pod" and ref.get("uid"):
            return str(ref["uid"])
    return None


def snapshot_from_objects(
    pods: Iterable[Mapping[str, Any]],
    nodes: Iterable[Mapping[str, Any]],
    queues_config: ConfigInput,
    app_states: Mapping[str, AppStatus] | None,
    now: float | datetime,
    *,
    priority_classes: Mapping[str, int] | None = None,
    placeholder_image: str = PLACEHOLDER_IMAGE,
) -> Snapshot:
    """A snapshot from the store's Pod and Node dicts, the queues config and the last decision's `apps`.

    `queues_config` is the `default` partition's source: a SchedulerConfig or Partition, a loaded
    queues.yaml document, its text, or None for YuniKorn's built-in default. `priority_classes` maps
    PriorityClass names to values, for pods whose `spec.priority` the API server did not fill in.
    """
    converter = Converter(priority_classes)
    pod_records = [r for r in (converter.pod(p) for p in pods) if r is not None]
    node_records = [converter.node(n) for n in nodes]
    return Snapshot(
        now=timestamp(now, field="now"),
        nodes=node_records,
        pods=pod_records,
        partition=partition_of(queues_config),
        apps=dict(app_states or {}),
        placeholder_image=placeholder_image,
    )
