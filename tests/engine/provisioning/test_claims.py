"""Planned claims as `karpenter.sh/v1` NodeClaim objects."""

from __future__ import annotations

from sparkfleet.api.blueprint import SPARK_MEMORY_OPTIMIZED
from sparkfleet.api.karpenter import validate_nodeclaim
from sparkfleet.engine.provisioning.claims import nodeclaim_manifest, to_nodeclaim
from sparkfleet.engine.provisioning.plan import plan

from .builders import blueprint_fleet, pods, request


def test_a_planned_claim_renders_as_a_valid_nodeclaim() -> None:
    f = blueprint_fleet()
    result = plan(request(f, pods("e", 3, 4, "28Gi", selector={"NodeGroupType": "SparkMemoryOptimized"})))
    claim = result.claims[0]
    pool = next(p for p in f.node_pools if p.name == claim.node_pool)
    nodeclaim = to_nodeclaim(claim, pool)
    assert validate_nodeclaim(nodeclaim) == []
    by_key = {r.key: r for r in nodeclaim.spec.requirements}
    assert by_key["node.kubernetes.io/instance-type"].values == list(claim.instance_types)
    assert by_key["karpenter.sh/nodepool"].values == [SPARK_MEMORY_OPTIMIZED]
    assert nodeclaim.metadata.labels["karpenter.sh/nodepool"] == SPARK_MEMORY_OPTIMIZED
    assert nodeclaim.spec.nodeClassRef.name == SPARK_MEMORY_OPTIMIZED
    assert nodeclaim.spec.resources.requests["cpu"] == "12"


def test_the_nodeclaim_pins_the_allowed_capacity_types_and_zones() -> None:
    f = blueprint_fleet()
    selector = {"NodeGroupType": "SparkComputeOptimized", "karpenter.sh/capacity-type": "on-demand"}
    (claim,) = plan(request(f, pods("d", 1, 1, "4Gi", selector=selector))).claims
    nodeclaim = to_nodeclaim(claim, next(p for p in f.node_pools if p.name == claim.node_pool))
    by_key = {r.key: r for r in nodeclaim.spec.requirements}
    assert by_key["karpenter.sh/capacity-type"].values == ["on-demand"]
    assert by_key["topology.kubernetes.io/zone"].values == list(claim.zones)
    assert by_key["karpenter.k8s.aws/instance-generation"].operator == "Gt"
    assert nodeclaim.metadata.annotations["sparkfleet.io/planned-instance-type"] == claim.instance_type


def test_the_stored_nodeclaim_is_named_by_the_store_owned_by_its_pool_and_carries_the_planned_offering() -> (
    None
):
    f = blueprint_fleet()
    (claim,) = plan(
        request(f, pods("d", 1, 1, "4Gi", selector={"NodeGroupType": "SparkComputeOptimized"}))
    ).claims
    pool = next(p for p in f.node_pools if p.name == claim.node_pool)
    pool = pool.model_copy(update={"metadata": pool.metadata.model_copy(update={"uid": "pool-uid"})})
    body = nodeclaim_manifest(claim, pool)
    meta = body["metadata"]
    assert "name" not in meta and meta["generateName"] == f"{pool.name}-"
    assert meta["labels"]["karpenter.sh/nodepool"] == pool.name
    assert meta["annotations"]["sparkfleet.io/planned-zone"] == claim.zone
    assert meta["annotations"]["sparkfleet.io/planned-capacity-type"] == str(claim.capacity_type)
    assert float(meta["annotations"]["sparkfleet.io/price-per-hour"]) == round(claim.price, 6)
    assert meta["ownerReferences"] == [
        {
            "apiVersion": pool.apiVersion,
            "kind": "NodePool",
            "name": pool.name,
            "uid": "pool-uid",
            "blockOwnerDeletion": True,
        }
    ]
