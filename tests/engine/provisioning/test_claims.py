"""Planned claims as `karpenter.sh/v1` NodeClaim objects."""

from __future__ import annotations

from sparkfleet.api.blueprint import SPARK_MEMORY_OPTIMIZED
from sparkfleet.api.karpenter import validate_nodeclaim
from sparkfleet.engine.provisioning.claims import to_nodeclaim
from sparkfleet.engine.provisioning.plan import plan

from .builders import blueprint_fleet, pods, request


def test_a_planned_claim_renders_as_a_valid_nodeclaim() -> None:
    f = blueprint_fleet()
    result = plan(request(f, pods("e", 3, 4, "28Gi", selector={"NodeGroupType": "SparkMemoryOptimized"})))
    claim = result.claims[0]
    pool = next(p for p in f.nodePools if p.name == claim.nodePool)
    nodeclaim = to_nodeclaim(claim, pool)
    assert validate_nodeclaim(nodeclaim) == []
    by_key = {r.key: r for r in nodeclaim.spec.requirements}
    assert by_key["node.kubernetes.io/instance-type"].values == list(claim.instanceTypes)
    assert by_key["karpenter.sh/nodepool"].values == [SPARK_MEMORY_OPTIMIZED]
    assert nodeclaim.metadata.labels["karpenter.sh/nodepool"] == SPARK_MEMORY_OPTIMIZED
    assert nodeclaim.spec.nodeClassRef.name == SPARK_MEMORY_OPTIMIZED
    assert nodeclaim.spec.resources.requests["cpu"] == "12"


def test_the_nodeclaim_pins_the_allowed_capacity_types_and_zones() -> None:
    f = blueprint_fleet()
    selector = {"NodeGroupType": "SparkComputeOptimized", "karpenter.sh/capacity-type": "on-demand"}
    (claim,) = plan(request(f, pods("d", 1, 1, "4Gi", selector=selector))).claims
    nodeclaim = to_nodeclaim(claim, next(p for p in f.nodePools if p.name == claim.nodePool))
    by_key = {r.key: r for r in nodeclaim.spec.requirements}
    assert by_key["karpenter.sh/capacity-type"].values == ["on-demand"]
    assert by_key["topology.kubernetes.io/zone"].values == list(claim.zones)
    assert by_key["karpenter.k8s.aws/instance-generation"].operator == "Gt"
    assert nodeclaim.metadata.annotations["sparkfleet.io/planned-instance-type"] == claim.instanceType
