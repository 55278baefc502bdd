"""The reconcile machinery shared by the controllers and the local kubelet: the `Reconciler` protocol, its
`Result`, the `Controller` that runs one, and the keyed `WorkQueue` under it.

It sits below both so that an adapter (the kubelet) can be driven like a controller without importing
one: it knows the cluster and clock ports and nothing above them.
"""

from sparkfleet.reconcile.informer import CachedCluster, Informer
from sparkfleet.reconcile.leader import LeaderElection, LeaseConfig
from sparkfleet.reconcile.pacing import Pacing
from sparkfleet.reconcile.runner import Controller, Reconciler, Result
from sparkfleet.reconcile.workqueue import WorkQueue

__all__ = [
    "CachedCluster",
    "Controller",
    "Informer",
    "LeaderElection",
    "LeaseConfig",
    "Pacing",
    "Reconciler",
    "Result",
    "WorkQueue",
]
