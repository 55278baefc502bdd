"""The scheduler controller: YuniKorn's shim as one reconcile loop over the whole partition.

There is a single key (the partition) and one scheduling cycle per reconcile (reconciler.py): read the
queues ConfigMap (queueconfig.py: hot reload, an invalid one refused with a Warning Event and the last
valid one kept), list pods and nodes once, turn them into records cached per resourceVersion
(records.py), ask `engine.scheduling.schedule`, and apply the decision (effects.py).

The applications' statuses, the queue figures and the last valid queues.yaml are kept in the ConfigMap
`yunikorn/yunikorn-state`, whose format and reader live in `controllers.support.schedulerstate`, so that
another process (the command line) reads them without importing this controller.
"""

from sparkfleet.controllers.scheduler.reconciler import COMPONENT, PARTITION_KEY, SchedulerReconciler

__all__ = ["COMPONENT", "PARTITION_KEY", "SchedulerReconciler"]
