"""From the store's objects to the engine's records: what of a change can matter, and a cache of records.

A cycle lists every pod and node; converting each of them again would dominate a cycle over a large
partition, so records are kept per object and rebuilt only when the object's resourceVersion changed
(all of them when the PriorityClasses change, since a pod's priority may come from one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sparkfleet.api.wire import EMBEDDED_SCHEDULER_NAMES, SchedulerNames
from sparkfleet.cluster import Cluster, ClusterError, Obj
from sparkfleet.engine.scheduling import Converter, NodeRecord, PodRecord, Resources, is_placeholder

__all__ = ["RecordCache", "meta", "node_signature", "pod_signature"]


def meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """The object's metadata, or an empty mapping when it has none."""
    found = obj.get("metadata")
    return found if isinstance(found, dict) else {}


def pod_signature(obj: Obj) -> tuple[Any, ...]:
    """What of a pod can change a scheduling decision. A bound real pod matters only by its phase (and
    leaving); a pending pod or a placeholder also by its labels, annotations and spec, but never by the
    conditions and Events the scheduler itself writes."""
    m = meta(obj)
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    labels = m.get("labels") or {}
    annotations = m.get("annotations") or {}
    node = spec.get("nodeName")
    head = (node, status.get("phase"), bool(m.get("deletionTimestamp")))
    if node and not is_placeholder(labels, annotations):
        return head
    return (*head, m.get("generation"), tuple(sorted(labels.items())), tuple(sorted(annotations.items())))


def node_signature(obj: Obj) -> tuple[Any, ...]:
    """What of a node can change a scheduling decision: its room, labels, taints and readiness."""
    m = meta(obj)
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    ready = next((c.get("status") for c in status.get("conditions") or () if c.get("type") == "Ready"), None)
    return (
        repr(status.get("allocatable") or status.get("capacity")),
        tuple(sorted((m.get("labels") or {}).items())),
        repr(spec.get("taints")),
        bool(spec.get("unschedulable")),
        ready,
    )


class RecordCache:
    """The records of the last cycle's pods and nodes, by uid (pods) and name (nodes) and version.

    Used by the single worker that holds the scheduler's key, so it needs no lock."""

    def __init__(self, scheduler_names: SchedulerNames = EMBEDDED_SCHEDULER_NAMES) -> None:
        self.scheduler_names = scheduler_names
        self._converter = Converter(scheduler_names=scheduler_names)
        self._pods: dict[str, tuple[tuple[str, str | None], PodRecord | None]] = {}
        self._nodes: dict[str, tuple[str, NodeRecord]] = {}

    def refresh_priority_classes(self, cluster: Cluster) -> None:
        """Read the PriorityClasses; when they changed, every pod record is converted again."""
        try:
            items = cluster.list("PriorityClass").items
        except ClusterError:
            items = []
        classes = {
            str(meta(pc).get("name")): int(pc.get("value") or 0)
            for pc in items
            if isinstance(pc.get("value"), int)
        }
        if classes != self._converter.priority_classes:
            self._converter = Converter(classes, self.scheduler_names)
            self._pods.clear()

    def pods(self, pods: list[Obj]) -> list[PodRecord]:
        """Records of the pods, converting only those whose resourceVersion or node changed since the last
        cycle."""
        cached = self._pods
        fresh: dict[str, tuple[tuple[str, str | None], PodRecord | None]] = {}
        records: list[PodRecord] = []
        convert = self._converter.pod
        for obj in pods:
            m = obj["metadata"]
            # The node too: an informer holds a bind it assumed under the pod's last resourceVersion.
            uid, version = m.get("uid") or "", (m.get("resourceVersion") or "", obj["spec"].get("nodeName"))
            hit = cached.get(uid)
            record = hit[1] if hit is not None and hit[0] == version else convert(obj)
            fresh[uid] = (version, record)
            if record is not None:
                records.append(record)
        self._pods = fresh
        return records

    def foreign(self, pods: list[Obj]) -> list[tuple[str, Resources]]:
        """The room the running pods of other schedulers hold on their nodes."""
        held = (self._converter.foreign(obj) for obj in pods)
        return [one for one in held if one is not None]

    def nodes(self, nodes: list[Obj]) -> list[NodeRecord]:
        """Records of the nodes, converting only those whose resourceVersion changed since the last cycle."""
        cached = self._nodes
        fresh: dict[str, tuple[str, NodeRecord]] = {}
        for obj in nodes:
            m = obj["metadata"]
            name, version = str(m.get("name")), str(m.get("resourceVersion") or "")
            hit = cached.get(name)
            record = hit[1] if hit is not None and hit[0] == version else self._converter.node(obj)
            fresh[name] = (version, record)
        self._nodes = fresh
        return [record for _, record in fresh.values()]
