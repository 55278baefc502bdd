"""Nodes as the kubelet keeps them: a directory made when a node registers, swept of the files and
processes of pods that no longer exist (those an earlier kubelet left running included), and removed
with the node, whose pods fail with reason NodeLost (their logs archived first). The sweep of every node
directory also sweeps the log archive. A kubelet drained at shutdown reports its pods as a node shutting
down does (`drained`)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.api.wire import (
    CONDITION_DISRUPTION_TARGET,
    REASON_POD_TERMINATED,
    REASON_TERMINATION_BY_KUBELET,
    ConditionStatus,
    EventType,
    SparkRole,
)
from sparkfleet.cluster import NotFound, Obj
from sparkfleet.reconcile import Result
from sparkfleet.runtime.local.executors import finish_executors
from sparkfleet.runtime.local.kubeletcontext import TERMINAL, UNKNOWN_EXIT_CODE, KubeletConfig, KubeletContext
from sparkfleet.runtime.local.nodes import NodeLayout
from sparkfleet.runtime.local.podinfo import kubelet_container, metadata, phase, spark_role, started_at
from sparkfleet.runtime.local.podstatus import PHASE_FAILED, ContainerReport, pod_status, terminated

__all__ = ["DRAINED_MESSAGE", "drained", "node_lost", "reconcile_node"]

DRAINED_MESSAGE = "Pod was terminated in response to imminent node shutdown."
"""Kubernetes' words for a pod its kubelet stopped at a graceful node shutdown."""


def reconcile_node(ctx: KubeletContext, config: KubeletConfig, name: str) -> Result:
    """One node's directory, or with `name` "" every node directory and the log archive."""
    if not name:
        for known in ctx.nodes.nodes():
            if ctx.get("Node", None, known) is None:
                reconcile_node(ctx, config, known)
        ctx.archive.sweep(config.log_retention, ctx.clock.now())
        return Result(requeue_after=config.archive_sweep_interval)
    node = ctx.get("Node", None, name)
    if node is not None:
        _sweep(ctx, ctx.nodes.ensure(node))
        return Result(requeue_after=config.housekeeping_interval)
    for pod in ctx.pods_on(name):
        if phase(pod) not in TERMINAL:
            node_lost(ctx, pod, name)
    for (namespace, pod_name), tracked in ctx.tracked_on(name):
        ctx.forget(namespace, pod_name, tracked)
    for incarnation in ctx.nodes.pod_incarnations(name):
        ctx.reap_once(incarnation[2])
        ctx.archive_logs(name, *incarnation)
    ctx.nodes.remove_node(name)
    return Result()


def _sweep(ctx: KubeletContext, layout: NodeLayout) -> None:
    """Stop and remove what belongs to pods of this node that no longer exist: processes of pods
    deleted unnoticed, files of pods deleted while no kubelet ran."""
    incarnations = ctx.nodes.pod_incarnations(layout.name)
    live = {str(metadata(p).get("uid")) for p in ctx.pods_on(layout.name)}
    for (namespace, name), entry in ctx.tracked_on(layout.name):
        if entry.uid in live:
            continue
        pod = ctx.get("Pod", namespace, name)  # bound since the listing, or really gone?
        if pod is None or metadata(pod).get("uid") != entry.uid:
            ctx.forget(namespace, name, entry)
    with ctx.lock:
        live.update(t.uid for t in ctx.tracked.values())
    for namespace, name, uid in incarnations:
        if uid not in live:
            ctx.reap_once(uid)
            ctx.archive_logs(layout.name, namespace, name, uid)
            ctx.nodes.remove_pod(layout.name, namespace, name, uid)


def node_lost(ctx: KubeletContext, pod: Obj, node_name: str) -> None:
    """The pod of a node that is gone: its process stopped, Failed with reason NodeLost."""
    meta = metadata(pod)
    namespace, name, uid = str(meta.get("namespace")), str(meta.get("name")), str(meta.get("uid"))
    ctx.stop_process(namespace, name, uid)
    ctx.reap_once(uid)
    now = ctx.clock.now()
    message = f"node {node_name} which was running pod {name} is gone"
    report = terminated(started_at(pod, now), now, UNKNOWN_EXIT_CODE, "ContainerStatusUnknown", message)
    container = kubelet_container(pod)
    status = pod_status(pod, container, report, now)
    status["phase"] = PHASE_FAILED
    status.update(reason="NodeLost", message=message)
    with contextlib.suppress(NotFound):
        ctx.cluster.update_status({**pod, "status": status})
    if spark_role(pod) == SparkRole.DRIVER:
        finish_executors(ctx.cluster, pod, UNKNOWN_EXIT_CODE, now)


def drained(ctx: KubeletContext, pod: Obj, container: Mapping[str, Any], report: ContainerReport) -> None:
    """A pod stopped because its kubelet shut down with `down --drain`: Failed with reason Terminated
    and condition DisruptionTarget (reason TerminationByKubelet), as graceful node shutdown marks it,
    and a Killing event."""
    now = ctx.clock.now()
    status = pod_status(pod, container, report, now)
    status["phase"] = PHASE_FAILED
    status.update(reason=REASON_POD_TERMINATED, message=DRAINED_MESSAGE)
    status["conditions"] = [
        *(c for c in status.get("conditions") or [] if c.get("type") != CONDITION_DISRUPTION_TARGET),
        {
            "type": CONDITION_DISRUPTION_TARGET,
            "status": ConditionStatus.TRUE.value,
            "reason": REASON_TERMINATION_BY_KUBELET,
            "message": DRAINED_MESSAGE,
            "lastTransitionTime": format_rfc3339(now),
        },
    ]
    ctx.event(
        pod,
        EventType.NORMAL,
        "Killing",
        f"Stopping container {container.get('name')}: the cluster is drained",
    )
    with contextlib.suppress(NotFound):
        ctx.cluster.update_status({**pod, "status": status})
