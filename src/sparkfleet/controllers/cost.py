"""The cost controller: the one owner of cost accrual.

Each pass reads the priced Nodes and the pods bound to them, and steps the ledger (`engine.cost.accrue`):
the rates seen at the last pass are charged for the time since, and the new pass's rates kept. Passes run
on every change of a bound pod or a Node, and every `flush_seconds` between, so the sums follow the pods
to within a pass's delay.

Writes are bounded: an application's `sparkfleet.io/cost` annotation is written when its pods changed
(bound, started, ended) and otherwise at most once per `flush_seconds`, and only when an amount changed;
the fleet ledger (ConfigMap `sparkfleet-cost` in the scheduler's namespace, `engine.cost.ledgerformat`)
with them, and otherwise once per `flush_seconds`. After a restart the ledger and the annotations are
read back, and the time the controller was away is charged at the rates of its first pass (the nodes
ran meanwhile).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sparkfleet.api.appinsight import cost_of
from sparkfleet.api.wire import ANNOTATION_COST, LABEL_APP_NAME, LABEL_MANAGED_BY
from sparkfleet.clock import Clock
from sparkfleet.cluster import (
    LIVE_PODS,
    AlreadyExists,
    Cluster,
    ClusterError,
    NotFound,
    Obj,
    WatchEvent,
    WatchEventType,
)
from sparkfleet.controllers.support import NAMESPACE, InsightMetrics, read_state
from sparkfleet.engine.cost import (
    AppKey,
    CostKind,
    Ledger,
    account_of,
    accrue,
    cost_annotation,
    decode_ledger,
    encode_ledger,
    forget_apps,
    rates,
    snapshot_from_objects,
)
from sparkfleet.reconcile import Result

__all__ = ["COST_CONFIGMAP", "FLUSH_SECONDS", "CostReconciler", "read_ledger"]

log = logging.getLogger("sparkfleet.controllers.cost")

COST_CONFIGMAP = "sparkfleet-cost"
FLUSH_SECONDS = 30.0
KEY = "fleet"
_MANAGER = "sparkfleet-cost"


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def read_ledger(cluster: Cluster, namespace: str = NAMESPACE) -> Ledger:
    """The fleet ledger the cost controller last wrote (empty before its first write)."""
    try:
        obj = cluster.get("ConfigMap", namespace, COST_CONFIGMAP)
    except NotFound:
        return Ledger()
    return decode_ledger(obj.get("data") or {})


def _amounts(text: str | None) -> tuple[float, ...] | None:
    """The amounts of an annotation value, without its time (unchanged amounts are not written again)."""
    cost = cost_of({"metadata": {"annotations": {ANNOTATION_COST: text}}}) if text else None
    return None if cost is None else (cost.spot, cost.on_demand, cost.placeholder_waste)


class CostReconciler:
    name = "cost"

    def __init__(
        self,
        cluster: Cluster,
        clock: Clock,
        *,
        metrics: InsightMetrics | None = None,
        flush_seconds: float = FLUSH_SECONDS,
        namespace: str = NAMESPACE,
    ) -> None:
        self.cluster = cluster
        self.clock = clock
        self.metrics = metrics
        self.flush_seconds = flush_seconds
        self.namespace = namespace
        self.ledger: Ledger | None = None
        self._written: dict[AppKey, tuple[float, ...] | None] = {}
        self._pods_seen: dict[AppKey, frozenset[tuple[str, str, str]]] = {}
        self._last_flush: datetime | None = None
        self._ledger_text: str | None = None

    def watches(self) -> tuple[str, ...]:
        return ("Pod", "Node", "SparkApplication")

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        kind = event.object.get("kind")
        if kind == "SparkApplication":
            # Our own annotation writes modify applications: only their coming and going matter here.
            return [KEY] if event.type != WatchEventType.MODIFIED else []
        if kind == "Pod":
            return [KEY] if (event.object.get("spec") or {}).get("nodeName") else []
        return [KEY]

    # -- one pass -------------------------------------------------------------------------------------
    def reconcile(self, key: str) -> Result:
        now = self.clock.now()
        nodes = self.cluster.list("Node").items
        pods = self.cluster.list("Pod", field_selector=LIVE_PODS).items  # ended pods accrue nothing
        apps = {
            AppKey(str(_meta(a).get("namespace") or "default"), str(_meta(a).get("name") or "")): a
            for a in self.cluster.list("SparkApplication").items
        }
        state = read_state(self.cluster, self.namespace)
        queues = {app_id: s.queue for app_id, s in state.apps.items() if s.queue} if state else {}
        snapshot = snapshot_from_objects(nodes, pods, queues)
        if self.ledger is None:
            self.ledger = self._resume(apps, rates(snapshot))
        ledger = forget_apps(accrue(self.ledger, snapshot, now), set(apps))
        self.ledger = ledger
        changed = self._pods_changed(pods, set(apps))
        flush = self._last_flush is None or (now - self._last_flush).total_seconds() >= self.flush_seconds
        wrote = False
        for app_key, obj in apps.items():
            if flush or app_key in changed:
                wrote = self._write_app(app_key, obj, ledger, now) or wrote
        # The ledger goes with every annotation write, so that a restart resumes both from one moment
        # (an annotation ahead of the ledger would be charged the time between twice).
        if flush or wrote:
            self._write_ledger(ledger)
        if flush:
            self._last_flush = now
        for gone in set(self._written) - set(apps):
            del self._written[gone]
        self._publish(ledger)
        return Result(requeue_after=self.flush_seconds)

    def _resume(self, apps: Mapping[AppKey, Obj], current: Mapping[Any, float]) -> Ledger:
        """The ledger kept before this process: its lines, and each application's annotation."""
        kept = read_ledger(self.cluster, self.namespace)
        accounts = {}
        for app_key, obj in apps.items():
            cost = cost_of(obj)
            if cost is not None:
                accounts[app_key] = account_of(cost)
                self._written[app_key] = (cost.spot, cost.on_demand, cost.placeholder_waste)
        return replace(kept, apps=accounts, rates=dict(current) if kept.as_of is not None else {})

    def _pods_changed(self, pods: list[Obj], live: set[AppKey]) -> set[AppKey]:
        """Applications whose pods were bound, started or ended since the last pass."""
        seen: dict[AppKey, set[tuple[str, str, str]]] = defaultdict(set)
        for pod in pods:
            meta = _meta(pod)
            name = (meta.get("labels") or {}).get(LABEL_APP_NAME)
            if name:
                app_key = AppKey(str(meta.get("namespace") or "default"), str(name))
                node = str((pod.get("spec") or {}).get("nodeName") or "")
                seen[app_key].add((str(meta.get("name")), node, str((pod.get("status") or {}).get("phase"))))
        now = {k: frozenset(v) for k, v in seen.items() if k in live}
        changed = {k for k in set(now) | set(self._pods_seen) if now.get(k) != self._pods_seen.get(k)}
        self._pods_seen = now
        return changed

    # -- writes ---------------------------------------------------------------------------------------
    def _write_app(self, app_key: AppKey, obj: Obj, ledger: Ledger, now: datetime) -> bool:
        """Whether the annotation was written (False: unchanged, or the write failed)."""
        account = ledger.apps.get(app_key)
        if account is None:
            return False
        text = cost_annotation(account, now)
        amounts = _amounts(text)
        if amounts == self._written.get(app_key):
            return False
        try:
            self.cluster.patch(
                "SparkApplication",
                app_key.namespace,
                app_key.application,
                {"metadata": {"annotations": {ANNOTATION_COST: text}}},
            )
        except NotFound:
            return False
        except ClusterError as exc:
            log.warning("cost of %s/%s not written: %s", app_key.namespace, app_key.application, exc)
            return False
        self._written[app_key] = amounts
        return True

    def _write_ledger(self, ledger: Ledger) -> None:
        data = encode_ledger(ledger)
        text = next(iter(data.values()))
        if text == self._ledger_text:
            return
        try:
            try:
                self.cluster.patch("ConfigMap", self.namespace, COST_CONFIGMAP, {"data": data})
            except NotFound:
                body = {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {
                        "name": COST_CONFIGMAP,
                        "namespace": self.namespace,
                        "labels": {LABEL_MANAGED_BY: _MANAGER},
                    },
                    "data": data,
                }
                try:
                    self.cluster.create(body)
                except AlreadyExists:
                    self.cluster.patch("ConfigMap", self.namespace, COST_CONFIGMAP, {"data": data})
        except ClusterError as exc:
            log.warning("cost ledger not written: %s", exc)
            return
        self._ledger_text = text

    def _publish(self, ledger: Ledger) -> None:
        if self.metrics is None:
            return
        apps = {}
        for app_key, account in ledger.apps.items():
            for capacity, dollars in (("spot", account.spot), ("on-demand", account.on_demand)):
                if dollars > 0:
                    apps[(app_key.namespace, app_key.application, account.queue, capacity)] = dollars
        queues: dict[tuple[str, str], float] = defaultdict(float)
        waste: dict[str, float] = {CostKind.PLACEHOLDER.value: 0.0, CostKind.IDLE.value: 0.0}
        for line, dollars in ledger.fleet.items():
            if line.kind == CostKind.IDLE:
                waste[CostKind.IDLE.value] += dollars
                continue
            if line.kind == CostKind.PLACEHOLDER:
                waste[CostKind.PLACEHOLDER.value] += dollars
            if line.queue:
                queues[(line.queue, line.capacity_type or "on-demand")] += dollars
        self.metrics.set_costs(apps, queues, waste)
