"""The EC2NodeClass status controller: what each node class's selector terms select, as Karpenter writes it.

One key per node class. A pass asks the Cloud port to resolve the node class and writes `status.subnets`,
`status.securityGroups`, `status.amis` and `status.instanceProfile`, and the conditions `SubnetsReady`,
`SecurityGroupsReady`, `AMIsReady`, `InstanceProfileReady` and `Ready`: a part that selects something is
True (reason: its type), one that selects nothing is False with Karpenter's reason (`SubnetsNotFound`,
...) and its list is left out; `Ready` is True (reason `Ready`) when the four are, else False with reason
`UnhealthyDependents` naming them. Conditions carry the generation they were computed for, and their
`lastTransitionTime` moves only when their status does. The status is written only when it changes.

Every node class is looked at again after `REFRESH` (Karpenter's AMI refresh, so a new `@latest` image is
picked up) or, when not ready, after `RETRY` (a subnet tagged later is found). A resolution the cloud
fails (throttling, refused credentials) is logged and tried again after `RETRY`; the status keeps what
it said last.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from sparkfleet.api.ec2nodeclass import REASON_UNHEALTHY_DEPENDENTS, EC2NodeClass, EC2NodeClassConditionType
from sparkfleet.api.wire import ConditionStatus
from sparkfleet.clock import Clock
from sparkfleet.cloud import Cloud, CloudError, NodeClassResolution
from sparkfleet.cluster import Cluster, NotFound, Obj, WatchEvent
from sparkfleet.controllers.support.conditions import conditions_of, meta_of, with_condition
from sparkfleet.reconcile import Result

__all__ = ["REFRESH", "RETRY", "NodeClassStatusReconciler", "status_of"]

log = logging.getLogger("sparkfleet.controllers.nodeclass")

REFRESH = 300.0
"""Seconds between two resolutions of a ready node class."""
RETRY = 60.0
"""Seconds before a node class that is not ready, or whose resolution failed, is resolved again."""

C = EC2NodeClassConditionType
PARTS = (C.SUBNETS_READY, C.SECURITY_GROUPS_READY, C.AMIS_READY, C.INSTANCE_PROFILE_READY)


def status_of(
    resolution: NodeClassResolution, current: dict[str, Any], generation: int | None, now: datetime
) -> dict[str, Any]:
    """The node class's new status from the resolution and its `current` status (kept apart from the
    fields this controller owns)."""
    status = {
        k: v
        for k, v in current.items()
        if k not in ("subnets", "securityGroups", "amis", "instanceProfile", "conditions")
    }
    found: dict[str, Any] = {
        "subnets": [s.model_dump(mode="json", exclude_none=True) for s in resolution.subnets],
        "securityGroups": [g.model_dump(mode="json", exclude_none=True) for g in resolution.security_groups],
        "amis": [a.model_dump(mode="json", exclude_none=True) for a in resolution.amis],
        "instanceProfile": resolution.instance_profile,
    }
    status.update({k: v for k, v in found.items() if v})
    conditions = conditions_of({"status": current})
    for part in PARTS:
        problem = resolution.problems.get(part)
        if problem is None:
            conditions = with_condition(conditions, part, ConditionStatus.TRUE, part, "", now)
        else:
            conditions = with_condition(
                conditions, part, ConditionStatus.FALSE, problem.reason, problem.message, now
            )
    unhealthy = [p for p in PARTS if p in resolution.problems]
    if unhealthy:
        message = ", ".join(f"{p}={ConditionStatus.FALSE}" for p in unhealthy)
        conditions = with_condition(
            conditions, C.READY, ConditionStatus.FALSE, REASON_UNHEALTHY_DEPENDENTS, message, now
        )
    else:
        conditions = with_condition(conditions, C.READY, ConditionStatus.TRUE, C.READY, "", now)
    if generation is not None:
        conditions = [{**c, "observedGeneration": generation} for c in conditions]
    status["conditions"] = conditions
    return status


class NodeClassStatusReconciler:
    """Reconciler (see sparkfleet.reconcile) for EC2NodeClasses' status, keyed by name."""

    name = "nodeclass-status"

    def __init__(self, cluster: Cluster, clock: Clock, cloud: Cloud) -> None:
        self.cluster = cluster
        self.clock = clock
        self.cloud = cloud
        self._failing: dict[str, str] = {}
        """Node class -> the last resolution error logged, so a lasting failure is logged once."""

    def watches(self) -> Sequence[str]:
        return ("EC2NodeClass",)

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        return [meta_of(event.object).get("name", "")]

    def reconcile(self, key: str) -> Result:
        try:
            obj = self.cluster.get("EC2NodeClass", None, key)
        except NotFound:
            self._failing.pop(key, None)
            return Result()
        try:
            node_class = EC2NodeClass.model_validate(obj)
        except ValidationError as exc:
            log.warning("EC2NodeClass %s does not parse; its status is not written: %s", key, exc)
            return Result()
        try:
            resolution = self.cloud.resolve_node_class(node_class)
        except CloudError as exc:
            if self._failing.get(key) != str(exc):
                log.warning("EC2NodeClass %s: resolving its selector terms failed: %s", key, exc)
            self._failing[key] = str(exc)
            return Result(requeue_after=RETRY)
        self._failing.pop(key, None)
        current = obj.get("status") or {}
        status = status_of(resolution, current, meta_of(obj).get("generation"), self.clock.now())
        if status != current:
            self.cluster.update_status(_with_status(obj, status))
        return Result(requeue_after=RETRY if resolution.problems else REFRESH)


def _with_status(obj: Obj, status: dict[str, Any]) -> Obj:
    return {**obj, "status": status}
