"""Planning NodeClaims: pool order, requirements, taints, limits, offerings, gangs, existing room."""

from __future__ import annotations

from sparkfleet.api.blueprint import (
    SPARK_COMPUTE_OPTIMIZED,
    SPARK_GRAVITON_MEMORY_OPTIMIZED,
    SPARK_MEMORY_OPTIMIZED,
    SPARK_VERTICAL_EBS_SCALE,
)
from sparkfleet.api.placement import NodeSelectorRequirement, SelectorOperator, Taint, TaintEffect, Toleration
from sparkfleet.api.wire import CapacityType
from sparkfleet.engine.provisioning.model import ExistingNode
from sparkfleet.engine.provisioning.offerings import UnavailableOfferings
from sparkfleet.engine.provisioning.overhead import node_resources
from sparkfleet.engine.provisioning.plan import plan
from sparkfleet.engine.provisioning.resources import Resources

from .builders import (
    GI,
    NOW,
    blueprint_fleet,
    fleet,
    instance_type,
    node_class,
    nodepool,
    pod,
    pods,
    req,
    request,
)

M5 = ("m5.large", "m5.xlarge", "m5.2xlarge", "m5.4xlarge", "m5.8xlarge")


def test_the_highest_weight_pool_that_fits_is_used() -> None:
    low = nodepool("low", req("karpenter.k8s.aws/instance-family", "In", "m5"), weight=10)
    high = nodepool("high", req("karpenter.k8s.aws/instance-family", "In", "m5"), weight=90)
    result = plan(request(fleet(low, high, types=M5), pods("e", 4, 2, "8Gi")))
    assert {c.node_pool for c in result.claims} == {"high"}


def test_equal_weights_are_ordered_by_name_as_karpenter_does() -> None:
    # Karpenter sorts equal weights by name, later in the alphabet first.
    alpha = nodepool("alpha", req("karpenter.k8s.aws/instance-family", "In", "m5"), weight=50)
    beta = nodepool("beta", req("karpenter.k8s.aws/instance-family", "In", "m5"), weight=50)
    result = plan(request(fleet(alpha, beta, types=M5), pods("e", 2)))
    assert {c.node_pool for c in result.claims} == {"beta"}


def test_pods_go_to_a_lower_weight_pool_when_the_higher_cannot_satisfy_them() -> None:
    result = plan(
        request(
            blueprint_fleet(), pods("e", 3, 4, "28Gi", selector={"NodeGroupType": "SparkMemoryOptimized"})
        )
    )
    assert {c.node_pool for c in result.claims} == {SPARK_MEMORY_OPTIMIZED}
    assert all(t.startswith("r5d.") for c in result.claims for t in c.instance_types)


def test_unconstrained_pods_go_to_the_first_blueprint_pool_in_karpenter_order() -> None:
    result = plan(request(blueprint_fleet(), pods("e", 10, 2, "8Gi")))
    assert {c.node_pool for c in result.claims} == {SPARK_VERTICAL_EBS_SCALE}


def test_multiarch_spark_pods_prefer_graviton() -> None:
    result = plan(request(blueprint_fleet(), pods("e", 10, 4, "28Gi", selector={"multiArch": "Spark"})))
    assert {c.node_pool for c in result.claims} == {SPARK_GRAVITON_MEMORY_OPTIMIZED}
    assert all(c.node.labels["kubernetes.io/arch"] == "arm64" for c in result.claims)


def test_required_node_affinity_terms_are_tried_in_order() -> None:
    impossible = [
        NodeSelectorRequirement(key="kubernetes.io/arch", operator=SelectorOperator.IN, values=["s390x"])
    ]
    family = [
        NodeSelectorRequirement(
            key="karpenter.k8s.aws/instance-family", operator=SelectorOperator.IN, values=["r5d"]
        )
    ]
    result = plan(request(blueprint_fleet(), [pod("e", 2, "8Gi", terms=[impossible, family])]))
    (claim,) = result.claims
    assert claim.instance_type.startswith("r5d.")


def test_integer_operators_select_instance_types() -> None:
    pool = nodepool(
        "big",
        req("karpenter.k8s.aws/instance-family", "In", "m5"),
        req("karpenter.k8s.aws/instance-cpu", "Gte", "8"),
        req("karpenter.k8s.aws/instance-memory", "Lt", "65536"),
    )
    (claim,) = plan(request(fleet(pool, types=M5), [pod("e", 1, "1Gi")])).claims
    assert set(claim.instance_types) == {"m5.2xlarge"}


def test_a_required_label_the_pool_does_not_have_makes_the_pod_unschedulable_with_the_reason() -> None:
    result = plan(request(blueprint_fleet(), [pod("e", selector={"team": "data"})]))
    assert not result.claims
    (item,) = result.unschedulable
    assert 'requires label "team" In [data]' in item.reason
    assert "spark-memory-optimized" in item.reason


