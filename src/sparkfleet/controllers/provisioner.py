"""The provisioner: batches the pods the scheduler could not place, plans NodeClaims and writes them.

Only pods the scheduler marked `PodScheduled=False, reason=Unschedulable` count, as in Karpenter. A batch
window opens with the first such pod the provisioner has not planned for yet and closes after 1 s without
another new one, or 10 s after it opened (on the injected clock). A window holding nothing but whole
gangs (every task group's placeholders there) closes after 0.1 s without another: the scheduler makes a
gang's placeholders in one pass, so waiting for more of it gains nothing, and the short wait still puts
gangs submitted together in one round. Karpenter, which knows no gangs, always waits. A round then
plans every such pod at once: pods of one gang (YuniKorn task groups: the placeholders, or the real pods
when there are none) are planned together, all or nothing (`engine.provisioning.gangs`). Existing Nodes
offer their room left after the pods bound to them, and NodeClaims not registered yet offer the
allocatable of the node they will become.

The provisioner never launches: it creates each planned claim (named by the store after its NodePool,
marked with `ANNOTATION_PROVISIONING_ROUND`) and the NodeClaim controller, the one owner of launch, launches
it. The round stays open until every claim's outcome is written on it (`engine.provisioning.launches`).
When EC2 had no capacity for some, their refused offerings are marked unavailable and the plan is
recomputed at once (`replan_after_launch_failures`): other types of the same NodePool first, then the next
NodePool by weight; the failed claims are deleted and the new ones created, so the fallback completes in
the same round. A round whose launches are not reported within `LAUNCH_WAIT_SECONDS` leaves them in flight.
Events: `Nominated` and `FailedProvisioning` on pods, `Provisioned` and `Fallback` on NodePools, `Planned`
and `Fallback` on NodeClaims.

The cloud's offerings say what exists and at what price; whether EC2 has capacity is learned from launches
(the unavailable cache, 3 minutes per offering), as in Karpenter.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sparkfleet.api.instancetypes import OfferingKey
from sparkfleet.api.karpenter import NodeClaimConditionType
from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.api.wire import ANNOTATION_PROVISIONING_ROUND
from sparkfleet.cluster import LIVE_PODS, NotFound, Obj, WatchEvent, WatchEventType, record_event
from sparkfleet.controllers.support.fleet import (
    FleetReconciler,
    FleetView,
    existing_nodes,
    in_flight_nodes,
    pool_usage,
    versions,
)
from sparkfleet.engine.provisioning import (
    LaunchState,
    ProvisioningPlan,
    ProvisioningRequest,
    Resources,
    is_provisionable,
    is_terminal,
    launch_outcome,
    nodeclaim_manifest,
    plan,
    replan_after_launch_failures,
    whole_gangs,
    without_reserved,
)
from sparkfleet.reconcile import Result

__all__ = [
    "BATCH_IDLE_SECONDS",
    "BATCH_MAX_SECONDS",
    "GANG_BATCH_IDLE_SECONDS",
    "LAUNCH_WAIT_SECONDS",
    "ProvisionerReconciler",
    "RoundReport",
]

KEY = "provisioning"
BATCH_IDLE_SECONDS = 1.0
BATCH_MAX_SECONDS = 10.0
GANG_BATCH_IDLE_SECONDS = 0.1
"""The idle window of a batch that holds only whole gangs."""
RETRY_SECONDS = 30.0
"""How soon pods left without a place are planned again when nothing else changes."""
LAUNCH_WAIT_SECONDS = 10.0
"""How long a round waits for the NodeClaim controller to report its claims' launches."""
ROUND_POLL_SECONDS = 0.5
"""How often an open round looks at its claims when no change of theirs wakes it."""
MAX_REPLANS = 100
CLAIM_PREFIX = "plan-"
REGISTERED = NodeClaimConditionType.REGISTERED


def _meta(obj: Mapping[str, object]) -> dict[str, object]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _registered(claim: Mapping[str, object]) -> bool:
    status = claim.get("status")
    conditions = status.get("conditions") if isinstance(status, dict) else None
    return any(
        isinstance(c, dict) and c.get("type") == REGISTERED and c.get("status") == "True"
        for c in conditions or []
    )


def _name(obj: Mapping[str, object]) -> str:
    return str(_meta(obj).get("name") or "")


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
    capacity, or not created within the round's re-plans): their pods get a round soon."""


