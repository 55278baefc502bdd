"""Prices from the Pricing API and the spot price history, refreshed, with the catalog as the fallback."""

from __future__ import annotations

from datetime import UTC, datetime

from sparkfleet.api.instancetypes import OfferingKey
from sparkfleet.api.wire import CapacityType
from sparkfleet.cloud.aws.clients import AwsClients
from sparkfleet.cloud.aws.prices import PriceBook, on_demand_from_price_list, spot_from_history
from sparkfleet.cloud.catalog import load_catalog
from sparkfleet.cloud.pricing import offering_price
from support.awsmoto import answer, price_list

OD = OfferingKey("r5d.4xlarge", "us-east-1a", CapacityType.ON_DEMAND)
SPOT = OfferingKey("r5d.4xlarge", "us-east-1a", CapacityType.SPOT)


def book(session, clock, *, live: bool = True, minutes: float = 60) -> PriceBook:
    from datetime import timedelta

    types = {it.name: it for it in load_catalog()}
    return PriceBook(
        AwsClients(session, "us-east-1", clock), types, clock, refresh=timedelta(minutes=minutes), live=live
    )


def test_the_price_list_gives_each_types_on_demand_price():
    assert on_demand_from_price_list(price_list({"r5d.4xlarge": 1.152, "m5.large": 0.096})) == {
        "r5d.4xlarge": 1.152,
        "m5.large": 0.096,
    }


def test_the_latest_spot_price_of_each_type_and_zone_counts():
    old, new = datetime(2026, 1, 5, 9, tzinfo=UTC), datetime(2026, 1, 5, 10, tzinfo=UTC)
    entries = [
        {
            "InstanceType": "r5d.4xlarge",
            "AvailabilityZone": "us-east-1a",
            "SpotPrice": "0.40",
            "Timestamp": new,
        },
        {
            "InstanceType": "r5d.4xlarge",
            "AvailabilityZone": "us-east-1a",
            "SpotPrice": "0.90",
            "Timestamp": old,
        },
    ]
    assert spot_from_history(entries) == {("r5d.4xlarge", "us-east-1a"): 0.40}


def test_live_prices_come_from_the_apis_and_are_read_again_after_the_refresh(session, clock, world):
    reads: list[int] = []

    def products(_body: object) -> object:
        reads.append(1)
        return {"PriceList": price_list({"r5d.4xlarge": 1.5 + len(reads) / 10})}

    answer(session, "pricing", "GetProducts", products)
    prices = book(session, clock)
    assert prices.price(OD) == 1.6
    assert prices.price(OD) == 1.6  # cached
    history = world.session.client("ec2").describe_spot_price_history(
        InstanceTypes=["r5d.4xlarge"], ProductDescriptions=["Linux/UNIX"]
    )["SpotPriceHistory"]
    assert prices.price(SPOT) == float(
        next(h for h in history if h["AvailabilityZone"] == "us-east-1a")["SpotPrice"]
    )
    clock.advance(3600)
    assert prices.price(OD) == 1.7
    assert len(reads) == 2


def test_denied_or_unreachable_prices_fall_back_to_the_catalog(session, clock, world, caplog):
    prices = book(session, clock)  # moto does not serve the Pricing API: the call fails
    catalog = load_catalog()["r5d.4xlarge"]
    assert prices.price(OD) == offering_price(catalog, "us-east-1a", CapacityType.ON_DEMAND)
    assert "prices from the bundled catalog" in caplog.text


def test_without_live_prices_no_price_api_is_called(session, clock, recorder):
    prices = book(session, clock, live=False)
    catalog = load_catalog()["r5d.4xlarge"]
    assert prices.price(SPOT) == offering_price(catalog, "us-east-1a", CapacityType.SPOT)
    assert recorder.actions == set()
