"""The fleet as one disruption pass reads it, and when each node's pods last changed.

consolidateAfter counts from a node's last pod event: the pass notes a change in a node's pods and writes
the time on its NodeClaim (`status.lastPodEventTime`), so that a restarted controller counts from it too.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sparkfleet.api.timefmt import TimestampError, format_rfc3339, parse_rfc3339
from sparkfleet.api.wire import CONDITION_POD_SCHEDULED, LABEL_SPARK_ROLE
from sparkfleet.cluster import Cluster, NotFound, Obj
from sparkfleet.controllers.support.conditions import claim_owner
from sparkfleet.controllers.support.fleet import PodRequestCache
from sparkfleet.engine.provisioning import is_daemonset_pod, is_terminal

__all__ = ["FleetState", "PodChanges", "meta", "pod_id", "read_state", "read_time", "spark_pod"]

log = logging.getLogger("sparkfleet.controllers.disruption")


def meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    value = obj.get("metadata")
    return value if isinstance(value, dict) else {}


def pod_id(pod: Mapping[str, Any]) -> str:
    m = meta(pod)
    return f"{m.get('namespace') or 'default'}/{m.get('name', '')}"


def spark_pod(pod: Mapping[str, Any] | None) -> bool:
    return pod is not None and LABEL_SPARK_ROLE in (meta(pod).get("labels") or {})


def read_time(value: object, field: str) -> datetime | None:
    """A timestamp the pass can do without: a bad one is logged (with its field) and read as unknown."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_rfc3339(value, field=field)
    except TimestampError as exc:
        log.warning("ignoring a timestamp: %s", exc)
        return None


def _scheduled_at(pod: Obj) -> datetime | None:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == CONDITION_POD_SCHEDULED and cond.get("status") == "True":
            return read_time(
                cond.get("lastTransitionTime"), "status.conditions[PodScheduled].lastTransitionTime"
            )
    return None


@dataclass
class FleetState:
    """The fleet as one pass reads it."""

    nodes: dict[str, Obj]
    claims: dict[str, Obj]
    claim_of_node: dict[str, str]
    pods_by_node: dict[str, list[Obj]]
    pods_by_id: dict[str, Obj]


def read_state(cluster: Cluster, requests: PodRequestCache) -> FleetState:
    """Nodes, NodeClaims (and which node is whose), and the live pods bound to each node; `requests`
    forgets the pods no longer bound anywhere."""
    nodes = {meta(n).get("name", ""): n for n in cluster.list("Node").items}
    claims = {meta(c).get("name", ""): c for c in cluster.list("NodeClaim").items}
    claim_of_node: dict[str, str] = {}
    for name, claim in claims.items():
        node_name = (claim.get("status") or {}).get("nodeName")
        if node_name:
            claim_of_node[node_name] = name
    for name, node in nodes.items():
        owner = claim_owner(node)
        if owner is not None and owner in claims:
            claim_of_node[name] = owner
    pods_by_node: dict[str, list[Obj]] = {}
    pods_by_id: dict[str, Obj] = {}
    all_pods = cluster.list("Pod").items
    requests.keep(p for p in all_pods if (p.get("spec") or {}).get("nodeName"))
    for pod in all_pods:
        node_name = (pod.get("spec") or {}).get("nodeName")
        if node_name and not is_terminal(pod):
            pods_by_node.setdefault(node_name, []).append(pod)
            pods_by_id[pod_id(pod)] = pod
    return FleetState(nodes, claims, claim_of_node, pods_by_node, pods_by_id)


class PodChanges:
    """Remembers each node's pods between passes, to tell when they last changed."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._pod_sets: dict[str, frozenset[str]] = {}

    def track(self, state: FleetState, now: datetime) -> dict[str, datetime | None]:
        """When each node's pods last changed: now if they differ from the last pass (written on its
        NodeClaim), else the later of the stored time and the latest arrival."""
        out: dict[str, datetime | None] = {}
        for name in state.nodes:
            pods = [p for p in state.pods_by_node.get(name, []) if not is_daemonset_pod(p)]
            current = frozenset(str(meta(p).get("uid") or pod_id(p)) for p in pods)
            previous = self._pod_sets.get(name)
            self._pod_sets[name] = current
            claim_name = state.claim_of_node.get(name)
            claim = state.claims.get(claim_name or "")
            stored = read_time(
                (claim or {}).get("status", {}).get("lastPodEventTime"), "status.lastPodEventTime"
            )
            if previous is not None and previous != current and claim_name and claim is not None:
                with contextlib.suppress(NotFound):
                    patch = {"status": {"lastPodEventTime": format_rfc3339(now)}}
                    self.cluster.patch("NodeClaim", None, claim_name, patch, subresource="status")
                out[name] = now
                continue
            times = [stored] if stored is not None else []
            times += [t for t in (_scheduled_at(p) for p in pods) if t is not None]
            out[name] = max(times) if times else None
        for gone in [n for n in self._pod_sets if n not in state.nodes]:
            del self._pod_sets[gone]
        return out
