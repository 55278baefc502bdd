"""Applying disruption actions: cordon and mark the nodes, create the replacements, evict, delete the
NodeClaims, or abandon; and the Events that say so.

Starting an action: the nodes are tainted `karpenter.sh/disrupted:NoSchedule` (spot interruption and
expiration also cordon them) and carry the action (record.py); replacement NodeClaims are created (the
NodeClaim lifecycle launches them). Once every replacement is Initialized (spot interruption does not
wait: the instance goes anyway), the pods the decision names are evicted (deleted), and each node's
NodeClaim is deleted when the pods it waits for have finished; deleting the claim terminates the instance
and removes the Node. A replacement that fails to launch abandons the action: taint and annotation are
removed and the node stays.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime

from sparkfleet.api.karpenter import NodeClaimConditionType
from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.api.wire import ANNOTATION_DISRUPTION, TAINT_DISRUPTED, EventType
from sparkfleet.cluster import Cluster, NotFound, Obj, record_event
from sparkfleet.controllers.disruption.fleetstate import FleetState, meta, pod_id, spark_pod
from sparkfleet.controllers.disruption.record import CORDONING, GRACEFUL, DisruptionRecord
from sparkfleet.controllers.support.conditions import condition_true
from sparkfleet.controllers.support.fleet import FleetView
from sparkfleet.engine.disruption import DisruptionAction, DisruptionDecision, Method
from sparkfleet.engine.provisioning import nodeclaim_manifest

__all__ = ["DisruptionEffects"]

log = logging.getLogger("sparkfleet.controllers.disruption")

DISRUPTED_TAINT = {"key": TAINT_DISRUPTED, "effect": "NoSchedule"}
C = NodeClaimConditionType


class DisruptionEffects:
    """Writes what the disruption controller decided, under its component's name."""

    def __init__(self, cluster: Cluster, component: str) -> None:
        self.cluster = cluster
        self.component = component
        self._blocked: dict[str, str] = {}
        """Node -> why the last pass left it alone: a blocked node's Event is not repeated every pass."""

    # -- starting an action -----------------------------------------------------------------------------
    def start(self, action: DisruptionAction, state: FleetState, view: FleetView, now: datetime) -> None:
        if action.method in GRACEFUL:
            # The engine does not choose nodes running Spark pods; refused here too, should it ever.
            spark = [p for p in action.evict if spark_pod(state.pods_by_id.get(p))]
            if spark:
                log.error(
                    "refusing %s of %s: it would evict Spark pods %s", action.method, action.nodes, spark
                )
                for name in action.nodes:
                    self.node_event(
                        state,
                        name,
                        EventType.WARNING,
                        "DisruptionRefused",
                        f"would evict Spark pods {spark}",
                        now,
                    )
                return
        replacements = []
        for planned in action.replacements:
            pool = view.pools.get(planned.node_pool)
            if pool is None:
                continue
            created = self.cluster.create(nodeclaim_manifest(planned, pool))
            replacements.append(meta(created).get("name", ""))
            state.claims[replacements[-1]] = created
        record = DisruptionRecord(
            method=action.method,
            reason=action.reason,
            nodes=list(action.nodes),
            evict=list(action.evict),
            waitFor=list(action.wait_for),
            replacements=replacements,
            waitForReplacements=action.method is not Method.INTERRUPTION,
            startedAt=format_rfc3339(now),
        )
        for name in action.nodes:
            node = state.nodes.get(name)
            if node is None:
                continue
            taints = [
                t for t in (node.get("spec") or {}).get("taints") or [] if t.get("key") != TAINT_DISRUPTED
            ]
            spec: Obj = {"taints": [*taints, DISRUPTED_TAINT]}
            if action.method in CORDONING:
                spec["unschedulable"] = True
            patch = {"metadata": {"annotations": {ANNOTATION_DISRUPTION: record.to_json()}}, "spec": spec}
            with contextlib.suppress(NotFound):
                state.nodes[name] = self.cluster.patch("Node", None, name, patch)
            self._claim_condition(state, name, "True", action.reason, action.message, now)
        self.carry_on(record, state, now)

    def _claim_condition(
        self, state: FleetState, node: str, status: str, reason: str, message: str, now: datetime
    ) -> None:
        claim_name = state.claim_of_node.get(node)
        claim = state.claims.get(claim_name or "")
        if claim is None or claim_name is None:
            return
        conditions = [
            c for c in (claim.get("status") or {}).get("conditions") or [] if c.get("type") != C.DISRUPTED
        ]
        conditions.append(
            {
                "type": str(C.DISRUPTED),
                "status": status,
                "reason": reason,
                "message": message,
                "lastTransitionTime": format_rfc3339(now),
            }
        )
        with contextlib.suppress(NotFound):
            self.cluster.patch(
                "NodeClaim", None, claim_name, {"status": {"conditions": conditions}}, subresource="status"
            )

    # -- carrying on ------------------------------------------------------------------------------------
    def carry_on(self, record: DisruptionRecord, state: FleetState, now: datetime) -> None:
        nodes = [n for n in record.nodes if n in state.nodes]
        if not nodes:
            return
        if record.waitForReplacements:
            missing = [r for r in record.replacements if r not in state.claims]
            if missing:
                self._abandon(record, nodes, missing, state, now)
                return
            if not all(condition_true(state.claims[r], C.INITIALIZED) for r in record.replacements):
                return
        graceful = record.method in GRACEFUL
        for evicted in record.evict:
            pod = state.pods_by_id.get(evicted)
            if pod is None or (pod.get("spec") or {}).get("nodeName") not in nodes:
                continue
            if graceful and spark_pod(pod):
                continue
            pod_meta = meta(pod)
            node_name = (pod.get("spec") or {}).get("nodeName")
            message = f"evicted from node {node_name}: {record.method} ({record.reason})"
            record_event(self.cluster, pod, EventType.NORMAL, "Evicted", message, now, self.component)
            with contextlib.suppress(NotFound):  # already gone with its owner (executors with their driver)
                self.cluster.delete("Pod", pod_meta.get("namespace") or "default", pod_meta.get("name", ""))
            state.pods_by_id.pop(evicted, None)
        waiting = set(record.waitFor)
        for name in nodes:
            left = [p for p in state.pods_by_node.get(name, []) if pod_id(p) in waiting]
            if left:
                continue
            claim_name = state.claim_of_node.get(name)
            message = f"{record.method} ({record.reason}): NodeClaim {claim_name} deleted"
            self.node_event(state, name, EventType.NORMAL, "DisruptionTerminating", message, now)
            if claim_name is not None:
                with contextlib.suppress(NotFound):
                    self.cluster.delete("NodeClaim", None, claim_name)
                state.claims.pop(claim_name, None)

    def _abandon(
        self, record: DisruptionRecord, nodes: list[str], missing: list[str], state: FleetState, now: datetime
    ) -> None:
        for name in record.replacements:
            claim = state.claims.get(name)
            if claim is not None and not condition_true(claim, C.REGISTERED):
                with contextlib.suppress(NotFound):
                    self.cluster.delete("NodeClaim", None, name)
        message = f"replacement NodeClaims {', '.join(missing)} did not launch; the node stays"
        for name in nodes:
            node = state.nodes[name]
            taints = [
                t for t in (node.get("spec") or {}).get("taints") or [] if t.get("key") != TAINT_DISRUPTED
            ]
            spec: Obj = {"taints": taints}
            if record.method in CORDONING:
                spec["unschedulable"] = None
            patch = {"metadata": {"annotations": {ANNOTATION_DISRUPTION: None}}, "spec": spec}
            with contextlib.suppress(NotFound):
                state.nodes[name] = self.cluster.patch("Node", None, name, patch)
            self._claim_condition(state, name, "False", "ReplacementFailed", message, now)
            self.node_event(state, name, EventType.WARNING, "DisruptionAbandoned", message, now)

    # -- events -----------------------------------------------------------------------------------------
    def record(self, decision: DisruptionDecision, state: FleetState, now: datetime) -> None:
        """The decision's own Events."""
        blocked = {b.node: b.reason for b in decision.blocked}
        for event in decision.events:
            if event.reason == "DisruptionBlocked" and self._blocked.get(event.name) == event.message:
                continue
            self.node_event(state, event.name, event.type.value, event.reason, event.message, now)
        self._blocked = blocked

    def node_event(
        self, state: FleetState, name: str, type_: str, reason: str, message: str, now: datetime
    ) -> None:
        node = state.nodes.get(name)
        involved = (
            node if node is not None else {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}
        )
        record_event(self.cluster, involved, type_, reason, message, now, self.component)
