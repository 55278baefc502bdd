"""NodeOverlays in the price order: matching offerings get the overlay's price, the highest precedence
wins, and the plan follows the prices the user modelled."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sparkfleet.api.karpenter import NodeOverlay, NodeOverlaySpec
from sparkfleet.api.meta import ObjectMeta
from sparkfleet.api.placement import NodeSelectorRequirement, SelectorOperator
from sparkfleet.api.wire import CapacityType
from sparkfleet.engine.provisioning.plan import plan
from sparkfleet.engine.provisioning.tables import CAPACITY_TYPES

from .builders import fleet, nodepool, pods, req, request

TYPES = ["m5.xlarge", "c5.xlarge"]
FAMILY = "karpenter.k8s.aws/instance-family"


def overlay(
    name: str, *requirements: tuple[str, str, list[str]], weight: int | None = None, **price: str
) -> NodeOverlay:
    return NodeOverlay(
        metadata=ObjectMeta(name=name),
        spec=NodeOverlaySpec(
            requirements=[
                NodeSelectorRequirement(key=k, operator=SelectorOperator(op), values=v)
                for k, op, v in requirements
            ],
            weight=weight,
            **price,  # type: ignore[arg-type]
        ),
    )


def prices(*overlays: NodeOverlay) -> np.ndarray:
    f = replace(fleet(nodepool("any"), types=TYPES), node_overlays=overlays)
    return f.compiled.base_price


def test_a_percentage_applies_to_the_matching_offerings_only() -> None:
    base = prices()
    on_demand = CAPACITY_TYPES.index(CapacityType.ON_DEMAND)
    discounted = prices(
        overlay(
            "sp",
            (FAMILY, "In", ["m5"]),
            ("karpenter.sh/capacity-type", "In", ["on-demand"]),
            priceAdjustment="-25%",
        )
    )
    m5, c5 = 0, 1
    assert np.allclose(discounted[m5, on_demand], base[m5, on_demand] * 0.75)
    assert np.array_equal(
        np.delete(discounted, on_demand, axis=1)[m5], np.delete(base, on_demand, axis=1)[m5]
    )
    assert np.array_equal(discounted[c5], base[c5])


def test_an_absolute_price_and_a_signed_amount() -> None:
    base = prices()
    assert np.all(prices(overlay("flat", price="0.5"))[np.isfinite(base)] == 0.5)
    assert np.allclose(prices(overlay("more", priceAdjustment="+0.1")), base + 0.1)


def test_the_highest_weight_wins_and_equal_weights_go_by_name() -> None:
    low = overlay("a-low", price="0.3", weight=1)
    high = overlay("z-high", price="0.2", weight=9)
    assert np.all(prices(low, high)[np.isfinite(prices())] == 0.2)
    first = overlay("a", price="0.4", weight=5)
    second = overlay("b", price="0.6", weight=5)
    assert np.all(prices(second, first)[np.isfinite(prices())] == 0.4)


def test_a_requirement_on_a_pool_label_matches_no_offering() -> None:
    assert np.array_equal(
        prices(overlay("pool", ("karpenter.sh/nodepool", "In", ["any"]), price="0.01")), prices()
    )
    absent = overlay("absent", ("example.com/team", "DoesNotExist", []), price="0.01")
    assert np.all(prices(absent)[np.isfinite(prices())] == 0.01)


def test_the_plan_follows_the_modelled_prices() -> None:
    pool = nodepool(
        "any", req(FAMILY, "In", "m5", "c5"), req("karpenter.sh/capacity-type", "In", "on-demand")
    )
    plain = fleet(pool, types=TYPES)
    assert plan(request(plain, pods("e", 1, 1, "2Gi"))).claims[0].instance_types[0] == "c5.xlarge"
    savings = overlay("savings-plan-m5", (FAMILY, "In", ["m5"]), priceAdjustment="-50%")
    modelled = replace(plain, node_overlays=(savings,))
    assert plan(request(modelled, pods("e", 1, 1, "2Gi"))).claims[0].instance_types[0] == "m5.xlarge"


def test_a_static_nodepool_is_not_provisioned_for_pods() -> None:
    static = nodepool("static", req(FAMILY, "In", "m5"))
    static.spec.replicas = 2
    result = plan(request(fleet(static, types=TYPES), pods("e", 1)))
    assert result.claims == ()
    assert [u.pod for u in result.unschedulable] == ["spark/e-0"]
