"""The provisioner: batches the pods the scheduler could not place, plans NodeClaims, creates and launches.

Only pods the scheduler marked `PodScheduled=False, reason=Unschedulable` count, as in Karpenter. A batch
window opens with the first such pod the provisioner has not planned for yet and closes after 1 s without
another new one, or 10 s after it opened (on the injected clock). A round then plans every such pod at
once: pods of one gang (YuniKorn task groups: the placeholders, or the real pods when there are none) are
planned together, all or nothing. Existing Nodes offer their room left after the pods bound to them, and
NodeClaims not registered yet offer the allocatable of the node they will become.

Each planned claim is created (named by the store after its NodePool) and launched in the round; when the
cloud has no capacity for a claim the plan is recomputed at once (`replan_after_launch_failure`): other
types of the same NodePool first, then the next NodePool by weight, so the fallback completes in one round.
Events: `Nominated` and `FailedProvisioning` on pods, `Provisioned` and `Fallback` on NodePools, `Planned`
on NodeClaims.

The cloud's offerings say what exists and at what price; whether EC2 has capacity is learned from launches
(the unavailable cache, 3 minutes per offering), as in Karpenter.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, TypeVar

from pydantic import ValidationError

from sparkfleet.api.ec2nodeclass import EC2NodeClass
from sparkfleet.api.instancetypes import (
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_TYPE,
    LABEL_ZONE,
    CapacityType,
    InstanceType,
)
from sparkfleet.api.karpenter import LABEL_NODEPOOL, NodeClaim, NodeClaimConditionType, NodePool
from sparkfleet.api.placement import Taint
from sparkfleet.api.pod import Pod
from sparkfleet.clock import Clock
from sparkfleet.cloud import Cloud
from sparkfleet.cluster import NotFound, WatchEvent, WatchEventType
from sparkfleet.cluster.events import record_event
from sparkfleet.cluster.port import Cluster, Obj
from sparkfleet.controllers.nodeclaim import (
    ANNOTATION_PLANNED_CAPACITY_TYPE,
    ANNOTATION_PLANNED_ZONE,
    COMPONENT,
    Launcher,
    condition_true,
    nodeclaim_manifest,
)
from sparkfleet.controllers.runner import Result
from sparkfleet.engine.disruption import DISRUPTED_TAINT_KEY
from sparkfleet.engine.provisioning import (
    ExistingNode,
    Fleet,
    NodeFacts,
    PodRequest,
    ProvisioningPlan,
    ProvisioningRequest,
    Requirements,
    Resources,
    node_facts,
    plan,
    replan_after_launch_failure,
)
from sparkfleet.engine.provisioning.claims import ANNOTATION_PLANNED_TYPE
from sparkfleet.engine.provisioning.resources import resources_from_list
from sparkfleet.engine.scheduling.apps import (
    ANNOTATION_TASK_GROUP_NAME,
    ANNOTATION_TASK_GROUPS,
    app_id_of,
    is_placeholder,
)

__all__ = [
    "BATCH_IDLE_SECONDS",
    "BATCH_MAX_SECONDS",
    "FleetSource",
    "FleetView",
    "PodRequestCache",
    "ProvisionerReconciler",
    "RoundReport",
    "existing_nodes",
    "gang_of",
    "in_flight_nodes",
    "is_daemonset_pod",
    "is_provisionable",
    "is_terminal",
    "pool_usage",
]

log = logging.getLogger("sparkfleet.controllers.provisioner")

KEY = "provisioning"
BATCH_IDLE_SECONDS = 1.0
BATCH_MAX_SECONDS = 10.0
RETRY_SECONDS = 30.0
"""How soon pods left without a place are planned again when nothing else changes."""
MAX_LAUNCH_ATTEMPTS = 100
CLAIM_PREFIX = "plan-"
_TERMINAL_PHASES = frozenset({"Succeeded", "Failed"})
_M = TypeVar("_M", NodePool, EC2NodeClass)


# --- the fleet --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FleetView:
    """A Fleet and lookups into it by name."""

    fleet: Fleet
    pools: Mapping[str, NodePool]
    classes: Mapping[str, EC2NodeClass]
    types: Mapping[str, InstanceType]


class FleetSource:
    """The Fleet from the store (NodePools, EC2NodeClasses) and the cloud (instance types, offerings).

    Rebuilt only when a NodePool, a node class or an offering changed.
    """

    def __init__(self, cluster: Cluster, cloud: Cloud) -> None:
        self.cluster = cluster
        self.cloud = cloud
        self._lock = threading.Lock()
        self._types: tuple[InstanceType, ...] | None = None
        self._key: tuple[object, ...] | None = None
        self._view: FleetView | None = None

    def view(self) -> FleetView:
        with self._lock:
            if self._types is None:
                self._types = tuple(self.cloud.instance_types())
            pool_objs = self.cluster.list("NodePool").items
            class_objs = self.cluster.list("EC2NodeClass").items
            offerings = tuple(self.cloud.offerings(self.cloud.region))
            key = (_versions(pool_objs), _versions(class_objs), offerings)
            if self._view is not None and key == self._key:
                return self._view
            pools = {p.name: p for p in _parse(pool_objs, NodePool)}
            classes = {c.metadata.name or "": c for c in _parse(class_objs, EC2NodeClass)}
            fleet = Fleet(tuple(pools.values()), MappingProxyType(classes), self._types, offerings)
            types = {it.name: it for it in self._types}
            self._view = FleetView(fleet, MappingProxyType(pools), MappingProxyType(classes), types)
            self._key = key
            return self._view


def _versions(objs: Sequence[Obj]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((_meta(o).get("name", ""), _meta(o).get("resourceVersion", "")) for o in objs))


def _parse(objs: Sequence[Obj], model: type[_M]) -> list[_M]:
    out = []
    for obj in objs:
        try:
            out.append(model.model_validate(obj))
        except ValidationError as exc:
            log.warning("%s %s does not parse; left out: %s", model.__name__, _meta(obj).get("name"), exc)
    return out


# --- pods -------------------------------------------------------------------------------------------


def _meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def is_daemonset_pod(pod: Mapping[str, Any]) -> bool:
    return any(ref.get("kind") == "DaemonSet" for ref in _meta(pod).get("ownerReferences") or [])


def is_terminal(pod: Mapping[str, Any]) -> bool:
    """Finished or going away: it holds no room on its node."""
    phase = (pod.get("status") or {}).get("phase")
    return phase in _TERMINAL_PHASES or bool(_meta(pod).get("deletionTimestamp"))


def is_provisionable(pod: Mapping[str, Any]) -> bool:
    """A pending, unbound pod the scheduler marked PodScheduled=False, reason=Unschedulable."""
    if (pod.get("spec") or {}).get("nodeName") or is_terminal(pod) or is_daemonset_pod(pod):
        return False
    status = pod.get("status") or {}
    if status.get("phase") not in (None, "Pending"):
        return False
    return any(
        c.get("type") == "PodScheduled" and c.get("status") == "False" and c.get("reason") == "Unschedulable"
        for c in status.get("conditions") or []
    )


def _task_group(pod: Mapping[str, Any]) -> str | None:
    annotations = _meta(pod).get("annotations") or {}
    group = annotations.get(ANNOTATION_TASK_GROUP_NAME)
    return group if isinstance(group, str) and group else None


def gang_of(pod: Mapping[str, Any]) -> str | None:
    """`<namespace>/<application id>` for a pod of a YuniKorn gang (task groups or a placeholder)."""
    meta = _meta(pod)
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    if not (
        annotations.get(ANNOTATION_TASK_GROUP_NAME)
        or annotations.get(ANNOTATION_TASK_GROUPS)
        or is_placeholder(labels, annotations)
    ):
        return None
    namespace = meta.get("namespace") or "default"
    return f"{namespace}/{app_id_of(labels, annotations, namespace)}"


def _group_key(pod: Mapping[str, Any]) -> tuple[str, str] | None:
    gang, group = gang_of(pod), _task_group(pod)
    return (gang, group) if gang is not None and group is not None else None


def _without_reserved(pending: list[Obj], pods: Iterable[Obj]) -> list[Obj]:
    """Leave out real gang pods whose task group's placeholders hold (or are being given) their room."""
    reserved: Counter[tuple[str, str]] = Counter()
    for pod in pods:
        meta = _meta(pod)
        if not is_terminal(pod) and is_placeholder(meta.get("labels") or {}, meta.get("annotations") or {}):
            key = _group_key(pod)
            if key is not None:
                reserved[key] += 1
    if not reserved:
        return pending
    out = []
    for pod in sorted(pending, key=lambda p: _meta(p).get("name", "")):
        meta = _meta(pod)
        key = _group_key(pod)
        if (
            key is not None
            and reserved[key] > 0
            and not is_placeholder(meta.get("labels") or {}, meta.get("annotations") or {})
        ):
            reserved[key] -= 1
            continue
        out.append(pod)
    return out


