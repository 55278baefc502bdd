"""Where would the pods of some nodes go if those nodes were gone? The provisioning engine answers."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sparkfleet.engine.disruption.model import DisruptionSnapshot
from sparkfleet.engine.provisioning.model import ProvisioningPlan, ProvisioningRequest
from sparkfleet.engine.provisioning.offerings import UnavailableOfferings
from sparkfleet.engine.provisioning.plan import plan
from sparkfleet.engine.provisioning.pods import PodRequest
from sparkfleet.engine.provisioning.resources import Resources


def simulate(
    snapshot: DisruptionSnapshot,
    removed: Collection[str],
    pods: Sequence[PodRequest],
    *,
    unavailable: UnavailableOfferings | None = None,
    prefix: str = "",
) -> ProvisioningPlan:
    """Plan `pods` with the nodes in `removed` (and nodes already going away) out of the cluster: the
    other nodes' free room first, then new claims, the remaining nodes counting against pool limits."""
    remaining = [n for n in snapshot.nodes if n.name not in removed and not n.deleting and not n.interrupted]
    usage: dict[str, Resources] = {}
    for node in remaining:
        usage[node.node_pool] = usage.get(node.node_pool, Resources()) + (node.capacity or node.allocatable)
    request = ProvisioningRequest(
        fleet=snapshot.fleet,
        pods=list(pods),
        now=snapshot.now,
        nodes=[*(n.as_existing() for n in remaining), *snapshot.in_flight],
        unavailable=snapshot.unavailable if unavailable is None else unavailable,
        pool_usage=usage,
        claim_prefix=prefix,
    )
    return plan(request)
