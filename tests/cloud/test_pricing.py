"""Offering prices: on-demand from the catalog, spot from the deterministic discount model."""

from __future__ import annotations

import pytest

from sparkfleet.api.wire import CapacityType
from sparkfleet.cloud.catalog import load_catalog
from sparkfleet.cloud.pricing import (
    SPOT_DISCOUNT_MAX,
    SPOT_DISCOUNT_MIN,
    offering_price,
    spot_discount,
    spot_price,
)

ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")


def test_spot_discounts_are_pinned_by_the_documented_formula():
    # SHA-256 of "m5.large/us-east-1a": changing the formula changes every simulated bill, so it is pinned.
    assert spot_discount("m5.large", "us-east-1a") == pytest.approx(0.7050305297304277)
    assert spot_price(load_catalog()["m5.large"], "us-east-1a") == 0.028317


def test_every_spot_price_is_between_20_and_45_percent_of_on_demand():
    for it in load_catalog():
        for zone in ZONES:
            discount = spot_discount(it.name, zone)
            assert SPOT_DISCOUNT_MIN <= discount < SPOT_DISCOUNT_MAX
            price = spot_price(it, zone)
            assert it.onDemandPrice * 0.20 - 1e-6 <= price <= it.onDemandPrice * 0.45 + 1e-6


def test_spot_prices_differ_between_zones():
    it = load_catalog()["r5d.4xlarge"]
    assert len({spot_price(it, zone) for zone in ZONES}) == 3


def test_discounts_spread_over_the_whole_range():
    discounts = [spot_discount(it.name, zone) for it in load_catalog() for zone in ZONES]
    assert min(discounts) < SPOT_DISCOUNT_MIN + 0.01
    assert max(discounts) > SPOT_DISCOUNT_MAX - 0.01


def test_on_demand_is_the_catalog_price_in_every_zone():
    it = load_catalog()["c5d.9xlarge"]
    assert {offering_price(it, zone, CapacityType.ON_DEMAND) for zone in ZONES} == {it.onDemandPrice}
    assert offering_price(it, "us-east-1a", CapacityType.SPOT) == spot_price(it, "us-east-1a")