class PodRequestCache:
    """PodRequest per pod, kept while the pod's generation (its spec) is unchanged: pods are parsed once,
    not once per round."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[object, PodRequest]] = {}

    def get(self, pod: Obj) -> PodRequest | None:
        meta = _meta(pod)
        uid = str(meta.get("uid") or "")
        version = (meta.get("generation"), meta.get("resourceVersion") if not uid else None)
        cached = self._cache.get(uid)
        if cached is not None and cached[0] == version and uid:
            return cached[1]
        try:
            request = PodRequest.from_pod(Pod.model_validate(pod), gang=gang_of(pod))
        except ValidationError as exc:
            log.warning("pod %s/%s does not parse: %s", meta.get("namespace"), meta.get("name"), exc)
            return None
        if uid:
            self._cache[uid] = (version, request)
        return request

    def resources(self, pod: Obj) -> Resources:
        """What a bound pod holds on its node (an unparseable pod holds nothing)."""
        request = self.get(pod)
        return request.requests if request is not None else Resources()

    def keep(self, pods: Iterable[Obj]) -> None:
        """Forget every pod but these."""
        live = {str(_meta(p).get("uid") or "") for p in pods}
        for uid in [u for u in self._cache if u not in live]:
            del self._cache[uid]


# --- existing and in-flight capacity ----------------------------------------------------------------


def _taints(items: Iterable[Mapping[str, Any]]) -> tuple[Taint, ...]:
    return tuple(Taint.model_validate(t) for t in items)


def _ready(node: Obj) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (node.get("status") or {}).get("conditions") or []
    )


def existing_nodes(nodes: Sequence[Obj], used: Mapping[str, Resources]) -> list[ExistingNode]:
    """Registered Nodes that take new pods (Ready, not cordoned or being disrupted), with their free room."""
    out = []
    for node in nodes:
        meta = _meta(node)
        spec = node.get("spec") or {}
        taints = spec.get("taints") or []
        if spec.get("unschedulable") or not _ready(node) or meta.get("deletionTimestamp"):
            continue
        if any(t.get("key") == DISRUPTED_TAINT_KEY for t in taints):
            continue
        name = meta.get("name", "")
        labels = meta.get("labels") or {}
        allocatable = resources_from_list((node.get("status") or {}).get("allocatable") or {})
        out.append(
            ExistingNode(
                name=name,
                labels=labels,
                free=allocatable - used.get(name, Resources()),
                taints=_taints(taints),
                nodePool=labels.get(LABEL_NODEPOOL),
            )
        )
    return out


def claim_facts(claim: NodeClaim, view: FleetView) -> NodeFacts | None:
    """The node an in-flight claim becomes: the launched offering, else the planned one."""
    meta = claim.metadata
    labels, annotations = meta.labels, meta.annotations
    type_name = labels.get(LABEL_INSTANCE_TYPE) or annotations.get(ANNOTATION_PLANNED_TYPE)
    zone = labels.get(LABEL_ZONE) or annotations.get(ANNOTATION_PLANNED_ZONE)
    capacity_type = labels.get(LABEL_CAPACITY_TYPE) or annotations.get(ANNOTATION_PLANNED_CAPACITY_TYPE)
    pool = view.pools.get(labels.get(LABEL_NODEPOOL, ""))
    it = view.types.get(type_name or "")
    if pool is None or it is None or not zone or capacity_type not in tuple(CapacityType):
        return None
    node_class = view.classes.get(claim.spec.nodeClassRef.name)
    requirements = Requirements.from_requirements(claim.spec.requirements)
    return node_facts(pool, node_class, it, zone, CapacityType(capacity_type), requirements)


def _claims(objs: Sequence[Obj]) -> list[tuple[Obj, NodeClaim]]:
    out = []
    for obj in objs:
        try:
            out.append((obj, NodeClaim.model_validate(obj)))
        except ValidationError as exc:
            log.warning("NodeClaim %s does not parse: %s", _meta(obj).get("name"), exc)
    return out


def in_flight_nodes(claims: Sequence[Obj], view: FleetView) -> list[ExistingNode]:
    """NodeClaims not registered yet, as the node each will become (no pod is bound to them yet)."""
    out = []
    for obj, claim in _claims(claims):
        if condition_true(obj, NodeClaimConditionType.REGISTERED):
            continue
        facts = claim_facts(claim, view)
        if facts is None:
            continue
        out.append(
            ExistingNode(
                name=claim.metadata.name or "",
                labels=facts.labels,
                free=facts.allocatable,
                taints=tuple(claim.spec.taints),
                nodePool=facts.nodePool,
                inFlight=True,
            )
        )
    return out


def pool_usage(claims: Sequence[Obj], view: FleetView) -> dict[str, Resources]:
    """What each NodePool's claims count against its limits (their capacity, launched or planned)."""
    usage: dict[str, Resources] = {}
    for obj, claim in _claims(claims):
        pool = claim.metadata.labels.get(LABEL_NODEPOOL, "")
        capacity = (obj.get("status") or {}).get("capacity")
        if capacity:
            amount = resources_from_list(capacity)
        else:
            facts = claim_facts(claim, view)
            if facts is None:
                continue
            amount = facts.capacity
        usage[pool] = usage.get(pool, Resources()) + amount
    return usage


