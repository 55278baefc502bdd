"""A pod's container log, from wherever it is: the running process, the node's directory, or the archive
once the node is gone (see archive.py).

A container that never started has no log: reading it is an error in kubectl's words (`container "c" in
pod "p" is waiting to start: ContainerCreating`, a 400 BadRequest from the API), never an empty log.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sparkfleet.cluster import BadRequest, Cluster, NotFound
from sparkfleet.runtime.local.logs import read_lines
from sparkfleet.runtime.local.podinfo import kubelet_container
from sparkfleet.runtime.local.process import LocalRuntime

__all__ = ["PodLog", "gone_node", "read_pod_log"]

_START_ERROR = "StartError"


@dataclass(frozen=True, slots=True)
class PodLog:
    lines: Iterator[str]
    gone_node: str | None = None
    """Set when the log was read from the archive because the pod's node is gone."""


def _container_status(pod: Mapping[str, Any], container: str) -> Mapping[str, Any]:
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        if isinstance(status, Mapping) and status.get("name") == container:
            return status
    return {}


def _not_started(pod: Mapping[str, Any], container: str) -> str | None:
    """Why the container has no log (to follow `container "c" in pod "p" `), or None once it ran."""
    state = _container_status(pod, container).get("state") or {}
    if "running" in state:
        return None
    ended = state.get("terminated")
    if isinstance(ended, Mapping):
        if ended.get("reason") == _START_ERROR:
            return f"could not start: {ended.get('message') or _START_ERROR}"
        return None
    waiting = state.get("waiting")
    reason = waiting.get("reason") if isinstance(waiting, Mapping) else None
    if not (pod.get("spec") or {}).get("nodeName"):
        return f"is waiting to start: {reason or 'the pod is not scheduled to a node yet'}"
    return f"is waiting to start: {reason or 'ContainerCreating'}"


def gone_node(cluster: Cluster, pod: Mapping[str, Any]) -> str | None:
    """The node the pod was bound to, when that node no longer exists."""
    node = str((pod.get("spec") or {}).get("nodeName") or "")
    if not node:
        return None
    try:
        cluster.get("Node", None, node)
    except NotFound:
        return node
    return None


def read_pod_log(
    cluster: Cluster,
    runtime: LocalRuntime,
    namespace: str,
    name: str,
    container: str | None = None,
    *,
    follow: bool = False,
    tail: int | None = None,
) -> PodLog:
    """The log of the pod's container (its main one when None). NotFound for an unknown pod, BadRequest
    for a container that never started or whose log went with its node; checked before anything is read,
    so callers can answer the error instead of a log."""
    pod = cluster.get("Pod", namespace, name)
    uid = str((pod.get("metadata") or {}).get("uid") or "")
    chosen = container or str(kubelet_container(pod).get("name") or "main")
    why = _not_started(pod, chosen)
    if why is not None:
        raise BadRequest(f'container "{chosen}" in pod "{name}" {why}', kind="pods", name=name)
    current = runtime.status(namespace, name)
    if current is not None and current.pod.uid == uid:
        return PodLog(runtime.logs(namespace, name, follow=follow, tail=tail))
    # No process of this runtime writes the log any more: following it is reading it to the end.
    node = str((pod.get("spec") or {}).get("nodeName") or "")
    gone = gone_node(cluster, pod)
    on_node = runtime.nodes.node_layout(node).container_log(namespace, name, uid, chosen)
    if node and gone is None and on_node.exists():
        return PodLog(iter(read_lines(on_node, tail)))
    archived = runtime.archive.find(namespace, name, uid)
    if archived is not None and archived.log(chosen).exists():
        return PodLog(iter(read_lines(archived.log(chosen), tail)), gone)
    if gone is not None:
        raise BadRequest(
            f'the log of container "{chosen}" in pod "{name}" went with node {gone}: it was not archived, '
            "or its archive was removed (see the logs settings)",
            kind="pods",
            name=name,
        )
    return PodLog(iter(()))
