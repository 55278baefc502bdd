"""The NodeClaim reconciler: one claim per key, walked Launched -> Registered -> Initialized (Ready), with
Karpenter's time-outs; `CLOUD_KEY` polls the cloud's events."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime

from pydantic import ValidationError

from sparkfleet.api.karpenter import NodeClaim, NodeClaimConditionType
from sparkfleet.api.timefmt import format_rfc3339, parse_rfc3339
from sparkfleet.api.wire import LABEL_CAPACITY_TYPE, LABEL_NODEPOOL, LABEL_ZONE
from sparkfleet.clock import Clock
from sparkfleet.cloud import Cloud, CloudEventKind, InstanceState
from sparkfleet.cluster import Cluster, NotFound, Obj, WatchEvent
from sparkfleet.controllers.nodeclaim.context import (
    FAILED_CLAIM_GRACE,
    LAUNCH_RETRY_SECONDS,
    LAUNCH_TIMEOUT,
    POLL_SECONDS,
    REGISTRATION_TIMEOUT,
    RESYNC_SECONDS,
    ClaimContext,
    instance_id_of,
    minutes,
    node_name_of,
    ours,
)
from sparkfleet.controllers.nodeclaim.launch import awaited_by_round, launch
from sparkfleet.controllers.nodeclaim.registration import initialize, register
from sparkfleet.controllers.nodeclaim.termination import (
    finalize,
    interrupted,
    rebalance_recommended,
    terminate,
)
from sparkfleet.controllers.support.conditions import (
    claim_owner,
    condition_true,
    conditions_of,
    meta_of,
)
from sparkfleet.controllers.support.fleet import COMPONENT
from sparkfleet.controllers.support.karpentermetrics import KarpenterMetrics
from sparkfleet.controllers.support.offeringcache import OfferingCache
from sparkfleet.engine.provisioning import launch_outcome
from sparkfleet.reconcile import Result

__all__ = ["CLOUD_KEY", "NodeClaimReconciler"]

log = logging.getLogger("sparkfleet.controllers.nodeclaim")

CLOUD_KEY = "@cloud"
"""The reconcile key that polls the cloud's events (not a valid object name, so never a claim's)."""

C = NodeClaimConditionType


class NodeClaimReconciler:
    """Reconciler (see sparkfleet.reconcile) for NodeClaims, keyed by name; `CLOUD_KEY` polls the cloud.

    The only caller of `Cloud.launch`: reconciles of one claim are serialised, so a claim is launched once.
    """

    name = "nodeclaim"

    def __init__(
        self,
        cluster: Cluster,
        clock: Clock,
        cloud: Cloud,
        offerings: OfferingCache,
        *,
        component: str = COMPONENT,
        metrics: KarpenterMetrics | None = None,
    ) -> None:
        self.cluster = cluster
        self.metrics = metrics
        self._labels: dict[str, tuple[str, str, str]] = {}
        """Claim -> (nodepool, capacity type, zone) as last seen, for the metric counted once it is gone."""
        self.clock = clock
        self.cloud = cloud
        self.offerings = offerings
        self.context = ClaimContext(cluster, clock, cloud, offerings, component)
        self._lock = threading.RLock()

    # -- Reconciler protocol ----------------------------------------------------------------------------
    def watches(self) -> Sequence[str]:
        return ("NodeClaim", "Node")

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        obj = event.object
        if obj.get("kind") == "NodeClaim":
            return [meta_of(obj).get("name", ""), CLOUD_KEY]
        owner = claim_owner(obj)
        return [owner] if owner else []

    def reconcile(self, key: str) -> Result:
        with self._lock:
            if key == CLOUD_KEY:
                return self._poll()
            return self._reconcile(key)

    # -- one claim --------------------------------------------------------------------------------------
    def _reconcile(self, name: str) -> Result:
        ctx = self.context
        try:
            obj = self.cluster.get("NodeClaim", None, name)
        except NotFound:
            finalize(ctx, name)
            labels = self._labels.pop(name, None)
            if labels is not None and self.metrics is not None:
                self.metrics.claim_terminated(*labels)
            return Result()
        try:
            claim = NodeClaim.model_validate(obj)
        except ValidationError as exc:
            log.warning("NodeClaim %s does not parse; not reconciling it: %s", name, exc)
            return Result()
        if self.metrics is not None:
            found = claim.metadata.labels
            pool, capacity = found.get(LABEL_NODEPOOL, ""), found.get(LABEL_CAPACITY_TYPE, "")
            self._labels[name] = (pool, capacity, found.get(LABEL_ZONE, ""))
        now = self.clock.now()
        age = now - parse_rfc3339(claim.metadata.creationTimestamp or format_rfc3339(now))
        if not condition_true(obj, C.LAUNCHED):
            if launch_outcome(obj).insufficient_capacity:
                return self._failed(obj, now)
            if age >= LAUNCH_TIMEOUT:
                message = f"not launched within {minutes(LAUNCH_TIMEOUT)} of its creation"
                terminate(ctx, obj, "LaunchTimeout", message, now)
                return Result()
            launched = launch(ctx, obj)
            if launched.gone:
                return Result()
            if launched.failed:
                return self._failed(launched.claim, now)
            if launched.instance is None:
                return Result(requeue_after=LAUNCH_RETRY_SECONDS)
            obj = launched.claim
        instance = ctx.find(instance_id=instance_id_of((obj.get("status") or {}).get("providerID")))
        if instance is None:
            terminate(ctx, obj, "InstanceTerminated", "its instance is no longer running", now)
            return Result()
        if not condition_true(obj, C.REGISTERED):
            running = instance.state is InstanceState.RUNNING
            registered = register(ctx, obj, claim, instance, now) if running else None
            if registered is None:
                if age >= REGISTRATION_TIMEOUT:
                    message = f"not registered within {minutes(REGISTRATION_TIMEOUT)} of its creation"
                    terminate(ctx, obj, "RegistrationTimeout", message, now)
                    return Result()
                return Result(requeue_after=POLL_SECONDS)
            obj = registered
        return self._initialize(obj, claim, now)

    def _failed(self, obj: Obj, now: datetime) -> Result:
        """A claim EC2 had no capacity for: kept while its round may still read why, then deleted."""
        since = next(
            (c.get("lastTransitionTime") for c in conditions_of(obj) if c.get("type") == C.LAUNCHED), None
        )
        waited = now - parse_rfc3339(since or format_rfc3339(now))
        if awaited_by_round(obj) and waited < FAILED_CLAIM_GRACE:
            return Result(requeue_after=(FAILED_CLAIM_GRACE - waited).total_seconds())
        self.context.delete_quietly(obj)
        return Result()

    def _initialize(self, obj: Obj, claim: NodeClaim, now: datetime) -> Result:
        node_name = node_name_of(obj)
        try:
            node = self.cluster.get("Node", None, node_name)
        except NotFound:
            terminate(self.context, obj, "NodeDeleted", f"its Node {node_name} was deleted", now)
            return Result()
        if condition_true(obj, C.INITIALIZED) or initialize(self.context, obj, claim, node, now):
            return Result(requeue_after=RESYNC_SECONDS)
        return Result(requeue_after=POLL_SECONDS)

    # -- the cloud's events -----------------------------------------------------------------------------
    def _poll(self) -> Result:
        touched: dict[str, None] = {}
        for event in self.cloud.poll_events():
            if event.kind in (CloudEventKind.SPOT_INTERRUPTION_WARNING, CloudEventKind.SCHEDULED_CHANGE):
                interrupted(self.context, event)
            elif event.kind is CloudEventKind.REBALANCE_RECOMMENDATION:
                rebalance_recommended(self.context, event)
            elif event.kind is CloudEventKind.STATE_CHANGE and event.state is not InstanceState.PENDING:
                touched[event.node_claim_name] = None
        for name in touched:
            self._reconcile(name)
        instances = self.cloud.list_instances()
        claims = {meta_of(c).get("name") for c in self.cluster.list("NodeClaim").items}
        for instance in instances:
            if ours(instance) and instance.node_claim_name not in claims:
                finalize(self.context, instance.node_claim_name, instances)
        return Result(requeue_after=POLL_SECONDS) if claims or instances else Result()