# --- the reconciler ---------------------------------------------------------------------------------


@dataclass
class _Window:
    opened: float
    last: float
    pods: set[str]


@dataclass
class RoundReport:
    """What the last round did (for logs, metrics and tests)."""

    plan: ProvisioningPlan
    created: dict[str, str] = field(default_factory=dict)
    """Planned claim name -> the NodeClaim's name in the store (including claims deleted after ICE)."""
    launched: dict[str, str] = field(default_factory=dict)
    """NodeClaim name -> the instance type the cloud launched."""
    claims: dict[str, Obj] = field(default_factory=dict)
    """Planned claim name -> the NodeClaim object as created."""
    lost: list[str] = field(default_factory=list)
    """Claims of the plan that are not in flight after the round (gone for a reason other than
    capacity, or not tried within the round's launch attempts): their pods get a round soon."""


class ProvisionerReconciler:
    """Reconciler (see controllers.runner) with one key: the provisioning batch."""

    name = "provisioner"

    def __init__(
        self,
        cluster: Cluster,
        clock: Clock,
        fleets: FleetSource,
        launcher: Launcher,
        *,
        component: str = COMPONENT,
    ) -> None:
        self.cluster = cluster
        self.clock = clock
        self.fleets = fleets
        self.launcher = launcher
        self.offerings = launcher.offerings
        self.component = component
        self.last_round: RoundReport | None = None
        self._lock = threading.Lock()
        self._window: _Window | None = None
        self._planned: set[str] = set()
        self._planned_claims: set[str] = set()
        self._planned_fleet: tuple[object, ...] = ()
        self._retry_at: float | None = None
        self._requests = PodRequestCache()
        self._pod_events: dict[str, tuple[str, str]] = {}

    # -- Reconciler protocol ----------------------------------------------------------------------------
    def watches(self) -> Sequence[str]:
        return ("Pod", "NodeClaim", "NodePool", "EC2NodeClass")

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        kind = event.object.get("kind")
        if kind == "Pod":
            return [KEY] if is_provisionable(event.object) else []
        if kind == "NodeClaim":
            return [KEY] if event.type is WatchEventType.DELETED else []
        return [KEY]

    def reconcile(self, key: str) -> Result:
        with self._lock:
            return self._step()

    # -- batching ---------------------------------------------------------------------------------------
    def _step(self) -> Result:
        all_pods = self.cluster.list("Pod").items
        pending = _without_reserved([p for p in all_pods if is_provisionable(p)], all_pods)
        ids = {str(_meta(p).get("uid") or _meta(p).get("name")) for p in pending}
        now_m = self.clock.monotonic()
        if not pending:
            self._window, self._planned, self._retry_at = None, set(), None
            return Result()
        if self._window is None:
            claims = {_meta(c).get("name", "") for c in self.cluster.list("NodeClaim").items}
            triggered = (
                bool(ids - self._planned)
                or bool(self._planned_claims - claims)
                or self._fleet_version() != self._planned_fleet
                or (self._retry_at is not None and now_m >= self._retry_at)
            )
            if not triggered:
                wait = None if self._retry_at is None else self._retry_at - now_m
                return Result(requeue_after=wait)
            self._window = _Window(now_m, now_m, set(ids))
        elif ids - self._window.pods:
            self._window.last = now_m
            self._window.pods |= ids
        idle_left = BATCH_IDLE_SECONDS - (now_m - self._window.last)
        max_left = BATCH_MAX_SECONDS - (now_m - self._window.opened)
        if idle_left > 0 and max_left > 0:
            return Result(requeue_after=min(idle_left, max_left))
        self._window = None
        report = self.run_round(pending, all_pods)
        self._planned = ids
        self._planned_claims = {_meta(c).get("name", "") for c in self.cluster.list("NodeClaim").items}
        self._planned_fleet = self._fleet_version()
        retry = BATCH_IDLE_SECONDS if report.lost else RETRY_SECONDS if report.plan.unschedulable else None
        self._retry_at = None if retry is None else now_m + retry
        return Result(requeue_after=retry)

    def _fleet_version(self) -> tuple[object, ...]:
        return (
            _versions(self.cluster.list("NodePool").items),
            _versions(self.cluster.list("EC2NodeClass").items),
        )

    # -- one round --------------------------------------------------------------------------------------
    def run_round(self, pending: Sequence[Obj], all_pods: Sequence[Obj]) -> RoundReport:
        """Plan `pending`, create and launch the claims (re-planning at once on insufficient capacity)."""
        now = self.clock.now()
        view = self.fleets.view()
        claims = self.cluster.list("NodeClaim").items
        nodes = self.cluster.list("Node").items
        used: dict[str, Resources] = {}
        for pod in all_pods:
            node = (pod.get("spec") or {}).get("nodeName")
            if node and not is_terminal(pod):
                used[node] = used.get(node, Resources()) + self._requests.resources(pod)
        node_names = {_meta(n).get("name") for n in nodes}
        in_flight = [n for n in in_flight_nodes(claims, view) if n.name not in node_names]
        by_id: dict[str, Obj] = {}
        requests = []
        for pod in pending:
            req = self._requests.get(pod)
            if req is not None:
                requests.append(req)
                by_id[req.id] = pod
        self._requests.keep(p for p in all_pods if not is_terminal(p))
        request = ProvisioningRequest(
            fleet=view.fleet,
            pods=requests,
            now=now,
            nodes=[*existing_nodes(nodes, used), *in_flight],
            unavailable=self.offerings.snapshot(now),
            poolUsage=pool_usage(claims, view),
            claimPrefix=CLAIM_PREFIX,
        )
        report = self._launch(request, plan(request), view, now)
        self.offerings.merge(report.plan.unavailable)
        self._record(report, by_id, {n.name for n in in_flight}, now)
        self.last_round = report
        return report

    def _launch(
        self, request: ProvisioningRequest, current: ProvisioningPlan, view: FleetView, now: datetime
    ) -> RoundReport:
        report = RoundReport(current)
        launched: set[str] = set()
        for _ in range(MAX_LAUNCH_ATTEMPTS):
            claim = next((c for c in current.claims if c.name not in launched), None)
            if claim is None:
                break
            pool = view.pools[claim.nodePool]
            obj = self.cluster.create(nodeclaim_manifest(claim, pool))
            name = _meta(obj).get("name", "")
            report.created[claim.name] = name
            report.claims[claim.name] = obj
            for event in current.events:
                if event.kind == "NodeClaim" and event.name == claim.name and event.reason == "Planned":
                    self._event(obj, event.type.value, event.reason, event.message, now)
            outcome = self.launcher.launch(obj)
            if outcome.insufficient_capacity:
                current = replan_after_launch_failure(
                    request, current, claim.name, outcome.unavailable, now, launched=launched
                )
                continue
            # Launched, or left to the NodeClaim lifecycle to retry: either way the claim is in flight.
            # One deleted for another reason leaves its pods to a round soon after this one.
            launched.add(claim.name)
            if outcome.deleted:
                report.lost.append(name)
            if outcome.instance is not None:
                report.launched[name] = outcome.instance.instanceType
        report.lost.extend(
            report.created.get(c.name, c.name) for c in current.claims if c.name not in launched
        )
        report.plan = current
        return report

    # -- events -----------------------------------------------------------------------------------------
    def _record(
        self,
        report: RoundReport,
        pods: Mapping[str, Obj],
        in_flight: set[str],
        now: datetime,
    ) -> None:
        result = report.plan
        stored = report.claims
        for event in result.events:
            if event.kind != "NodeClaim" or event.reason == "Planned" or event.name not in stored:
                continue
            self._event(stored[event.name], event.type.value, event.reason, event.message, now)
        for fallback in result.fallbacks:
            pool = self._pool_obj(fallback.source)
            if pool is not None:
                self._event(pool, "Warning", "Fallback", fallback.reason, now)
        for claim in result.claims:
            name = report.created.get(claim.name)
            pool = self._pool_obj(claim.nodePool)
            if name is None or pool is None:
                continue
            launched = report.launched.get(name, claim.instanceType)
            message = (
                f"NodeClaim {name} for {len(claim.pods)} pods: {launched} "
                f"(planned {claim.capacityType}, {claim.zone}, ${claim.price:.4f}/h)"
            )
            self._event(pool, "Normal", "Provisioned", message, now)
            for pod_id in claim.pods:
                self._pod_event(
                    pods.get(pod_id), "Normal", "Nominated", f"Pod should schedule on: nodeclaim/{name}", now
                )
        for nomination in result.nominations:
            target = (
                f"nodeclaim/{nomination.node}" if nomination.node in in_flight else f"node/{nomination.node}"
            )
            self._pod_event(
                pods.get(nomination.pod), "Normal", "Nominated", f"Pod should schedule on: {target}", now
            )
        for unplaced in result.unschedulable:
            self._pod_event(pods.get(unplaced.pod), "Warning", "FailedProvisioning", unplaced.reason, now)
        live = {str(_meta(p).get("uid") or "") for p in pods.values()}
        for uid in [u for u in self._pod_events if u not in live]:
            del self._pod_events[uid]

    def _pool_obj(self, name: str) -> Obj | None:
        try:
            return self.cluster.get("NodePool", None, name)
        except NotFound:
            return None

    def _pod_event(self, pod: Obj | None, type_: str, reason: str, message: str, now: datetime) -> None:
        """An event on a pod, once per change of what it says (rounds repeat while pods wait)."""
        if pod is None:
            return
        uid = str(_meta(pod).get("uid") or "")
        if self._pod_events.get(uid) == (reason, message):
            return
        self._pod_events[uid] = (reason, message)
        self._event(pod, type_, reason, message, now)

    def _event(self, obj: Obj, type_: str, reason: str, message: str, now: datetime) -> None:
        record_event(self.cluster, obj, type_, reason, message, now, self.component)
