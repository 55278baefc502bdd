"""The disruption controller: every 10 s, one look at the fleet through `engine.disruption`, and its effects.

A pass: note which nodes' pods changed (a NodeClaim's `status.lastPodEventTime`, which consolidateAfter
counts from); carry on with disruptions under way; build the snapshot (nodes of NodePools with their
pods, daemonset pods apart; NodeClaims not registered yet as in-flight room; spot interruption notices
written by the NodeClaim lifecycle); ask `disrupt`; start what it decides.

Starting an action: the nodes are tainted `karpenter.sh/disrupted:NoSchedule` (spot interruption and
expiration also cordon them) and carry the action in the annotation `ANNOTATION_DISRUPTION`, so a restarted
controller carries on; replacement NodeClaims are created (the NodeClaim lifecycle launches them). Then,
once every replacement is Initialized (spot interruption does not wait: the instance goes anyway), the
pods the decision names are evicted (deleted), and each node's NodeClaim is deleted when the pods it waits
for have finished; deleting the claim terminates the instance and removes the Node. A replacement that
fails to launch abandons the action: taint and annotation are removed and the node stays.

Graceful methods (emptiness, consolidation) never evict a Spark driver or executor: the engine does not
choose nodes that run one, and an action that would is refused here as well.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from sparkfleet.api.karpenter import NodeClaimConditionType
from sparkfleet.api.placement import Taint
from sparkfleet.api.timefmt import TimestampError, format_rfc3339, parse_rfc3339
from sparkfleet.api.wire import (
    ANNOTATION_DISRUPTION,
    ANNOTATION_PRICE_PER_HOUR,
    ANNOTATION_SPOT_INTERRUPTED_AT,
    CONDITION_POD_SCHEDULED,
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_TYPE,
    LABEL_NODEPOOL,
    LABEL_SPARK_ROLE,
    LABEL_ZONE,
    TAINT_DISRUPTED,
    CapacityType,
    EventType,
)
from sparkfleet.clock import Clock
from sparkfleet.cluster import NotFound, WatchEvent
from sparkfleet.cluster.events import record_event
from sparkfleet.cluster.port import Cluster, Obj
from sparkfleet.controllers.support.conditions import claim_owner, condition_true
from sparkfleet.controllers.support.fleet import (
    COMPONENT,
    FleetSource,
    FleetView,
    PodRequestCache,
    existing_nodes,
    in_flight_nodes,
)
from sparkfleet.controllers.support.offeringcache import OfferingCache
from sparkfleet.engine.disruption import (
    DisruptionAction,
    DisruptionDecision,
    DisruptionSnapshot,
    Method,
    NodeState,
    disrupt,
)
from sparkfleet.engine.provisioning import (
    ExistingNode,
    PodRequest,
    Resources,
    is_daemonset_pod,
    is_terminal,
    nodeclaim_manifest,
)
from sparkfleet.engine.provisioning.resources import resources_from_list
from sparkfleet.reconcile import Result

__all__ = ["PASS_SECONDS", "DisruptionReconciler"]

log = logging.getLogger("sparkfleet.controllers.disruption")
_CREATED = "metadata.creationTimestamp"
_INTERRUPTED_AT = f"metadata.annotations[{ANNOTATION_SPOT_INTERRUPTED_AT}]"

KEY = "disruption"
PASS_SECONDS = 10.0
"""On a Node being disrupted: the action (JSON), so that it is carried on after a restart."""
CLAIM_PREFIX = "disruption-"
GRACEFUL = frozenset({Method.EMPTINESS, Method.MULTI_NODE_CONSOLIDATION, Method.SINGLE_NODE_CONSOLIDATION})
CORDONING = frozenset({Method.INTERRUPTION, Method.EXPIRATION})
DISRUPTED_TAINT = {"key": TAINT_DISRUPTED, "effect": "NoSchedule"}
C = NodeClaimConditionType


def _meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _pod_id(pod: Mapping[str, Any]) -> str:
    meta = _meta(pod)
    return f"{meta.get('namespace') or 'default'}/{meta.get('name', '')}"


def _spark_pod(pod: Mapping[str, Any] | None) -> bool:
    return pod is not None and LABEL_SPARK_ROLE in (_meta(pod).get("labels") or {})


def _time(value: object, field: str) -> datetime | None:
    """A timestamp the pass can do without: a bad one is logged (with its field) and read as unknown."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_rfc3339(value, field=field)
    except TimestampError as exc:
        log.warning("ignoring a timestamp: %s", exc)
        return None


