"""The NodeClaim lifecycle: Launched -> Registered -> Initialized (Ready), Karpenter's time-outs, termination.

Launch (`Launcher`): one cloud launch per NodeClaim with the claim's uid as the client token, so a controller
that dies after the launch and before writing the status finds the same instance again (it looks for a
live instance with that token before launching, and the cloud returns the same instance for the same
token). Offerings that had no capacity go into the shared unavailable cache; a claim that got no instance
at all gets a Warning `InsufficientCapacityError` and is deleted (the provisioner plans its pods again at
once, in the same round, when the launch is its own).

Registration: when the cloud reports the instance running, the Node is created (named as the claim, owned
by it, with the labels, taints, capacity and allocatable of the launched type and the scratch mounts the
local runtime maps) and the claim becomes Registered, then Initialized and Ready once the Node is Ready
without startup taints. A claim not launched 5 minutes after its creation, or not registered after 15,
is deleted with an event.

Termination: a deleted NodeClaim's instance is terminated and its Node goes with it (ownerReference); an
instance that stopped on its own (spot reclaim, outside termination) takes its claim with it.

The cloud's event stream is polled under the key `CLOUD_KEY`: state changes reconcile their claim at once,
spot interruption notices are written on the claim and its Node (`ANNOTATION_INTERRUPTED_AT`) for the
disruption controller, and live instances of ours whose claim is gone are terminated.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import ValidationError

from sparkfleet.api.ec2nodeclass import EC2NodeClass
from sparkfleet.api.instancetypes import (
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_TYPE,
    LABEL_ZONE,
    CapacityType,
    InstanceType,
    OfferingKey,
)
from sparkfleet.api.karpenter import (
    API_VERSION,
    LABEL_NODEPOOL,
    NodeClaim,
    NodeClaimConditionType,
    NodePool,
    RequirementOperator,
)
from sparkfleet.clock import Clock, format_rfc3339, parse_rfc3339
from sparkfleet.cloud import (
    Cloud,
    CloudError,
    CloudEvent,
    CloudEventKind,
    IdempotentParameterMismatch,
    Instance,
    InstanceState,
    LaunchRequest,
)
from sparkfleet.cluster import NotFound, WatchEvent
from sparkfleet.cluster.events import record_event
from sparkfleet.cluster.port import Cluster, Obj
from sparkfleet.controllers.offeringcache import OfferingCache
from sparkfleet.controllers.runner import Result
from sparkfleet.engine.provisioning import NodeFacts, PlannedClaim, Requirements, node_facts, to_nodeclaim

__all__ = [
    "ANNOTATION_INTERRUPTED_AT",
    "ANNOTATION_MOUNTS",
    "ANNOTATION_PLANNED_CAPACITY_TYPE",
    "ANNOTATION_PLANNED_ZONE",
    "ANNOTATION_PRICE",
    "CLOUD_KEY",
    "COMPONENT",
    "LAUNCH_TIMEOUT",
    "REGISTRATION_TIMEOUT",
    "LaunchOutcome",
    "Launcher",
    "NodeClaimReconciler",
    "claim_owner",
    "condition_true",
    "nodeclaim_manifest",
]

log = logging.getLogger("sparkfleet.controllers.nodeclaim")

COMPONENT = "karpenter"
"""The Events' source component."""
ANNOTATION_PRICE = "sparkfleet.io/price-per-hour"
ANNOTATION_MOUNTS = "sparkfleet.io/scratch-mounts"
"""On the Node: JSON list of {path, sizeBytes, source} (e.g. the NVMe RAID0 array at /mnt/k8s-disks/0)."""
ANNOTATION_PLANNED_ZONE = "sparkfleet.io/planned-zone"
ANNOTATION_PLANNED_CAPACITY_TYPE = "sparkfleet.io/planned-capacity-type"
ANNOTATION_INTERRUPTED_AT = "sparkfleet.io/spot-interrupted-at"
"""On the NodeClaim and its Node: when the cloud gave the two-minute spot interruption notice."""
TAG_MANAGED_BY = "sparkfleet.io/managed-by"
MANAGED_BY = "sparkfleet"
TAG_NODECLAIM = "karpenter.sh/nodeclaim"
LABEL_HOSTNAME = "kubernetes.io/hostname"

