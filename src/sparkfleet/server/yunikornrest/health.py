"""The scheduler's health check (yunikorn-core's SchedulerHealthDAOInfo): the core's checks that apply to
what sparkfleet keeps, with the core's names, descriptions and diagnosis messages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sparkfleet.engine.scheduling import Resources
from sparkfleet.server.yunikornrest.dao import meta_of, node_capacity, omit_empty
from sparkfleet.server.yunikornrest.source import SchedulerView

__all__ = ["health_dao"]


def _check(succeeded: bool, name: str, description: str, message: str) -> dict[str, Any]:
    return omit_empty(
        {"Name": name, "Succeeded": succeeded, "Description": description, "DiagnosisMessage": message},
        ("Succeeded",),
    )


def _quoted(names: Iterable[str]) -> str:
    return "[" + " ".join(f'"{n}"' for n in names) + "]"


def _used_on(view: SchedulerView, node: str) -> Resources:
    return sum((p.request for p in view.pods_on(node)), Resources())


def health_dao(view: SchedulerView) -> dict[str, Any]:
    """SchedulerHealthDAOInfo: the core's checks that apply to what sparkfleet keeps."""
    node_names = [str(meta_of(n).get("name")) for n in view.nodes]
    negative_nodes = [
        name
        for name, node in zip(node_names, view.nodes, strict=True)
        if any(v < 0 for _, v in (node_capacity(node) - _used_on(view, name)).items())
    ]
    negative_queues = [q.path for q in view.queues if any(v < 0 for _, v in q.allocated.items())]
    orphans_on_node = [f"{p.namespace}/{p.name}" for p in view.pods if p.node and p.node not in node_names]
    orphans_on_app = [
        f"{p.namespace}/{p.name}"
        for p in view.pods
        if p.placeholder and view.live and p.app_id not in view.apps
    ]
    checks = [
        _check(
            not negative_queues,
            "Negative resources",
            "Check for negative resources in the partitions",
            f"Partitions with negative resources: {_quoted(negative_queues)}",
        ),
        _check(
            not negative_nodes,
            "Negative resources",
            "Check for negative resources in the nodes",
            f"Nodes with negative resources: {_quoted(negative_nodes)}",
        ),
        _check(
            not orphans_on_node,
            "Orphan allocation on node check",
            "Check if there are orphan allocations on the nodes",
            f"Orphan allocations: {_quoted(orphans_on_node)}",
        ),
        _check(
            not orphans_on_app,
            "Orphan allocation on app check",
            "Check if there are orphan allocations on the applications",
            f"OrphanAllocations: {_quoted(orphans_on_app)}",
        ),
    ]
    return {"Healthy": all(c["Succeeded"] for c in checks), "HealthChecks": checks}