@dataclass
class _State:
    """The fleet as one pass reads it."""

    nodes: dict[str, Obj]
    claims: dict[str, Obj]
    claim_of_node: dict[str, str]
    pods_by_node: dict[str, list[Obj]]
    pods_by_id: dict[str, Obj]


@dataclass
class _Record:
    """A disruption under way, as kept on its nodes."""

    method: Method
    reason: str
    nodes: list[str]
    evict: list[str] = field(default_factory=list)
    waitFor: list[str] = field(default_factory=list)
    replacements: list[str] = field(default_factory=list)
    waitForReplacements: bool = True
    startedAt: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {
                "method": str(self.method),
                "reason": self.reason,
                "nodes": self.nodes,
                "evict": self.evict,
                "waitFor": self.waitFor,
                "replacements": self.replacements,
                "waitForReplacements": self.waitForReplacements,
                "startedAt": self.startedAt,
            },
            sort_keys=True,
        )

    @staticmethod
    def from_json(text: str) -> _Record | None:
        try:
            data = json.loads(text)
            return _Record(
                method=Method(data["method"]),
                reason=str(data.get("reason", "")),
                nodes=[str(n) for n in data["nodes"]],
                evict=[str(p) for p in data.get("evict", [])],
                waitFor=[str(p) for p in data.get("waitFor", [])],
                replacements=[str(r) for r in data.get("replacements", [])],
                waitForReplacements=bool(data.get("waitForReplacements", True)),
                startedAt=str(data.get("startedAt", "")),
            )
        except (ValueError, KeyError, TypeError):
            return None