LAUNCH_TIMEOUT = timedelta(minutes=5)
REGISTRATION_TIMEOUT = timedelta(minutes=15)
CLOUD_KEY = "@cloud"
"""The reconcile key that polls the cloud's events (not a valid object name, so never a claim's)."""
POLL_SECONDS = 1.0
LAUNCH_RETRY_SECONDS = 10.0
RESYNC_SECONDS = 60.0
_LOCK_STRIPES = 64
_REMEMBERED = 256

C = NodeClaimConditionType
_M = TypeVar("_M", NodePool, EC2NodeClass)


def _meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _conditions(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    status = obj.get("status") or {}
    return [c for c in status.get("conditions") or [] if isinstance(c, dict)]


def condition_true(obj: Mapping[str, Any], kind: NodeClaimConditionType | str) -> bool:
    """Whether the object's status has condition `kind` with status True."""
    return any(c.get("type") == str(kind) and c.get("status") == "True" for c in _conditions(obj))


def _with_condition(
    conditions: list[dict[str, Any]], kind: str, status: str, reason: str, message: str, now: datetime
) -> list[dict[str, Any]]:
    """The conditions with `kind` set; lastTransitionTime moves only when the status changes."""
    out = []
    found = False
    for cond in conditions:
        if cond.get("type") != kind:
            out.append(cond)
            continue
        found = True
        changed = cond.get("status") != status
        out.append(
            {
                **cond,
                "status": status,
                "reason": reason,
                "message": message,
                "lastTransitionTime": format_rfc3339(now) if changed else cond.get("lastTransitionTime"),
            }
        )
    if not found:
        out.append(
            {
                "type": kind,
                "status": status,
                "reason": reason,
                "message": message,
                "lastTransitionTime": format_rfc3339(now),
            }
        )
    return out


def claim_owner(obj: Mapping[str, Any]) -> str | None:
    """The NodeClaim a Node belongs to (its ownerReference), or None."""
    for ref in _meta(obj).get("ownerReferences") or []:
        if ref.get("kind") == "NodeClaim" and ref.get("apiVersion", API_VERSION).startswith("karpenter.sh/"):
            name = ref.get("name")
            return name if isinstance(name, str) else None
    return None


def instance_id_of(provider_id: str | None) -> str | None:
    """`aws:///us-east-1a/i-0123` -> `i-0123`."""
    if not provider_id:
        return None
    return provider_id.rsplit("/", 1)[-1] or None


def provider_id_of(instance: Instance) -> str:
    return f"aws:///{instance.zone}/{instance.instanceId}"


def nodeclaim_manifest(claim: PlannedClaim, pool: NodePool) -> Obj:
    """The NodeClaim object for a planned claim: named `<pool>-<suffix>` by the store, owned by its pool,
    with the planned offering and price as annotations (the launch may pick another candidate)."""
    body: Obj = to_nodeclaim(claim, pool).model_dump(mode="json", exclude_none=True)
    meta = body["metadata"]
    meta.pop("name", None)
    meta["generateName"] = f"{pool.name}-"
    # as Karpenter labels a claim: every requirement that pins one value (the rest come at launch)
    pinned = {
        r["key"]: r["values"][0]
        for r in body["spec"]["requirements"]
        if r["operator"] == RequirementOperator.IN and len(r["values"]) == 1
    }
    meta["labels"] = {**pinned, **meta.get("labels", {})}
    meta["annotations"] = {
        **meta.get("annotations", {}),
        ANNOTATION_PRICE: f"{claim.price:.6f}",
        ANNOTATION_PLANNED_ZONE: claim.zone,
        ANNOTATION_PLANNED_CAPACITY_TYPE: str(claim.capacityType),
    }
    if pool.metadata.uid:
        meta["ownerReferences"] = [
            {
                "apiVersion": pool.apiVersion,
                "kind": pool.kind,
                "name": pool.name,
                "uid": pool.metadata.uid,
                "blockOwnerDeletion": True,
            }
        ]
    return body


def _in_values(claim: NodeClaim, key: str) -> tuple[str, ...] | None:
    for req in claim.spec.requirements:
        if req.key == key and req.operator == RequirementOperator.IN:
            return tuple(req.values)
    return None


def launch_request(
    claim: NodeClaim, excluded: frozenset[OfferingKey]
) -> tuple[LaunchRequest | None, list[OfferingKey]]:
    """The launch for `claim` and its candidate offerings; no request when the unavailable cache holds
    every candidate (then the candidates are what failed)."""
    meta = claim.metadata
    types = _in_values(claim, LABEL_INSTANCE_TYPE) or ()
    allowed_cts = _in_values(claim, LABEL_CAPACITY_TYPE)
    cts = tuple(ct for ct in CapacityType if allowed_cts is None or str(ct) in allowed_cts)
    zones = _in_values(claim, LABEL_ZONE) or ()
    candidates = [OfferingKey(t, z, ct) for t in types for z in zones for ct in cts]
    skip = frozenset(o for o in excluded if o.instanceType in types and (not zones or o.zone in zones))
    if candidates and all(o in skip for o in candidates):
        return None, candidates
    request = LaunchRequest(
        clientToken=meta.uid or "",
        nodeClaimName=meta.name or "",
        instanceTypes=types,
        capacityTypes=cts,
        zones=zones,
        tags={
            LABEL_NODEPOOL: meta.labels.get(LABEL_NODEPOOL, ""),
            TAG_NODECLAIM: meta.name or "",
            TAG_MANAGED_BY: MANAGED_BY,
        },
        excludedOfferings=skip,
    )
    return request, candidates


def _ours(instance: Instance) -> bool:
    return instance.tags.get(TAG_MANAGED_BY) == MANAGED_BY


@dataclass(frozen=True)
class LaunchOutcome:
    """What one launch attempt left behind.

    `instance`: the claim's instance (launched now or before). `unavailable`: offerings without capacity.
    `deleted`: the claim is gone (no capacity anywhere, or its instance already ended). `error`: a failure
    that leaves the claim to be tried again until the launch time-out.
    """

    claim: Obj
    instance: Instance | None = None
    unavailable: tuple[OfferingKey, ...] = ()
    deleted: bool = False
    error: str = ""

    @property
    def insufficient_capacity(self) -> bool:
        return self.instance is None and self.deleted and bool(self.unavailable)


class Launcher:
    """Launches NodeClaims through the cloud, idempotently, for the provisioner and the NodeClaim lifecycle.

    Launches of one claim are serialised (the provisioner launches its claims in its round while the
    NodeClaim controller may look at the same claim), and each re-reads the claim before launching.
    """

    def __init__(
        self,
        cluster: Cluster,
        clock: Clock,
        cloud: Cloud,
        offerings: OfferingCache,
        *,
        component: str = COMPONENT,
    ) -> None:
        self.cluster = cluster
        self.clock = clock
        self.cloud = cloud
        self.offerings = offerings
        self.component = component
        self._types: dict[str, InstanceType] | None = None
        self._stripes = [threading.Lock() for _ in range(_LOCK_STRIPES)]
        self._types_lock = threading.Lock()
        # How recent launches that deleted their claim ended, for a caller that comes second (the
        # provisioner must learn of the insufficient capacity even when the lifecycle launched first).
        self._ended: OrderedDict[str, LaunchOutcome] = OrderedDict()
        self._ended_lock = threading.Lock()

    # -- facts ------------------------------------------------------------------------------------------
    def instance_type(self, name: str) -> InstanceType | None:
        with self._types_lock:
            if self._types is None:
                self._types = {it.name: it for it in self.cloud.instance_types()}
            return self._types.get(name)

    def facts(self, claim: NodeClaim, instance: Instance) -> NodeFacts | None:
        """The node the claim becomes on `instance` (None while its NodePool or type is unknown)."""
        pool_name = claim.metadata.labels.get(LABEL_NODEPOOL, "")
        pool = self._model("NodePool", pool_name, NodePool)
        it = self.instance_type(instance.instanceType)
        if pool is None or it is None:
            return None
        node_class = self._model("EC2NodeClass", claim.spec.nodeClassRef.name, EC2NodeClass)
        requirements = Requirements.from_requirements(claim.spec.requirements)
        return node_facts(pool, node_class, it, instance.zone, instance.capacityType, requirements)

    def _model(self, kind: str, name: str, model: type[_M]) -> _M | None:
        try:
            return model.model_validate(self.cluster.get(kind, None, name))
        except (NotFound, ValidationError):
            return None

    def find(self, *, token: str | None = None, instance_id: str | None = None) -> Instance | None:
        """A live instance by client token or id."""
        for instance in self.cloud.list_instances():
            if (token and instance.clientToken == token) or (
                instance_id and instance.instanceId == instance_id
            ):
                return instance
        return None

    # -- launch -----------------------------------------------------------------------------------------
    def launch(self, claim_obj: Obj) -> LaunchOutcome:
        meta = _meta(claim_obj)
        uid, name = str(meta.get("uid") or ""), str(meta.get("name") or "")
        with self._stripes[hash(uid) % _LOCK_STRIPES]:
            try:
                current = self.cluster.get("NodeClaim", None, name)
            except NotFound:
                current = None
            if current is None or _meta(current).get("uid") != uid:
                with self._ended_lock:
                    ended = self._ended.get(uid)
                return ended or LaunchOutcome(claim_obj, deleted=True, error="the NodeClaim was deleted")
            provider_id = (current.get("status") or {}).get("providerID")
            if provider_id:
                found = self.find(instance_id=instance_id_of(provider_id))
                return LaunchOutcome(current, found, error="" if found else "its instance is gone")
            outcome = self._launch(current)
            if outcome.deleted:
                with self._ended_lock:
                    self._ended[uid] = outcome
                    while len(self._ended) > _REMEMBERED:
                        self._ended.popitem(last=False)
            return outcome

    def _launch(self, current: Obj) -> LaunchOutcome:
        claim = NodeClaim.model_validate(current)
        uid = claim.metadata.uid or ""
        now = self.clock.now()
        adopted = self.find(token=uid)
        if adopted is not None:
            return LaunchOutcome(self._launched(current, claim, adopted, now, adopted=True), adopted)
        request, candidates = launch_request(claim, self.offerings.active(now))
        if request is None:
            return self._insufficient(current, candidates, now, "every candidate offering is unavailable")
        try:
            result = self.cloud.launch(request)
        except IdempotentParameterMismatch:
            # Launched before with other exclusions, and that instance has ended since.
            again = self.find(token=uid)
            if again is not None:
                return LaunchOutcome(self._launched(current, claim, again, now, adopted=True), again)
            message = "the instance launched for this NodeClaim earlier is no longer running"
            self._delete(current, "LaunchFailed", message, now)
            return LaunchOutcome(current, deleted=True, error=message)
        except CloudError as exc:
            self._event(current, "Warning", "LaunchFailed", f"launch failed: {exc}", now)
            return LaunchOutcome(current, error=str(exc))
        failed = tuple(f.offering for f in result.errors)
        if failed:
            self.offerings.mark(failed, now)
        if result.instance is None:
            return self._insufficient(current, failed, now, str(result.error))
        if result.instance.state not in (InstanceState.PENDING, InstanceState.RUNNING):
            message = f"instance {result.instance.instanceId} is {result.instance.state}"
            self._delete(current, "LaunchFailed", message, now)
            return LaunchOutcome(current, deleted=True, error=message)
        updated = self._launched(current, claim, result.instance, now, adopted=False)
        return LaunchOutcome(updated, result.instance, unavailable=failed)

    def _insufficient(
        self, current: Obj, offerings: Sequence[OfferingKey], now: datetime, message: str
    ) -> LaunchOutcome:
        self.offerings.mark(offerings, now)
        self._delete(current, "InsufficientCapacityError", message, now)
        return LaunchOutcome(current, unavailable=tuple(offerings), deleted=True)

    def _launched(
        self, current: Obj, claim: NodeClaim, instance: Instance, now: datetime, *, adopted: bool
    ) -> Obj:
        """Write what the launch gave: labels of the offering, price, providerID, capacity, Launched."""
        name = claim.metadata.name or ""
        facts = self.facts(claim, instance)
        labels = dict(facts.labels) if facts is not None else {}
        labels.update(
            {
                LABEL_INSTANCE_TYPE: instance.instanceType,
                LABEL_ZONE: instance.zone,
                LABEL_CAPACITY_TYPE: str(instance.capacityType),
            }
        )
        self.cluster.patch(
            "NodeClaim",
            None,
            name,
            {"metadata": {"labels": labels, "annotations": {ANNOTATION_PRICE: f"{instance.price:.6f}"}}},
        )
        how = "found the instance launched for it" if adopted else "launched"
        message = (
            f"{how} {instance.instanceId}: {instance.instanceType} ({instance.capacityType}, "
            f"{instance.zone}) at ${instance.price:.4f}/h"
        )
        status: Obj = {
            "providerID": provider_id_of(instance),
            "conditions": _with_condition(_conditions(current), C.LAUNCHED, "True", "Launched", message, now),
        }
        if facts is not None:
            status["capacity"] = facts.capacity.as_quantities()
            status["allocatable"] = facts.allocatable.as_quantities()
        updated = self.cluster.patch("NodeClaim", None, name, {"status": status}, subresource="status")
        self._event(updated, "Normal", "Launched", message, now)
        return updated

    # -- effects ----------------------------------------------------------------------------------------
    def _event(self, obj: Obj, type_: str, reason: str, message: str, now: datetime) -> None:
        record_event(self.cluster, obj, type_, reason, message, now, self.component)

    def _delete(self, claim_obj: Obj, reason: str, message: str, now: datetime) -> None:
        self._event(claim_obj, "Warning", reason, message, now)
        with contextlib.suppress(NotFound):
            self.cluster.delete("NodeClaim", None, _meta(claim_obj).get("name", ""))

    def terminate(self, claim_obj: Obj, reason: str, message: str, now: datetime) -> None:
        """Delete a claim with an event, terminating its instance (its Node goes by ownerReference)."""
        instance_id = instance_id_of((claim_obj.get("status") or {}).get("providerID"))
        if instance_id is None:
            found = self.find(token=str(_meta(claim_obj).get("uid") or ""))
            instance_id = found.instanceId if found is not None else None
        if instance_id is not None:
            with contextlib.suppress(CloudError):
                self.cloud.terminate([instance_id])
        self._delete(claim_obj, reason, message, now)


def _node_manifest(
    claim_obj: Obj, claim: NodeClaim, facts: NodeFacts, instance: Instance, now: datetime
) -> Obj:
    name = claim.metadata.name or ""
    taints = [
        t.model_dump(mode="json", exclude_none=True) for t in (*claim.spec.taints, *claim.spec.startupTaints)
    ]
    mounts = [{"path": m.path, "sizeBytes": m.sizeBytes, "source": str(m.source)} for m in facts.mounts]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {**facts.labels, LABEL_HOSTNAME: name},
            "annotations": {ANNOTATION_PRICE: f"{instance.price:.6f}", ANNOTATION_MOUNTS: json.dumps(mounts)},
            "ownerReferences": [
                {
                    "apiVersion": API_VERSION,
                    "kind": "NodeClaim",
                    "name": name,
                    "uid": _meta(claim_obj).get("uid"),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {"providerID": provider_id_of(instance), "taints": taints},
        "status": {
            "capacity": facts.capacity.as_quantities(),
            "allocatable": facts.allocatable.as_quantities(),
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                    "lastTransitionTime": format_rfc3339(now),
                }
            ],
            "addresses": [{"type": "Hostname", "address": name}],
            "nodeInfo": {
                "architecture": facts.labels.get("kubernetes.io/arch", ""),
                "operatingSystem": facts.labels.get("kubernetes.io/os", "linux"),
            },
        },
    }


