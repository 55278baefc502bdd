"""Insufficient capacity: the plan is recomputed at once, to other types and then lower-weight pools."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sparkfleet.api.blueprint import (
    SPARK_COMPUTE_OPTIMIZED,
    SPARK_GRAVITON_MEMORY_OPTIMIZED,
    SPARK_MEMORY_OPTIMIZED,
    spark_graviton_memory_optimized,
    spark_memory_optimized,
)
from sparkfleet.api.instancetypes import OfferingKey
from sparkfleet.api.scenario import Scenario, UnavailableOffering
from sparkfleet.api.wire import CapacityType
from sparkfleet.engine.provisioning.fallback import replan_after_launch_failure, replan_after_launch_failures
from sparkfleet.engine.provisioning.plan import plan

from .builders import GRAVITON_FAMILIES, NOW, blueprint_fleet, pod, pods, provisioning_round, request

NO_GRAVITON = Scenario(
    unavailableOfferings=[UnavailableOffering(instanceFamily=f) for f in GRAVITON_FAMILIES]
)


def _spark_app(selector: dict[str, str]) -> list:  # type: ignore[type-arg]
    return [pod("driver", 1, "4Gi", selector=selector), *pods("exec", 8, 4, "28Gi", selector=selector)]


def test_graviton_to_intel_r5d_fallback_happens_in_one_round() -> None:
    # the seed document's pair: Graviton at weight 100, Intel r5d at weight 50, both `multiArch: Spark`
    f = blueprint_fleet(pools=[spark_graviton_memory_optimized(), spark_memory_optimized()])
    req = request(f, _spark_app({"multiArch": "Spark"}))
    first = plan(req)
    assert {c.node_pool for c in first.claims} == {SPARK_GRAVITON_MEMORY_OPTIMIZED}

    done = provisioning_round(req, NO_GRAVITON)

    assert {c.node_pool for c in done.plan.claims} == {SPARK_MEMORY_OPTIMIZED}
    assert set(done.launched) == {c.name for c in done.plan.claims}
    assert all(t.startswith("r5d.") for t in done.launched.values())
    assert {p for c in done.plan.claims for p in c.pods} == {p.id for p in req.pods}
    assert not done.plan.unschedulable
    fallbacks = [fb.to_dict() for fb in done.plan.fallbacks]
    assert fallbacks and fallbacks[0]["from"] == SPARK_GRAVITON_MEMORY_OPTIMIZED
    assert fallbacks[-1]["to"] == SPARK_MEMORY_OPTIMIZED
    assert fallbacks[0]["reason"].startswith("InsufficientInstanceCapacity for r")
    assert any(o.instanceType.startswith("r6g.") for o in done.plan.unavailable.active(NOW))


def test_the_blueprint_chain_tries_every_pool_by_weight_within_the_round() -> None:
    # all four pools: Graviton, then compute-optimized c5d (also weight 100), then r5d (weight 50)
    no_c5d = Scenario(
        unavailableOfferings=[*NO_GRAVITON.unavailableOfferings, UnavailableOffering(instanceFamily="c5d")]
    )
    req = request(blueprint_fleet(), _spark_app({"multiArch": "Spark"}))
    done = provisioning_round(req, no_c5d)
    assert {c.node_pool for c in done.plan.claims} == {SPARK_MEMORY_OPTIMIZED}
    hops = [(fb.source, fb.target) for fb in done.plan.fallbacks]
    assert (SPARK_GRAVITON_MEMORY_OPTIMIZED, SPARK_COMPUTE_OPTIMIZED) in hops
    assert (SPARK_COMPUTE_OPTIMIZED, SPARK_MEMORY_OPTIMIZED) in hops


def test_other_types_of_the_same_pool_are_tried_before_a_lower_weight_pool() -> None:
    f = blueprint_fleet(pools=[spark_graviton_memory_optimized(), spark_memory_optimized()])
    req = request(f, _spark_app({"multiArch": "Spark"}))
    planned = plan(req).claims[0]
    only_that_type = Scenario(unavailableOfferings=[UnavailableOffering(instanceType=planned.instance_type)])
    done = provisioning_round(req, only_that_type)
    assert {c.node_pool for c in done.plan.claims} == {SPARK_GRAVITON_MEMORY_OPTIMIZED}
    assert planned.instance_type not in done.launched.values()


def test_spot_without_capacity_launches_on_demand_in_the_same_pool() -> None:
    no_spot = Scenario(
        unavailableOfferings=[UnavailableOffering(instanceFamily="c5d", capacityType=CapacityType.SPOT)]
    )
    req = request(
        blueprint_fleet(), pods("exec", 6, 4, "16Gi", selector={"NodeGroupType": "SparkComputeOptimized"})
    )
    done = provisioning_round(req, no_spot)
    assert {c.node_pool for c in done.plan.claims} == {SPARK_COMPUTE_OPTIMIZED}
    assert set(done.launched) == {c.name for c in done.plan.claims}
    assert done.ice_offerings and all(o.endswith("/spot") for o in done.ice_offerings)


def test_pods_with_nowhere_else_to_go_are_reported_unschedulable() -> None:
    f = blueprint_fleet(pools=[spark_graviton_memory_optimized()])
    req = request(f, pods("exec", 2, 4, "28Gi", selector={"multiArch": "Spark"}))
    done = provisioning_round(req, NO_GRAVITON)
    assert not done.plan.claims
    assert {u.pod for u in done.plan.unschedulable} == {p.id for p in req.pods}
    assert "insufficient capacity" in done.plan.unschedulable[0].reason
    assert done.plan.fallbacks[-1].target == ""


def test_launched_claims_are_kept_and_host_what_they_can() -> None:
    req = request(
        blueprint_fleet(), pods("exec", 40, 4, "16Gi", selector={"NodeGroupType": "SparkComputeOptimized"})
    )
    first = plan(req)
    assert len(first.claims) >= 2
    launched, failed = first.claims[0], first.claims[1]
    refused = [
        OfferingKey(t, z, ct)
        for t in failed.instance_types
        for z in failed.zones
        for ct in failed.capacity_types
    ]
    after = replan_after_launch_failure(req, first, failed.name, refused[:1], NOW, launched={launched.name})
    assert launched in after.claims
    assert failed.name not in {c.name for c in after.claims}
    assert {p for c in after.claims for p in c.pods} | {n.pod for n in after.nominations} == {
        p.id for p in req.pods
    }
    assert after.attempt == 1
    assert not after.unavailable.is_available(refused[0], NOW)
    assert after.unavailable.is_available(refused[0], NOW + timedelta(minutes=3))


def test_an_unknown_claim_is_an_error() -> None:
    req = request(blueprint_fleet(), pods("exec", 1))
    with pytest.raises(ValueError, match="not part of the plan"):
        replan_after_launch_failure(req, plan(req), "nope", [], NOW)


def test_several_claims_refused_at_once_are_planned_again_together_in_one_attempt() -> None:
    req = request(
        blueprint_fleet(), pods("exec", 40, 4, "16Gi", selector={"NodeGroupType": "SparkComputeOptimized"})
    )
    first = plan(req)
    assert len(first.claims) >= 3
    launched, *refused_claims = first.claims
    failures = {
        c.name: [OfferingKey(c.instance_type, z, ct) for z in c.zones for ct in c.capacity_types]
        for c in refused_claims
    }
    after = replan_after_launch_failures(req, first, failures, NOW, launched={launched.name})
    assert after.attempt == 1
    assert launched in after.claims
    assert not {c.name for c in after.claims} & set(failures)
    assert {p for c in after.claims for p in c.pods} | {n.pod for n in after.nominations} == {
        p.id for p in req.pods
    }
    for offerings in failures.values():
        assert not any(after.unavailable.is_available(o, NOW) for o in offerings)
    # one Fallback event on each refused claim that moved pods somewhere
    moved_from = {e.name for e in after.events if e.reason == "Fallback"}
    assert moved_from == set(failures)