def test_taints_keep_pods_without_a_toleration_away() -> None:
    tainted = blueprint_fleet(dedicated_taints=True)
    plain = pod("plain", selector={"NodeGroupType": "SparkComputeOptimized"})
    tolerant = pod(
        "tolerant",
        selector={"NodeGroupType": "SparkComputeOptimized"},
        tolerations=[
            Toleration(key="spark-compute-optimized", operator="Exists", effect=TaintEffect.NO_SCHEDULE)
        ],
    )
    result = plan(request(tainted, [plain, tolerant]))
    assert [c.pods for c in result.claims] == [("spark/tolerant",)]
    (item,) = result.unschedulable
    assert item.pod == "spark/plain"
    assert "does not tolerate the taint spark-compute-optimized:NoSchedule" in item.reason


def test_a_pool_limit_sends_the_rest_to_the_next_pool_and_is_never_exceeded() -> None:
    first = nodepool(
        "first", req("karpenter.k8s.aws/instance-family", "In", "m5"), weight=90, limits={"cpu": "16"}
    )
    second = nodepool("second", req("karpenter.k8s.aws/instance-family", "In", "m5"), weight=10)
    result = plan(request(fleet(first, second, types=M5), pods("e", 12, 2, "4Gi")))
    in_first = [c for c in result.claims if c.node_pool == "first"]
    assert in_first and any(c.node_pool == "second" for c in result.claims)
    assert sum(instance_type(c.instance_type).vcpu for c in in_first) <= 16
    for claim in in_first:  # whichever candidate EC2 launches, the limit holds
        assert max(instance_type(t).vcpu for t in claim.instance_types) <= 16
    assert not result.unschedulable


def test_existing_usage_counts_against_the_limit() -> None:
    only = nodepool("only", req("karpenter.k8s.aws/instance-family", "In", "m5"), limits={"cpu": "16"})
    usage = {"only": Resources(cpu=16000)}
    result = plan(request(fleet(only, types=M5), pods("e", 2), pool_usage=usage))
    assert not result.claims
    assert all("limits (cpu 16)" in u.reason for u in result.unschedulable)


def test_the_cheapest_offering_decides_type_zone_and_capacity_type() -> None:
    result = plan(request(blueprint_fleet(), pods("e", 1, 2, "8Gi")))
    (claim,) = result.claims
    offers = [o for o in blueprint_fleet().offerings if o.instanceType in claim.instance_types]
    assert claim.price == min(o.price for o in offers)
    assert claim.capacity_type is CapacityType.SPOT  # spot is allowed and cheaper
    prices = {t: min(o.price for o in offers if o.instanceType == t) for t in claim.instance_types}
    assert list(claim.instance_types) == sorted(claim.instance_types, key=lambda t: (prices[t], t))


def test_spot_without_capacity_falls_to_on_demand_when_the_pool_allows_both() -> None:
    no_spot = blueprint_fleet(unavailable=lambda it, zone, ct: ct is CapacityType.SPOT)
    result = plan(
        request(no_spot, pods("e", 4, 4, "16Gi", selector={"NodeGroupType": "SparkComputeOptimized"}))
    )
    assert result.claims
    assert {c.capacity_type for c in result.claims} == {CapacityType.ON_DEMAND}


def test_cached_unavailable_spot_offerings_are_skipped_until_they_expire() -> None:
    f = blueprint_fleet()
    spot = [o.key for o in f.offerings if o.capacityType is CapacityType.SPOT]
    cache = UnavailableOfferings().mark_all(spot, NOW)
    result = plan(request(f, pods("e", 2, 4, "16Gi"), unavailable=cache))
    assert {c.capacity_type for c in result.claims} == {CapacityType.ON_DEMAND}


def test_on_demand_selector_pins_the_capacity_type() -> None:
    driver = pod(
        "driver",
        1,
        "4Gi",
        selector={"NodeGroupType": "SparkComputeOptimized", "karpenter.sh/capacity-type": "on-demand"},
    )
    (claim,) = plan(request(blueprint_fleet(), [driver])).claims
    assert claim.capacity_type is CapacityType.ON_DEMAND
    assert claim.capacity_types == (CapacityType.ON_DEMAND,)


def test_a_gang_that_cannot_fit_anywhere_gets_no_partial_nodes_and_a_clear_reason() -> None:
    gang = [pod("driver", 1, "4Gi", gang="app-1"), *pods("exec", 5, 4, "16Gi", gang="app-1")]
    gang.append(pod("huge", 4, "4000Gi", gang="app-1"))
    others = pods("other", 3, 2, "8Gi")
    result = plan(request(blueprint_fleet(), [*gang, *others]))
    planned = {p for c in result.claims for p in c.pods}
    assert planned == {p.id for p in others}
    failed = {u.pod: u for u in result.unschedulable}
    assert set(failed) == {p.id for p in gang}
    reason = failed["spark/exec-0"].reason
    assert reason.startswith("gang app-1: 1 of 7 pods cannot be placed (spark/huge: ")
    assert "no instance type is large enough" in reason
    assert reason.endswith("no capacity is planned for any pod of the gang")


