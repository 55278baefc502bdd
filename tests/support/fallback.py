"""What the blueprint's multi-arch job leaves behind when the simulated EC2 has no Graviton capacity
(examples/scenarios/graviton-unavailable.yaml), in either topology of the controllers."""

from __future__ import annotations

from sparkfleet.cluster import Cluster


def assert_fell_back_to_intel_with_its_gang_reserved(cluster: Cluster) -> None:
    """Every NodeClaim is an r5d (the Intel pool), the Graviton launch failed for capacity, the gang was
    reserved with placeholders, and none of them is left."""
    claims = cluster.list("NodeClaim").items
    reasons = {e.get("reason") for e in cluster.list("Event").items}
    pods = cluster.list("Pod", "spark-team-a").items
    labels = [c["metadata"].get("labels") or {} for c in claims]
    types = {found.get("node.kubernetes.io/instance-type", "") for found in labels}
    assert types and all(t.startswith("r5d.") for t in types), types
    assert "InsufficientCapacityError" in reasons
    assert "GangReservationComplete" in reasons
    assert not [
        p for p in pods if (p["metadata"].get("annotations") or {}).get("yunikorn.apache.org/placeholder")
    ]
