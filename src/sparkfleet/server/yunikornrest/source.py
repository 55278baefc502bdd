"""What YuniKorn's REST API and the console read, gathered from the cluster in one pass.

The scheduler controller persists its applications and queue figures in `yunikorn/yunikorn-state`
(controllers/support/schedulerstate.py); the allocations are the pods themselves (bound = allocated,
unbound = asked), and the partition's nodes are the cluster's Nodes. Before the scheduler has run, the
queues are the configured ones with no usage, as `sparkfleet get queues` shows them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sparkfleet.api.base import ManifestError
from sparkfleet.api.podrequests import pod_requests
from sparkfleet.api.wire import EMBEDDED_SCHEDULER_NAMES
from sparkfleet.api.yunikorn import CONFIGMAP_NAMES, QUEUES_KEY, Partition, parse_configmap
from sparkfleet.cluster import Cluster, NotFound, Obj
from sparkfleet.controllers.support import NAMESPACE, read_state
from sparkfleet.engine.scheduling import (
    AppStatus,
    QueueReport,
    Resources,
    Snapshot,
    app_id_of,
    is_placeholder,
    partition_of,
    schedule,
)

__all__ = ["PodView", "SchedulerView", "gather", "pod_view"]

log = logging.getLogger(__name__)

_ENDED = ("Succeeded", "Failed")


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


@dataclass(frozen=True, slots=True)
class PodView:
    """A live pod the scheduler owns, as an allocation (bound) or an ask (not yet bound)."""

    obj: Obj
    app_id: str
    request: Resources
    placeholder: bool

    @property
    def name(self) -> str:
        return str(_meta(self.obj).get("name") or "")

    @property
    def namespace(self) -> str:
        return str(_meta(self.obj).get("namespace") or "")

    @property
    def uid(self) -> str:
        return str(_meta(self.obj).get("uid") or "")

    @property
    def node(self) -> str | None:
        node = (self.obj.get("spec") or {}).get("nodeName")
        return str(node) if node else None


@dataclass(frozen=True, slots=True)
class SchedulerView:
    """One read of the scheduler's world: applications, queues in tree order, nodes and live pods."""

    apps: Mapping[str, AppStatus]
    queues: tuple[QueueReport, ...]
    partition: Partition
    nodes: tuple[Obj, ...]
    pods: tuple[PodView, ...]
    """Live pods the scheduler owns (not Succeeded or Failed)."""
    other_pods: tuple[Obj, ...]
    """Live pods another scheduler placed: they occupy their nodes."""
    live: bool
    """Whether the figures are the scheduler's (False: it has not run; queues as configured)."""

    def pods_of(self, app_id: str) -> tuple[PodView, ...]:
        return tuple(p for p in self.pods if p.app_id == app_id)

    def pods_on(self, node: str) -> tuple[PodView, ...]:
        return tuple(p for p in self.pods if p.node == node)


def _configured_partition(cluster: Cluster, state_config: str | None) -> Partition:
    if state_config is not None:
        try:
            return partition_of(state_config)
        except ManifestError as exc:
            log.warning("the scheduler's saved queues.yaml cannot be read: %s", exc)
    for name in reversed(CONFIGMAP_NAMES):
        try:
            configmap = cluster.get("ConfigMap", NAMESPACE, name)
        except NotFound:
            continue
        if QUEUES_KEY in (configmap.get("data") or {}):
            try:
                return partition_of(parse_configmap(configmap))
            except ManifestError as exc:
                log.warning("%s/%s cannot be read: %s", NAMESPACE, name, exc)
            break
    return partition_of(None)


def pod_view(pod: Obj) -> PodView:
    meta = _meta(pod)
    labels, annotations = meta.get("labels") or {}, meta.get("annotations") or {}
    return PodView(
        obj=pod,
        app_id=app_id_of(labels, annotations, str(meta.get("namespace") or "default")),
        request=Resources(pod_requests(pod.get("spec") or {})),
        placeholder=is_placeholder(labels, annotations),
    )


def gather(cluster: Cluster) -> SchedulerView:
    """Read the scheduler's state, the queues config, the nodes and the pods (blocking: the store)."""
    state = read_state(cluster)
    partition = _configured_partition(cluster, state.config if state is not None else None)
    if state is not None and state.queues:
        queues, live = state.queues, True
    else:
        queues = schedule(Snapshot(now=0.0, nodes=(), pods=(), partition=partition)).queues
        live = False
    ours: list[PodView] = []
    others: list[Obj] = []
    for pod in cluster.list("Pod").items:
        if (pod.get("status") or {}).get("phase") in _ENDED:
            continue
        if (pod.get("spec") or {}).get("schedulerName") in EMBEDDED_SCHEDULER_NAMES:
            ours.append(pod_view(pod))
        else:
            others.append(pod)
    return SchedulerView(
        apps=state.apps if state is not None else {},
        queues=tuple(sorted(queues, key=lambda q: q.path.split("."))),
        partition=partition,
        nodes=tuple(sorted(cluster.list("Node").items, key=lambda n: str(_meta(n).get("name")))),
        pods=tuple(ours),
        other_pods=tuple(others),
        live=live,
    )
