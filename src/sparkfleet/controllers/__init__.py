"""controllers: the reconcile loops, one per kind they own.

The controllers that are a single module are exported here; those that are packages
(`controllers.disruption`, `controllers.nodeclaim`, `controllers.scheduler`) and what they share
(`controllers.support`) are faces of their own. The names load on first use, so importing one controller
(or `controllers.support`) does not load the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sparkfleet.controllers.cost import CostReconciler, read_ledger
    from sparkfleet.controllers.garbagecollection import GarbageCollectionReconciler
    from sparkfleet.controllers.nodeclass import NodeClassStatusReconciler
    from sparkfleet.controllers.provisioner import ProvisionerReconciler
    from sparkfleet.controllers.scheduledsparkapplication import ScheduledSparkApplicationReconciler
    from sparkfleet.controllers.sparkapplication import SparkApplicationReconciler
    from sparkfleet.controllers.sparkconnect import SparkConnectReconciler
    from sparkfleet.controllers.timeline import TimelineReconciler, explain_now

__all__ = [
    "CostReconciler",
    "GarbageCollectionReconciler",
    "NodeClassStatusReconciler",
    "ProvisionerReconciler",
    "ScheduledSparkApplicationReconciler",
    "SparkApplicationReconciler",
    "SparkConnectReconciler",
    "TimelineReconciler",
    "explain_now",
    "read_ledger",
]

_HOMES = {
    "CostReconciler": "sparkfleet.controllers.cost",
    "GarbageCollectionReconciler": "sparkfleet.controllers.garbagecollection",
    "NodeClassStatusReconciler": "sparkfleet.controllers.nodeclass",
    "ProvisionerReconciler": "sparkfleet.controllers.provisioner",
    "ScheduledSparkApplicationReconciler": "sparkfleet.controllers.scheduledsparkapplication",
    "SparkApplicationReconciler": "sparkfleet.controllers.sparkapplication",
    "SparkConnectReconciler": "sparkfleet.controllers.sparkconnect",
    "TimelineReconciler": "sparkfleet.controllers.timeline",
    "explain_now": "sparkfleet.controllers.timeline",
    "read_ledger": "sparkfleet.controllers.cost",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
