"""Garbage collection of what the cloud holds for the cluster, on a schedule by the injected clock.

A pass, at most every `INTERVAL` seconds (Karpenter's instance garbage collection runs every two minutes):
- the cloud's live instances whose NodeClaim does not exist are terminated once they are older than the
  cloud's grace period (`Cloud.collect_orphans`; a younger one may be a launch whose claim is still being
  written), each with a Normal `OrphanInstanceTerminated` Event on the NodeClaim it was launched for;
- launch templates no present EC2NodeClass uses are deleted (`Cloud.collect_launch_templates`), each with
  a Normal `LaunchTemplateDeleted` Event on its EC2NodeClass.
A pass the cloud fails is logged and tried again at the next interval.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sparkfleet.api.ec2nodeclass import API_VERSION as NODECLASS_API_VERSION
from sparkfleet.api.karpenter import API_VERSION as KARPENTER_API_VERSION
from sparkfleet.api.wire import EventType
from sparkfleet.clock import Clock
from sparkfleet.cloud import Cloud, CloudError, CollectedTemplate, Instance
from sparkfleet.cluster import Cluster, WatchEvent, record_event
from sparkfleet.controllers.support.conditions import meta_of
from sparkfleet.controllers.support.fleet import COMPONENT
from sparkfleet.reconcile import Pacing, Result

__all__ = [
    "INTERVAL",
    "KEY",
    "REASON_LAUNCH_TEMPLATE_DELETED",
    "REASON_ORPHAN_TERMINATED",
    "Collected",
    "GarbageCollectionReconciler",
]

log = logging.getLogger("sparkfleet.controllers.garbagecollection")

KEY = "@garbage"
INTERVAL = 120.0
REASON_ORPHAN_TERMINATED = "OrphanInstanceTerminated"
REASON_LAUNCH_TEMPLATE_DELETED = "LaunchTemplateDeleted"


@dataclass(frozen=True)
class Collected:
    """What one pass collected."""

    instances: tuple[Instance, ...] = ()
    templates: tuple[CollectedTemplate, ...] = ()


@dataclass(eq=False, repr=False)
class GarbageCollectionReconciler:
    """Reconciler (see sparkfleet.reconcile) with one key, `KEY`; passes at most every `interval` s."""

    cluster: Cluster
    clock: Clock
    cloud: Cloud
    interval: float = field(default=INTERVAL, kw_only=True)
    component: str = field(default=COMPONENT, kw_only=True)
    name: str = field(default="garbagecollection", init=False)
    last: Collected | None = field(default=None, init=False)
    _pacing: Pacing = field(init=False)

    def __post_init__(self) -> None:
        self._pacing = Pacing(self.clock)

    def watches(self) -> Sequence[str]:
        return ("NodeClaim", "EC2NodeClass")

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        return [KEY]

    def reconcile(self, key: str) -> Result:
        with self._pacing.turn(self.interval) as wait:
            if wait is not None:
                return Result(requeue_after=wait)
            try:
                self.last = self.collect()
            except CloudError as exc:
                log.warning("garbage collection failed; tried again in %.0f s: %s", self.interval, exc)
            return Result(requeue_after=self.interval)

    def collect(self) -> Collected:
        """One pass: orphaned instances, then unused launch templates, each with its Event."""
        claims = {meta_of(c).get("name", "") for c in self.cluster.list("NodeClaim").items}
        instances = self.cloud.collect_orphans(claims)
        now = self.clock.now()
        for instance in instances:
            self._orphan_event(instance, now)
        classes = [meta_of(c).get("name", "") for c in self.cluster.list("EC2NodeClass").items]
        templates = self.cloud.collect_launch_templates(classes)
        for template in templates:
            involved = {
                "apiVersion": NODECLASS_API_VERSION,
                "kind": "EC2NodeClass",
                "metadata": {"name": template.node_class},
            }
            message = f"deleted launch template {template.name}: no present EC2NodeClass uses it"
            record_event(
                self.cluster,
                involved,
                EventType.NORMAL,
                REASON_LAUNCH_TEMPLATE_DELETED,
                message,
                now,
                self.component,
            )
        return Collected(tuple(instances), tuple(templates))

    def _orphan_event(self, instance: Instance, now: datetime) -> None:
        involved = {
            "apiVersion": KARPENTER_API_VERSION,
            "kind": "NodeClaim",
            "metadata": {"name": instance.node_claim_name},
        }
        message = (
            f"terminated {instance.instance_id} ({instance.instance_type}, {instance.zone}): its NodeClaim "
            f"{instance.node_claim_name or '(none)'} does not exist"
        )
        record_event(
            self.cluster, involved, EventType.NORMAL, REASON_ORPHAN_TERMINATED, message, now, self.component
        )