def _node_ready(node: Obj) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (node.get("status") or {}).get("conditions") or []
    )


class NodeClaimReconciler:
    """Reconciler (see controllers.runner) for NodeClaims, keyed by name; `CLOUD_KEY` polls the cloud."""

    name = "nodeclaim"

    def __init__(
        self, cluster: Cluster, clock: Clock, launcher: Launcher, *, component: str = COMPONENT
    ) -> None:
        self.cluster = cluster
        self.clock = clock
        self.launcher = launcher
        self.cloud = launcher.cloud
        self.component = component
        self._lock = threading.RLock()

    # -- Reconciler protocol ----------------------------------------------------------------------------
    def watches(self) -> Sequence[str]:
        return ("NodeClaim", "Node")

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        obj = event.object
        if obj.get("kind") == "NodeClaim":
            return [_meta(obj).get("name", ""), CLOUD_KEY]
        owner = claim_owner(obj)
        return [owner] if owner else []

    def reconcile(self, key: str) -> Result:
        with self._lock:
            if key == CLOUD_KEY:
                return self._poll()
            return self._reconcile(key)

    # -- one claim --------------------------------------------------------------------------------------
    def _reconcile(self, name: str) -> Result:
        try:
            obj = self.cluster.get("NodeClaim", None, name)
        except NotFound:
            self._finalize(name)
            return Result()
        try:
            claim = NodeClaim.model_validate(obj)
        except ValidationError as exc:
            log.warning("NodeClaim %s does not parse; not reconciling it: %s", name, exc)
            return Result()
        now = self.clock.now()
        age = now - parse_rfc3339(claim.metadata.creationTimestamp or format_rfc3339(now))
        if not condition_true(obj, C.LAUNCHED):
            if age >= LAUNCH_TIMEOUT:
                message = f"not launched within {_minutes(LAUNCH_TIMEOUT)} of its creation"
                self.launcher.terminate(obj, "LaunchTimeout", message, now)
                return Result()
            outcome = self.launcher.launch(obj)
            if outcome.deleted:
                return Result()
            if outcome.instance is None:
                return Result(requeue_after=LAUNCH_RETRY_SECONDS)
            obj = outcome.claim
        instance = self.launcher.find(instance_id=instance_id_of((obj.get("status") or {}).get("providerID")))
        if instance is None:
            self.launcher.terminate(obj, "InstanceTerminated", "its instance is no longer running", now)
            return Result()
        if not condition_true(obj, C.REGISTERED):
            if instance.state is not InstanceState.RUNNING:
                if age >= REGISTRATION_TIMEOUT:
                    message = f"not registered within {_minutes(REGISTRATION_TIMEOUT)} of its creation"
                    self.launcher.terminate(obj, "RegistrationTimeout", message, now)
                    return Result()
                return Result(requeue_after=POLL_SECONDS)
            registered = self._register(obj, claim, instance, now)
            if registered is None:
                return Result(requeue_after=POLL_SECONDS)
            obj = registered
        return self._initialize(obj, claim, now)

    def _register(self, obj: Obj, claim: NodeClaim, instance: Instance, now: datetime) -> Obj | None:
        """Create (or adopt) the Node for a running instance and mark the claim Registered."""
        name = claim.metadata.name or ""
        facts = self.launcher.facts(claim, instance)
        if facts is None:
            log.warning("NodeClaim %s: its NodePool or instance type is unknown; cannot register yet", name)
            return None
        try:
            node = self.cluster.get("Node", None, name)
        except NotFound:
            node = self.cluster.create(_node_manifest(obj, claim, facts, instance, now))
            message = f"Node {name} registered ({instance.instanceType}, {instance.zone})"
        else:
            manifest = _node_manifest(obj, claim, facts, instance, now)
            node = self.cluster.patch(
                "Node",
                None,
                name,
                {
                    "metadata": {
                        k: manifest["metadata"][k] for k in ("labels", "annotations", "ownerReferences")
                    }
                },
            )
            message = f"Node {name} adopted ({instance.instanceType}, {instance.zone})"
        status = {
            "nodeName": name,
            "conditions": _with_condition(_conditions(obj), C.REGISTERED, "True", "Registered", message, now),
        }
        updated = self.cluster.patch("NodeClaim", None, name, {"status": status}, subresource="status")
        record_event(self.cluster, updated, "Normal", "Registered", message, now, self.component)
        record_event(
            self.cluster,
            node,
            "Normal",
            "Registered",
            f"registered for NodeClaim {name}",
            now,
            self.component,
        )
        return updated

    def _initialize(self, obj: Obj, claim: NodeClaim, now: datetime) -> Result:
        name = claim.metadata.name or ""
        node_name = (obj.get("status") or {}).get("nodeName") or name
        try:
            node = self.cluster.get("Node", None, node_name)
        except NotFound:
            self.launcher.terminate(obj, "NodeDeleted", f"its Node {node_name} was deleted", now)
            return Result()
        if condition_true(obj, C.INITIALIZED):
            return Result(requeue_after=RESYNC_SECONDS)
        startup = {(t.key, str(t.effect)) for t in claim.spec.startupTaints}
        left = [
            t
            for t in (node.get("spec") or {}).get("taints") or []
            if (t.get("key"), t.get("effect")) in startup
        ]
        if not _node_ready(node) or left:
            return Result(requeue_after=POLL_SECONDS)
        message = f"Node {node_name} is ready"
        conditions = _with_condition(_conditions(obj), C.INITIALIZED, "True", "Initialized", message, now)
        conditions = _with_condition(conditions, C.READY, "True", "Ready", message, now)
        updated = self.cluster.patch(
            "NodeClaim", None, name, {"status": {"conditions": conditions}}, subresource="status"
        )
        record_event(self.cluster, updated, "Normal", "Initialized", message, now, self.component)
        return Result(requeue_after=RESYNC_SECONDS)

    def _finalize(self, name: str) -> None:
        """The claim is gone: terminate its instance and delete a Node left behind."""
        now = self.clock.now()
        involved: Obj = {"apiVersion": API_VERSION, "kind": "NodeClaim", "metadata": {"name": name}}
        for instance in self.cloud.list_instances():
            if instance.nodeClaimName == name and _ours(instance):
                self.cloud.terminate([instance.instanceId])
                message = (
                    f"terminated {instance.instanceId} ({instance.instanceType}): the NodeClaim was deleted"
                )
                record_event(
                    self.cluster, involved, "Normal", "InstanceTerminated", message, now, self.component
                )
        with contextlib.suppress(NotFound):
            node = self.cluster.get("Node", None, name)
            if claim_owner(node) == name:
                self.cluster.delete("Node", None, name)

    # -- the cloud's events -----------------------------------------------------------------------------
    def _poll(self) -> Result:
        touched: dict[str, None] = {}
        for event in self.cloud.poll_events():
            if event.kind is CloudEventKind.SPOT_INTERRUPTION_WARNING:
                self._interrupted(event)
            elif event.kind is CloudEventKind.STATE_CHANGE and event.state is not InstanceState.PENDING:
                touched[event.nodeClaimName] = None
        for name in touched:
            self._reconcile(name)
        instances = self.cloud.list_instances()
        claims = {_meta(c).get("name") for c in self.cluster.list("NodeClaim").items}
        for instance in instances:
            if _ours(instance) and instance.nodeClaimName not in claims:
                self._finalize(instance.nodeClaimName)
        return Result(requeue_after=POLL_SECONDS) if claims or instances else Result()

    def _interrupted(self, event: CloudEvent) -> None:
        now = self.clock.now()
        self.launcher.offerings.mark([event.offering], event.time)
        when = format_rfc3339(event.time)
        deadline = format_rfc3339(event.deadline) if event.deadline else "soon"
        message = (
            f"spot interruption notice for {event.instanceId} ({event.instanceType}, {event.zone}): "
            f"reclaimed at {deadline}"
        )
        patch = {"metadata": {"annotations": {ANNOTATION_INTERRUPTED_AT: when}}}
        for kind in ("NodeClaim", "Node"):
            try:
                obj = self.cluster.patch(kind, None, event.nodeClaimName, patch)
            except NotFound:
                continue
            record_event(self.cluster, obj, "Warning", "SpotInterrupted", message, now, self.component)


def _minutes(delta: timedelta) -> str:
    return f"{int(delta.total_seconds() // 60)}m"