@dataclass
class _Round:
    """A round in progress: its claims are written and their launch outcomes awaited."""

    id: str
    request: ProvisioningRequest
    report: RoundReport
    pods: dict[str, Obj]
    in_flight: set[str]
    """Names of the in-flight claims the round started with (nominations to them name a nodeclaim)."""
    ids: set[str]
    waiting_since: float
    waiting: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Planned claim name -> (store name, uid) of each claim whose outcome is not known yet."""
    settled: set[str] = field(default_factory=set)
    """Planned claims in flight: launched, left to the NodeClaim controller to retry, or gone."""
    failures: dict[str, tuple[OfferingKey, ...]] = field(default_factory=dict)
    replans: int = 0


@dataclass(eq=False, repr=False)
class ProvisionerReconciler(FleetReconciler):
    """Reconciler (see sparkfleet.reconcile) with one key: the provisioning batch."""

    name = "provisioner"
    _window: _Window | None = field(default=None, init=False)
    _round: _Round | None = field(default=None, init=False)
    _planned: set[str] = field(default_factory=set, init=False)
    _planned_claims: set[str] = field(default_factory=set, init=False)
    _planned_fleet: tuple[object, ...] = field(default=(), init=False)
    _retry_at: float | None = field(default=None, init=False)
    _pod_events: dict[str, tuple[str, str]] = field(default_factory=dict, init=False)

    # -- Reconciler protocol ----------------------------------------------------------------------------
    def watches(self) -> Sequence[str]:
        return ("Pod", "NodeClaim", "NodePool", "EC2NodeClass")

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        obj = event.object
        kind = obj.get("kind")
        if kind == "Pod":
            return [KEY] if is_provisionable(obj) else []
        if kind == "NodeClaim":
            if event.type is WatchEventType.DELETED:
                return [KEY]
            # a launch outcome of a claim some round waits for
            annotations = _meta(obj).get("annotations") or {}
            awaited = isinstance(annotations, dict) and ANNOTATION_PROVISIONING_ROUND in annotations
            reported = launch_outcome(obj).state is not LaunchState.PENDING
            return [KEY] if awaited and reported and not _registered(obj) else []
        return [KEY]

    def reconcile(self, key: str) -> Result:
        with self._lock:
            if self._round is not None:
                return self._advance(self._round)
            return self._step()

    # -- batching ---------------------------------------------------------------------------------------
    def _step(self) -> Result:
        all_pods = self.cluster.list("Pod", field_selector=LIVE_PODS).items  # finished ones need no node
        pending = without_reserved([p for p in all_pods if is_provisionable(p)], all_pods)
        ids = {str(_meta(p).get("uid") or _meta(p).get("name")) for p in pending}
        now_m = self.clock.monotonic()
        if not pending:
            self._window, self._planned, self._retry_at = None, set(), None
            return Result()
        if self._window is None:
            claims = {_name(c) for c in self.cluster.list("NodeClaim").items}
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
        idle = GANG_BATCH_IDLE_SECONDS if whole_gangs(pending) else BATCH_IDLE_SECONDS
        idle_left = idle - (now_m - self._window.last)
        max_left = BATCH_MAX_SECONDS - (now_m - self._window.opened)
        if idle_left > 0 and max_left > 0:
            return Result(requeue_after=min(idle_left, max_left))
        self._window = None
        self._round = self._open(pending, all_pods, ids)
        return self._advance(self._round)

    def _fleet_version(self) -> tuple[object, ...]:
        return (
            versions(self.cluster.list("NodePool").items),
            versions(self.cluster.list("EC2NodeClass").items),
        )

    # -- one round --------------------------------------------------------------------------------------
    def _open(self, pending: Sequence[Obj], all_pods: Sequence[Obj], ids: set[str]) -> _Round:
        """Plan `pending` and write the plan's claims."""
        now = self.clock.now()
        view = self.fleets.view()
        claims = self.cluster.list("NodeClaim").items
        nodes = self.cluster.list("Node").items
        used: dict[str, Resources] = {}
        for pod in all_pods:
            node = (pod.get("spec") or {}).get("nodeName")
            if node and not is_terminal(pod):
                used[node] = used.get(node, Resources()) + self._requests.resources(pod)
        node_names = {_name(n) for n in nodes}
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
            pool_usage=pool_usage(claims, view),
            claim_prefix=CLAIM_PREFIX,
        )
        planning = time.perf_counter()  # the metric is the planner's CPU time, not the injected clock's
        report = RoundReport(plan(request))
        if self.metrics is not None:
            self.metrics.round_opened(format_rfc3339(now), len(requests), time.perf_counter() - planning)
        round_ = _Round(
            id=format_rfc3339(now),
            request=request,
            report=report,
            pods=by_id,
            in_flight={n.name for n in in_flight},
            ids=ids,
            waiting_since=self.clock.monotonic(),
        )
        self._create_claims(round_, view, now)
        return round_

    def _create_claims(self, round_: _Round, view: FleetView, now: datetime) -> None:
        """Write every claim of the round's plan not written yet; the NodeClaim controller launches them."""
        report = round_.report
        for claim in report.plan.claims:
            if claim.name in report.created:
                continue
            manifest = nodeclaim_manifest(claim, view.pools[claim.node_pool])
            manifest["metadata"]["annotations"][ANNOTATION_PROVISIONING_ROUND] = round_.id
            obj = self.cluster.create(manifest)
            name = _name(obj)
            if self.metrics is not None:
                self.metrics.claim_created("provisioned", claim.node_pool)
            report.created[claim.name] = name
            report.claims[claim.name] = obj
            round_.waiting[claim.name] = (name, str(_meta(obj).get("uid") or ""))
            for event in report.plan.events:
                if event.kind == "NodeClaim" and event.name == claim.name and event.reason == "Planned":
                    self._event(obj, event.type.value, event.reason, event.message, now)

    def _advance(self, round_: _Round) -> Result:
        """Take in the launch outcomes written since the last look; re-plan on insufficient capacity."""
        report = round_.report
        for planned, (name, uid) in list(round_.waiting.items()):
            obj = self._claim(name)
            if obj is None or _meta(obj).get("uid") != uid:
                # deleted for a reason other than capacity: its pods get a round soon after this one
                del round_.waiting[planned]
                round_.settled.add(planned)
                report.lost.append(name)
                continue
            outcome = launch_outcome(obj)
            if outcome.state is LaunchState.PENDING:
                continue
            del round_.waiting[planned]
            if outcome.insufficient_capacity:
                round_.failures[planned] = outcome.unavailable
                continue
            round_.settled.add(planned)
            if outcome.instance_type:
                report.launched[name] = outcome.instance_type
        waited = self.clock.monotonic() - round_.waiting_since
        if round_.waiting and waited < LAUNCH_WAIT_SECONDS:
            return Result(requeue_after=ROUND_POLL_SECONDS)
        round_.settled.update(round_.waiting)  # not reported in time: left in flight
        round_.waiting.clear()
        failures, round_.failures = round_.failures, {}
        for planned in failures:  # the round has read why: the claim goes
            with contextlib.suppress(NotFound):
                self.cluster.delete("NodeClaim", None, report.created[planned])
        if failures and round_.replans < MAX_REPLANS:
            now = self.clock.now()
            report.plan = replan_after_launch_failures(
                round_.request, report.plan, failures, now, launched=round_.settled
            )
            round_.replans += 1
            round_.waiting_since = self.clock.monotonic()
            self._create_claims(round_, self.fleets.view(), now)
            if round_.waiting:
                return Result(requeue_after=ROUND_POLL_SECONDS)
        return self._finish(round_)

    def _finish(self, round_: _Round) -> Result:
        report = round_.report
        report.lost.extend(
            report.created.get(c.name, c.name) for c in report.plan.claims if c.name not in round_.settled
        )
        self.offerings.merge(report.plan.unavailable)
        self._record(report, round_.pods, round_.in_flight, self.clock.now())
        if self.metrics is not None:
            self.metrics.round_finished(round_.id, len(report.plan.unschedulable))
        self._round = None
        now_m = self.clock.monotonic()
        self._planned = round_.ids
        self._planned_claims = {_name(c) for c in self.cluster.list("NodeClaim").items}
        self._planned_fleet = self._fleet_version()
        retry = BATCH_IDLE_SECONDS if report.lost else RETRY_SECONDS if report.plan.unschedulable else None
        self._retry_at = None if retry is None else now_m + retry
        return Result(requeue_after=retry)

    def _claim(self, name: str) -> Obj | None:
        try:
            return self.cluster.get("NodeClaim", None, name)
        except NotFound:
            return None

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
            pool = self._pool_obj(claim.node_pool)
            if name is None or pool is None:
                continue
            launched = report.launched.get(name, claim.instance_type)
            message = (
                f"NodeClaim {name} for {len(claim.pods)} pods: {launched} "
                f"(planned {claim.capacity_type}, {claim.zone}, ${claim.price:.4f}/h)"
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
