"""NodeOverlay (karpenter.sh/v1alpha1): the CRD's field and cross-field rules, precedence, prices."""

from __future__ import annotations

from typing import Any

import pytest

from sparkfleet.api.karpenter import (
    NodeOverlay,
    adjusted_price,
    matches,
    merged_capacity,
    order_overlays,
    overlay_warnings,
    validate_nodeoverlay,
)
from sparkfleet.api.manifests import check_document


def doc(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "karpenter.sh/v1alpha1",
        "kind": "NodeOverlay",
        "metadata": {"name": spec.pop("name", "o")},
        "spec": {"requirements": [], **spec},
    }


def model(**spec: Any) -> NodeOverlay:
    return NodeOverlay.model_validate(doc(**spec))


def problems(**spec: Any) -> list[str]:
    return [str(i) for c in check_document(doc(**spec)) for i in c.issues]


@pytest.mark.parametrize("adjustment", ["-10%", "+15%", "-100%", "-0.5", "+1.2", "-9.5%"])
def test_price_adjustments_the_crd_allows(adjustment: str) -> None:
    assert problems(priceAdjustment=adjustment) == []


@pytest.mark.parametrize("adjustment", ["10%", "-150%", "+", "0.5", "-10 %"])
def test_price_adjustments_the_crd_refuses(adjustment: str) -> None:
    (problem,) = problems(priceAdjustment=adjustment)
    assert problem.startswith("spec.priceAdjustment: String should match pattern")


def test_the_cross_field_rules() -> None:
    assert problems(price="0.1", priceAdjustment="-10%") == [
        "spec.price: cannot set both 'price' and 'priceAdjustment'"
    ]
    assert problems(capacity={"pods": "10"}) == [
        "spec.capacity.pods: invalid resource restricted: capacity adds extended resources only, not pods"
    ]
    restricted = {"key": "karpenter.sh/foo", "operator": "Exists"}
    assert problems(requirements=[restricted]) == [
        'spec.requirements[0].key: label domain "karpenter.sh" is restricted'
    ]
    assert (
        validate_nodeoverlay(
            model(requirements=[{"key": "karpenter.sh/capacity-type", "operator": "Exists"}])
        )
        == []
    )


def test_prices_as_karpenter_computes_them() -> None:
    assert adjusted_price(1.0, model(priceAdjustment="-25%")) == 0.75
    assert adjusted_price(1.0, model(priceAdjustment="+0.5")) == 1.5
    assert adjusted_price(0.2, model(priceAdjustment="-0.5")) == 0.0
    assert adjusted_price(1.0, model(price="0.3")) == 0.3
    assert adjusted_price(1.0, model(capacity={"example.com/fuse": 1})) == 1.0


def test_precedence_is_weight_then_name_and_capacity_merges_key_by_key() -> None:
    a, b, c = model(name="a", weight=5), model(name="b", weight=5), model(name="c", weight=50)
    unweighted = model(name="0-none")
    assert [o.name for o in order_overlays([unweighted, b, a, c])] == ["c", "a", "b", "0-none"]
    low = model(name="low", capacity={"example.com/x": "1", "example.com/y": "1"})
    high = model(name="high", weight=10, capacity={"example.com/x": "2"})
    assert merged_capacity([low, high]) == {"example.com/x": "2", "example.com/y": "1"}


def test_requirements_match_a_node_s_labels() -> None:
    overlay = model(
        requirements=[
            {"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["m6i"]},
            {"key": "karpenter.k8s.aws/instance-cpu", "operator": "Gt", "values": ["4"]},
        ]
    )
    family = "karpenter.k8s.aws/instance-family"
    assert matches(overlay, {family: "m6i", "karpenter.k8s.aws/instance-cpu": "8"})
    assert not matches(overlay, {family: "m6i", "karpenter.k8s.aws/instance-cpu": "4"})
    assert not matches(overlay, {family: "c6i", "karpenter.k8s.aws/instance-cpu": "8"})


def test_what_the_planner_cannot_honour_is_a_warning() -> None:
    overlay = model(requirements=[{"key": "karpenter.sh/nodepool", "operator": "In", "values": ["spot"]}])
    (warning,) = overlay_warnings(overlay)
    assert warning.path == "spec.requirements[0].key"
    assert "applies to no offering" in warning.message
    assert [w.path for w in overlay_warnings(model(capacity={"example.com/fuse": "1"}))] == ["spec.capacity"]