def test_a_gang_cut_short_by_limits_gets_no_capacity_at_all() -> None:
    only = nodepool("only", req("karpenter.k8s.aws/instance-family", "In", "m5"), limits={"cpu": "32"})
    gang = pods("exec", 10, 4, "8Gi", gang="big")
    small = pods("small", 2, 1, "2Gi")
    result = plan(request(fleet(only, types=M5), [*gang, *small]))
    assert {p for c in result.claims for p in c.pods} == {p.id for p in small}
    assert {u.pod for u in result.unschedulable} == {p.id for p in gang}
    assert "gang big" in result.unschedulable[0].reason


def test_pods_fit_onto_existing_room_before_new_capacity_is_planned() -> None:
    room = ExistingNode(
        "node-a",
        {"kubernetes.io/arch": "amd64", "NodeGroupType": "SparkComputeOptimized"},
        Resources(cpu=8000, memory=32 * GI, ephemeral_storage=0, pods=50),
    )
    result = plan(
        request(
            blueprint_fleet(),
            pods("e", 3, 2, "8Gi", selector={"NodeGroupType": "SparkComputeOptimized"}),
            nodes=[room],
        )
    )
    assert {(n.pod, n.node) for n in result.nominations} == {(f"spark/e-{i}", "node-a") for i in range(3)}
    assert not result.claims


def test_existing_nodes_with_untolerated_taints_or_other_labels_are_not_used() -> None:
    tainted = ExistingNode(
        "tainted",
        {},
        Resources(8000, 32 * GI, 0, 50),
        taints=(Taint(key="gpu", effect=TaintEffect.NO_SCHEDULE),),
    )
    other = ExistingNode("other", {"NodeGroupType": "SparkMemoryOptimized"}, Resources(8000, 32 * GI, 0, 50))
    result = plan(
        request(
            blueprint_fleet(),
            [pod("e", 1, "1Gi", selector={"NodeGroupType": "SparkComputeOptimized"})],
            nodes=[tainted, other],
        )
    )
    assert not result.nominations
    assert len(result.claims) == 1


def test_daemonset_overhead_is_reserved_on_every_new_node() -> None:
    daemon = pod("agent", "500m", "1Gi")
    only = nodepool("only", req("node.kubernetes.io/instance-type", "In", "m5.xlarge"))
    alloc = node_resources(instance_type("m5.xlarge"), node_class()).allocatable
    fill = pod("e", f"{alloc.cpu - 500}m", "1Gi")
    assert plan(request(fleet(only, types=M5, daemons=[daemon]), [fill])).claims
    too_big = pod("e", f"{alloc.cpu - 499}m", "1Gi")
    assert not plan(request(fleet(only, types=M5, daemons=[daemon]), [too_big])).claims


def test_min_values_keeps_enough_families_among_the_candidates() -> None:
    pool = nodepool(
        "flexible", req("karpenter.k8s.aws/instance-family", "In", "m5", "c5", "r5", min_values=3)
    )
    (claim,) = plan(request(fleet(pool), [pod("e", 2, "4Gi")])).claims
    assert {t.split(".")[0] for t in claim.instance_types} == {"m5", "c5", "r5"}


def test_many_identical_executors_share_large_nodes_at_a_lower_price_than_one_node_each() -> None:
    result = plan(request(blueprint_fleet(), pods("e", 50, 4, "16Gi")))
    assert sum(len(c.pods) for c in result.claims) == 50
    assert len(result.claims) < 10
    one_each = plan(request(blueprint_fleet(), pods("x", 1, 4, "16Gi"))).price_per_hour * 50
    assert result.price_per_hour < one_each


def test_claim_names_carry_the_pool_and_the_round_prefix() -> None:
    result = plan(
        request(
            blueprint_fleet(),
            pods("e", 2, 2, "8Gi", selector={"NodeGroupType": "SparkComputeOptimized"}),
            claim_prefix="r7-",
        )
    )
    assert [c.name for c in result.claims] == [f"{SPARK_COMPUTE_OPTIMIZED}-r7-1"]
    assert any(e.reason == "Planned" and e.name == result.claims[0].name for e in result.events)


def test_leaving_a_gang_out_does_not_change_where_the_other_pods_go() -> None:
    doomed = [pod("arm-huge", 4, "4000Gi", selector={"kubernetes.io/arch": "arm64"}, gang="doomed")]
    memory = pods("mem", 3, 4, "28Gi", selector={"NodeGroupType": "SparkMemoryOptimized"}, gang="ok")
    free = pods("free", 3, 2, "8Gi")
    result = plan(request(blueprint_fleet(), [*doomed, *memory, *free]))
    pool_of = {p: c.node_pool for c in result.claims for p in c.pods}
    assert {pool_of[p.id] for p in memory} == {SPARK_MEMORY_OPTIMIZED}
    assert {pool_of[p.id] for p in free} == {SPARK_VERTICAL_EBS_SCALE}
    assert [u.pod for u in result.unschedulable] == ["spark/arm-huge"]
