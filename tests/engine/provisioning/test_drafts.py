"""Pods join the claims already planned in a round (narrowing them) before new claims are opened."""

from __future__ import annotations

import pytest

from sparkfleet.api.blueprint import SPARK_COMPUTE_OPTIMIZED
from sparkfleet.api.wire import CapacityType
from sparkfleet.cloud.pricing import offering_price
from sparkfleet.engine.provisioning.plan import plan

from .builders import blueprint_fleet, fleet, instance_type, nodepool, pod, pods, req, request

ZONE = "topology.kubernetes.io/zone"
CAPACITY = "karpenter.sh/capacity-type"
ON_DEMAND = {CAPACITY: "on-demand"}
COMPUTE = {"NodeGroupType": "SparkComputeOptimized"}


def either_pool() -> object:
    return nodepool("p", req(CAPACITY, "In", "spot", "on-demand"))


def price(name: str, zone: str, capacity: CapacityType) -> float:
    return offering_price(instance_type(name), zone, capacity)


def test_an_on_demand_driver_and_its_executors_share_one_on_demand_node() -> None:
    driver = pod("pi-driver", 1, "896Mi", selector={**COMPUTE, **ON_DEMAND})
    executors = pods("pi-exec", 2, 1, "896Mi", selector=COMPUTE)
    result = plan(request(blueprint_fleet(), [driver, *executors]))
    (claim,) = result.claims
    assert claim.node_pool == SPARK_COMPUTE_OPTIMIZED
    assert claim.capacity_type is CapacityType.ON_DEMAND
    assert claim.capacity_types == (CapacityType.ON_DEMAND,)
    assert set(claim.pods) == {"spark/pi-driver", "spark/pi-exec-0", "spark/pi-exec-1"}
    assert result.price_per_hour == pytest.approx(
        price(claim.instance_type, claim.zone, CapacityType.ON_DEMAND)
    )


def test_the_order_the_pods_come_in_does_not_matter() -> None:
    driver = pod("pi-driver", 1, "896Mi", selector={**COMPUTE, **ON_DEMAND})
    executors = pods("pi-exec", 2, 1, "896Mi", selector=COMPUTE)
    (claim,) = plan(request(blueprint_fleet(), [*executors, driver])).claims
    assert claim.capacity_type is CapacityType.ON_DEMAND
    assert len(claim.pods) == 3


def test_a_spot_claim_with_room_becomes_on_demand_when_that_saves_a_node() -> None:
    # The zone-pinned pods are the more constrained class: their spot claim (3 pods fit an m5.xlarge)
    # is planned first, with room for one more; the on-demand pod takes it, the claim turns on-demand.
    pinned = pods("pinned", 2, 1, "2Gi", selector={ZONE: "us-east-1a"})
    lone = pod("lone", 1, "2Gi", selector=ON_DEMAND)
    result = plan(request(fleet(either_pool(), types=["m5.xlarge"]), [*pinned, lone]))
    (claim,) = result.claims
    assert claim.capacity_type is CapacityType.ON_DEMAND
    assert claim.zone == "us-east-1a"
    assert claim.capacity_types == (CapacityType.ON_DEMAND,)
    assert len(claim.pods) == 3


def test_a_claim_is_not_made_dearer_for_pods_that_cost_nothing_more_on_their_own_nodes() -> None:
    # Six on-demand pods fill two m5.xlarge nodes exactly: moving one onto the spot claim would make it
    # on-demand and still leave two nodes to buy, so the spot claim stays as it is.
    pinned = pods("pinned", 2, 1, "2Gi", selector={ZONE: "us-east-1a"})
    six = pods("od", 6, 1, "2Gi", selector=ON_DEMAND)
    result = plan(request(fleet(either_pool(), types=["m5.xlarge"]), [*pinned, *six]))
    by_capacity = sorted((str(c.capacity_type), len(c.pods)) for c in result.claims)
    assert by_capacity == [("on-demand", 3), ("on-demand", 3), ("spot", 2)]


def test_one_pod_of_a_group_joins_when_it_saves_the_group_a_node() -> None:
    # Four on-demand pods need two nodes alone; one on the (then on-demand) claim leaves one node to buy.
    pinned = pods("pinned", 2, 1, "2Gi", selector={ZONE: "us-east-1a"})
    four = pods("od", 4, 1, "2Gi", selector=ON_DEMAND)
    result = plan(request(fleet(either_pool(), types=["m5.xlarge"]), [*pinned, *four]))
    assert sorted(len(c.pods) for c in result.claims) == [3, 3]
    assert {c.capacity_type for c in result.claims} == {CapacityType.ON_DEMAND}
    assert sum(len(c.pods) for c in result.claims) == 6


def test_pods_whose_zone_the_claim_does_not_allow_open_their_own() -> None:
    pinned = pods("pinned", 2, 1, "2Gi", selector={ZONE: "us-east-1a"})
    elsewhere = pod("elsewhere", 1, "2Gi", selector={ZONE: "us-east-1b"})
    result = plan(request(fleet(either_pool(), types=["m5.xlarge"]), [*pinned, elsewhere]))
    assert sorted((c.zone, len(c.pods)) for c in result.claims) == [("us-east-1a", 2), ("us-east-1b", 1)]


def test_a_claim_is_not_upsized_when_a_node_of_their_own_is_cheaper() -> None:
    # The pinned claim fills an m5.xlarge but keeps m5.2xlarge as a candidate; the on-demand pod would
    # need the larger type, on demand: dearer than an m5.xlarge of its own.
    pinned = pods("pinned", 3, 1, "2Gi", selector={ZONE: "us-east-1a"})
    lone = pod("lone", 1, "2Gi", selector=ON_DEMAND)
    result = plan(request(fleet(either_pool(), types=["m5.xlarge", "m5.2xlarge"]), [*pinned, lone]))
    assert sorted((str(c.capacity_type), c.instance_type, len(c.pods)) for c in result.claims) == [
        ("on-demand", "m5.xlarge", 1),
        ("spot", "m5.xlarge", 3),
    ]


def test_a_joined_claim_keeps_only_the_candidates_that_hold_all_its_pods() -> None:
    pinned = pods("pinned", 2, 1, "2Gi", selector={ZONE: "us-east-1a"})
    lone = pod("lone", 1, "2Gi", selector=ON_DEMAND)
    result = plan(request(fleet(either_pool(), types=["m5.xlarge", "m5.2xlarge"]), [*pinned, lone]))
    (claim,) = result.claims
    assert claim.instance_types[0] == "m5.xlarge"
    assert claim.requests.cpu >= 3000
    assert claim.node.capacity_type is CapacityType.ON_DEMAND
    assert claim.node.labels[CAPACITY] == "on-demand"


def test_the_planned_event_counts_the_pods_that_joined() -> None:
    pinned = pods("pinned", 2, 1, "2Gi", selector={ZONE: "us-east-1a"})
    lone = pod("lone", 1, "2Gi", selector=ON_DEMAND)
    result = plan(request(fleet(either_pool(), types=["m5.xlarge"]), [*pinned, lone]))
    (event,) = [e for e in result.events if e.reason == "Planned"]
    assert event.message.startswith("3 pods on m5.xlarge (on-demand, us-east-1a,")
