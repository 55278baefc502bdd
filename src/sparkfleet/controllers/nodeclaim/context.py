"""What the NodeClaim controller's parts share: names, time-outs, condition helpers and `ClaimContext`
(the store, the cloud, the clock and the unavailable cache, with the lookups every part makes)."""

from __future__ import annotations

import contextlib
import threading
from datetime import datetime, timedelta
from typing import TypeVar

from pydantic import ValidationError

from sparkfleet.api.ec2nodeclass import EC2NodeClass
from sparkfleet.api.instancetypes import InstanceType
from sparkfleet.api.karpenter import NodeClaim, NodePool
from sparkfleet.api.wire import LABEL_NODEPOOL, TAG_MANAGED_BY, EventType
from sparkfleet.clock import Clock
from sparkfleet.cloud import Cloud, Instance
from sparkfleet.cluster import Cluster, NotFound, Obj, record_event
from sparkfleet.controllers.support.conditions import (
    conditions_of,
    meta_of,
    with_condition,
)
from sparkfleet.controllers.support.offeringcache import OfferingCache
from sparkfleet.engine.provisioning import NodeFacts, Requirements, node_facts

MANAGED_BY = "sparkfleet"
"""The value of `TAG_MANAGED_BY` on instances this controller launched."""

LAUNCH_TIMEOUT = timedelta(minutes=5)
REGISTRATION_TIMEOUT = timedelta(minutes=15)
FAILED_CLAIM_GRACE = timedelta(seconds=30)
"""How long a claim without capacity waits for the provisioning round that created it to read why."""
POLL_SECONDS = 1.0
LAUNCH_RETRY_SECONDS = 10.0
RESYNC_SECONDS = 60.0

_M = TypeVar("_M", NodePool, EC2NodeClass)


def instance_id_of(provider_id: str | None) -> str | None:
    """`aws:///us-east-1a/i-0123` -> `i-0123`."""
    if not provider_id:
        return None
    return provider_id.rsplit("/", 1)[-1] or None


def provider_id_of(instance: Instance) -> str:
    return f"aws:///{instance.zone}/{instance.instance_id}"


def node_name_of(claim_obj: Obj) -> str:
    """The claim's Node: `status.nodeName` once registered (on EKS the kubelet names it), else the claim's
    own name (the Node the controller creates is named so, and claims stored before now lack nodeName)."""
    return str((claim_obj.get("status") or {}).get("nodeName") or meta_of(claim_obj).get("name") or "")


def ours(instance: Instance) -> bool:
    return instance.tags.get(TAG_MANAGED_BY) == MANAGED_BY


def minutes(delta: timedelta) -> str:
    return f"{int(delta.total_seconds() // 60)}m"


class ClaimContext:
    """The ports and shared state the NodeClaim controller's parts act through."""

    def __init__(
        self, cluster: Cluster, clock: Clock, cloud: Cloud, offerings: OfferingCache, component: str
    ) -> None:
        self.cluster = cluster
        self.clock = clock
        self.cloud = cloud
        self.offerings = offerings
        self.component = component
        self._types: dict[str, InstanceType] | None = None
        self._types_lock = threading.Lock()

    # -- facts ------------------------------------------------------------------------------------------
    def instance_type(self, name: str) -> InstanceType | None:
        with self._types_lock:
            if self._types is None:
                self._types = {it.name: it for it in self.cloud.instance_types()}
            return self._types.get(name)

    def facts(self, claim: NodeClaim, instance: Instance) -> NodeFacts | None:
        """The node the claim becomes on `instance` (None while its NodePool or type is unknown)."""
        pool = self._model("NodePool", claim.metadata.labels.get(LABEL_NODEPOOL, ""), NodePool)
        it = self.instance_type(instance.instance_type)
        if pool is None or it is None:
            return None
        node_class = self._model("EC2NodeClass", claim.spec.nodeClassRef.name, EC2NodeClass)
        requirements = Requirements.from_requirements(claim.spec.requirements)
        return node_facts(pool, node_class, it, instance.zone, instance.capacity_type, requirements)

    def _model(self, kind: str, name: str, model: type[_M]) -> _M | None:
        try:
            return model.model_validate(self.cluster.get(kind, None, name))
        except (NotFound, ValidationError):
            return None

    def find(self, *, token: str | None = None, instance_id: str | None = None) -> Instance | None:
        """A live instance by client token or id."""
        for instance in self.cloud.list_instances():
            if (token and instance.client_token == token) or (
                instance_id and instance.instance_id == instance_id
            ):
                return instance
        return None

    def node_with_provider_id(self, provider_id: str) -> Obj | None:
        """The Node whose `spec.providerID` is `provider_id` (Nodes have no field selector for it)."""
        for node in self.cluster.list("Node").items:
            if (node.get("spec") or {}).get("providerID") == provider_id:
                found: Obj = node
                return found
        return None

    # -- effects ----------------------------------------------------------------------------------------
    def event(self, obj: Obj, type_: str, reason: str, message: str, now: datetime) -> None:
        record_event(self.cluster, obj, type_, reason, message, now, self.component)

    def delete(self, claim_obj: Obj, reason: str, message: str, now: datetime) -> None:
        """Delete the claim with a Warning event saying why."""
        self.event(claim_obj, EventType.WARNING, reason, message, now)
        self.delete_quietly(claim_obj)

    def delete_quietly(self, claim_obj: Obj) -> None:
        with contextlib.suppress(NotFound):
            self.cluster.delete("NodeClaim", None, meta_of(claim_obj).get("name", ""))

    def set_condition(self, claim_obj: Obj, kind: str, status: str, reason: str, message: str) -> Obj:
        """Write one condition on the claim's status (no write when it already says the same)."""
        now = self.clock.now()
        current = next((c for c in conditions_of(claim_obj) if c.get("type") == kind), None)
        if current is not None and (current.get("status"), current.get("reason"), current.get("message")) == (
            status,
            reason,
            message,
        ):
            return claim_obj
        conditions = with_condition(conditions_of(claim_obj), kind, status, reason, message, now)
        name = meta_of(claim_obj).get("name", "")
        patch = {"status": {"conditions": conditions}}
        return self.cluster.patch("NodeClaim", None, name, patch, subresource="status")
