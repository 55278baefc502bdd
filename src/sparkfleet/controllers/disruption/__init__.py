"""The disruption controller: every 10 s, one look at the fleet through `engine.disruption`, and its effects.

The reconciler runs the pass (reconciler.py) over the fleet as read from the store and the times each
node's pods last changed, which consolidateAfter counts from (fleetstate.py); it builds the snapshot: nodes
of NodePools with their pods, NodeClaims not registered yet as in-flight room, and the spot interruption
notices the NodeClaim lifecycle wrote (snapshot.py). The actions the engine decides are applied and carried
on (effects.py) from the record each disrupted node keeps (record.py), so a restarted controller carries on
where it stopped. A spot interruption cordons its node and does not wait for the replacement: the instance
goes anyway.

Graceful methods (emptiness, consolidation) never evict a Spark driver or executor: the engine does not
choose nodes that run one, and an action that would is refused here as well.
"""

from sparkfleet.controllers.disruption.reconciler import PASS_SECONDS, DisruptionReconciler

__all__ = ["PASS_SECONDS", "DisruptionReconciler"]