class DisruptionReconciler:
    """Reconciler (see sparkfleet.reconcile) with one key; passes at most every `interval` seconds."""

    name = "disruption"

    def __init__(
        self,
        cluster: Cluster,
        clock: Clock,
        fleets: FleetSource,
        offerings: OfferingCache,
        *,
        component: str = COMPONENT,
        interval: float = PASS_SECONDS,
    ) -> None:
        self.cluster = cluster
        self.clock = clock
        self.fleets = fleets
        self.offerings = offerings
        self.component = component
        self.interval = interval
        self.last_decision: DisruptionDecision | None = None
        self._lock = threading.Lock()
        self._last_pass: float | None = None
        self._pod_sets: dict[str, frozenset[str]] = {}
        self._blocked: dict[str, str] = {}
        self._requests = PodRequestCache()

    # -- Reconciler protocol ----------------------------------------------------------------------------
    def watches(self) -> Sequence[str]:
        return ("Node", "NodeClaim")

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        return [KEY]

    def reconcile(self, key: str) -> Result:
        with self._lock:
            now_m = self.clock.monotonic()
            if self._last_pass is not None and now_m - self._last_pass < self.interval:
                return Result(requeue_after=self.interval - (now_m - self._last_pass))
            self._last_pass = now_m
            self.run_pass()
            return Result(requeue_after=self.interval)

    # -- one pass ---------------------------------------------------------------------------------------
    def run_pass(self) -> DisruptionDecision:
        now = self.clock.now()
        state = self._read()
        last_events = self._track_pods(state, now)
        for record in self._under_way(state):
            self._carry_on(record, state, now)
        state = self._read()
        view = self.fleets.view()
        snapshot = self._snapshot(state, view, last_events, now)
        decision = disrupt(snapshot)
        self.offerings.merge(decision.unavailable)
        self._record(decision, state, now)
        for action in decision.actions:
            self._start(action, state, view, now)
        self.last_decision = decision
        return decision

    def _read(self) -> _State:
        nodes = {_meta(n).get("name", ""): n for n in self.cluster.list("Node").items}
        claims = {_meta(c).get("name", ""): c for c in self.cluster.list("NodeClaim").items}
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
        all_pods = self.cluster.list("Pod").items
        self._requests.keep(p for p in all_pods if (p.get("spec") or {}).get("nodeName"))
        for pod in all_pods:
            node_name = (pod.get("spec") or {}).get("nodeName")
            if node_name and not is_terminal(pod):
                pods_by_node.setdefault(node_name, []).append(pod)
                pods_by_id[_pod_id(pod)] = pod
        return _State(nodes, claims, claim_of_node, pods_by_node, pods_by_id)

    def _track_pods(self, state: _State, now: datetime) -> dict[str, datetime | None]:
        """When each node's pods last changed: now if they differ from the last pass (written on its
        NodeClaim), else the later of the stored time and the latest arrival."""
        out: dict[str, datetime | None] = {}
        for name in state.nodes:
            pods = [p for p in state.pods_by_node.get(name, []) if not is_daemonset_pod(p)]
            current = frozenset(str(_meta(p).get("uid") or _pod_id(p)) for p in pods)
            previous = self._pod_sets.get(name)
            self._pod_sets[name] = current
            claim_name = state.claim_of_node.get(name)
            claim = state.claims.get(claim_name or "")
            stored = _time((claim or {}).get("status", {}).get("lastPodEventTime"), "status.lastPodEventTime")
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

    # -- the snapshot -----------------------------------------------------------------------------------
    def _snapshot(
        self, state: _State, view: FleetView, last_events: Mapping[str, datetime | None], now: datetime
    ) -> DisruptionSnapshot:
        states: list[NodeState] = []
        unmanaged: list[Obj] = []
        for name, node in state.nodes.items():
            claim = state.claims.get(state.claim_of_node.get(name, ""))
            labels = _meta(node).get("labels") or {}
            if claim is None or not labels.get(LABEL_NODEPOOL):
                unmanaged.append(node)
                continue
            node_state = self._node_state(name, node, claim, state, last_events.get(name))
            if node_state is not None:
                states.append(node_state)
        used = {
            _meta(n).get("name", ""): _sum(
                self._requests.resources(p) for p in state.pods_by_node.get(_meta(n).get("name", ""), [])
            )
            for n in unmanaged
        }
        unregistered = [c for c in state.claims.values() if not condition_true(c, C.REGISTERED)]
        in_flight: list[ExistingNode] = [
            *in_flight_nodes(unregistered, view),
            *existing_nodes(unmanaged, used),
        ]
        return DisruptionSnapshot(
            now=now,
            fleet=view.fleet,
            nodes=tuple(states),
            unavailable=self.offerings.snapshot(now),
            inFlight=tuple(in_flight),
            claimPrefix=CLAIM_PREFIX,
        )

    def _node_state(
        self, name: str, node: Obj, claim: Obj, state: _State, last_event: datetime | None
    ) -> NodeState | None:
        meta = _meta(node)
        labels = meta.get("labels") or {}
        annotations = {**(_meta(claim).get("annotations") or {}), **(meta.get("annotations") or {})}
        status = node.get("status") or {}
        pods: list[PodRequest] = []
        daemons = Resources()
        for pod in state.pods_by_node.get(name, []):
            if is_daemonset_pod(pod):
                daemons = daemons + self._requests.resources(pod)
                continue
            request = self._requests.get(pod)
            if request is None:
                log.warning("pod %s does not parse; node %s is left alone", _pod_id(pod), name)
                return None
            pods.append(request)
        try:
            taints = tuple(Taint.model_validate(t) for t in (node.get("spec") or {}).get("taints") or [])
            price = float(annotations.get(ANNOTATION_PRICE_PER_HOUR) or 0.0)
            capacity_type = CapacityType(labels.get(LABEL_CAPACITY_TYPE, CapacityType.ON_DEMAND))
        except (ValidationError, ValueError) as exc:
            log.warning("node %s is left alone: %s", name, exc)
            return None
        created = _time(_meta(claim).get("creationTimestamp"), _CREATED)
        created = created or _time(meta.get("creationTimestamp"), _CREATED)
        return NodeState(
            name=name,
            nodePool=labels[LABEL_NODEPOOL],
            instanceType=labels.get(LABEL_INSTANCE_TYPE, ""),
            capacityType=capacity_type,
            zone=labels.get(LABEL_ZONE, ""),
            price=price,
            createdAt=created or self.clock.now(),
            allocatable=resources_from_list(status.get("allocatable") or {}),
            labels=labels,
            annotations=annotations,
            taints=taints,
            pods=tuple(pods),
            daemonSetRequests=daemons,
            capacity=resources_from_list(status.get("capacity") or {}),
            lastPodEventAt=last_event,
            initialized=condition_true(claim, C.INITIALIZED),
            deleting=ANNOTATION_DISRUPTION in (meta.get("annotations") or {}),
            interruptedAt=_time(annotations.get(ANNOTATION_SPOT_INTERRUPTED_AT), _INTERRUPTED_AT),
        )

    # -- starting an action -----------------------------------------------------------------------------
    def _start(self, action: DisruptionAction, state: _State, view: FleetView, now: datetime) -> None:
        if action.method in GRACEFUL:
            spark = [p for p in action.evict if _spark_pod(state.pods_by_id.get(p))]
            if spark:
                log.error(
                    "refusing %s of %s: it would evict Spark pods %s", action.method, action.nodes, spark
                )
                for name in action.nodes:
                    self._node_event(
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
            pool = view.pools.get(planned.nodePool)
            if pool is None:
                continue
            created = self.cluster.create(nodeclaim_manifest(planned, pool))
            replacements.append(_meta(created).get("name", ""))
            state.claims[replacements[-1]] = created
        record = _Record(
            method=action.method,
            reason=action.reason,
            nodes=list(action.nodes),
            evict=list(action.evict),
            waitFor=list(action.waitFor),
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
        self._carry_on(record, state, now)

    def _claim_condition(
        self, state: _State, node: str, status: str, reason: str, message: str, now: datetime
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
    def _under_way(self, state: _State) -> list[_Record]:
        seen: dict[str, _Record] = {}
        for node in state.nodes.values():
            text = (_meta(node).get("annotations") or {}).get(ANNOTATION_DISRUPTION)
            if isinstance(text, str) and text not in seen:
                record = _Record.from_json(text)
                if record is not None:
                    seen[text] = record
        return list(seen.values())

    def _carry_on(self, record: _Record, state: _State, now: datetime) -> None:
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
        for pod_id in record.evict:
            pod = state.pods_by_id.get(pod_id)
            if pod is None or (pod.get("spec") or {}).get("nodeName") not in nodes:
                continue
            if graceful and _spark_pod(pod):
                continue
            meta = _meta(pod)
            node_name = (pod.get("spec") or {}).get("nodeName")
            message = f"evicted from node {node_name}: {record.method} ({record.reason})"
            record_event(self.cluster, pod, EventType.NORMAL, "Evicted", message, now, self.component)
            with contextlib.suppress(NotFound):  # already gone with its owner (executors with their driver)
                self.cluster.delete("Pod", meta.get("namespace") or "default", meta.get("name", ""))
            state.pods_by_id.pop(pod_id, None)
        waiting = set(record.waitFor)
        for name in nodes:
            left = [p for p in state.pods_by_node.get(name, []) if _pod_id(p) in waiting]
            if left:
                continue
            claim_name = state.claim_of_node.get(name)
            message = f"{record.method} ({record.reason}): NodeClaim {claim_name} deleted"
            self._node_event(state, name, EventType.NORMAL, "DisruptionTerminating", message, now)
            if claim_name is not None:
                with contextlib.suppress(NotFound):
                    self.cluster.delete("NodeClaim", None, claim_name)
                state.claims.pop(claim_name, None)

    def _abandon(
        self, record: _Record, nodes: list[str], missing: list[str], state: _State, now: datetime
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
            self._node_event(state, name, EventType.WARNING, "DisruptionAbandoned", message, now)

    # -- events -----------------------------------------------------------------------------------------
    def _record(self, decision: DisruptionDecision, state: _State, now: datetime) -> None:
        blocked = {b.node: b.reason for b in decision.blocked}
        for event in decision.events:
            if event.reason == "DisruptionBlocked" and self._blocked.get(event.name) == event.message:
                continue
            self._node_event(state, event.name, event.type.value, event.reason, event.message, now)
        self._blocked = blocked

    def _node_event(
        self, state: _State, name: str, type_: str, reason: str, message: str, now: datetime
    ) -> None:
        node = state.nodes.get(name)
        involved = (
            node if node is not None else {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}
        )
        record_event(self.cluster, involved, type_, reason, message, now, self.component)


def _scheduled_at(pod: Obj) -> datetime | None:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == CONDITION_POD_SCHEDULED and cond.get("status") == "True":
            return _time(cond.get("lastTransitionTime"), "status.conditions[PodScheduled].lastTransitionTime")
    return None


def _sum(amounts: Iterable[Resources]) -> Resources:
    total = Resources()
    for amount in amounts:
        total = total + amount
    return total
