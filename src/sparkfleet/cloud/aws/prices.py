"""Offering prices on AWS: on-demand from the Pricing API, spot from DescribeSpotPriceHistory.

Both are read on first use and again once `refresh` has passed. What cannot be read (offline, the action
denied, a type the answer does not name) comes from the bundled catalog (`sparkfleet.cloud.pricing`:
us-east-1 list prices and the modelled spot discount), so prices are never missing; a failed read is
logged once per refresh with AWS's error code.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sparkfleet.api.instancetypes import InstanceType, OfferingKey
from sparkfleet.api.wire import CapacityType
from sparkfleet.cloud.aws.clients import AwsClients, SupportsNow
from sparkfleet.cloud.port import CloudError
from sparkfleet.cloud.pricing import offering_price

log = logging.getLogger("sparkfleet.cloud.aws")

SPOT_PRODUCTS = ("Linux/UNIX", "Linux/UNIX (Amazon VPC)")
MAX_PAGES = 200
ON_DEMAND_FILTERS = (
    ("operatingSystem", "Linux"),
    ("tenancy", "Shared"),
    ("preInstalledSw", "NA"),
    ("capacitystatus", "Used"),
    ("licenseModel", "No License required"),
)


def on_demand_from_price_list(items: Iterable[str]) -> dict[str, float]:
    """{instance type: USD/hour} from GetProducts' PriceList (one JSON document per product)."""
    prices: dict[str, float] = {}
    for item in items:
        product = json.loads(item)
        name = product.get("product", {}).get("attributes", {}).get("instanceType")
        for term in product.get("terms", {}).get("OnDemand", {}).values():
            for dimension in term.get("priceDimensions", {}).values():
                usd = dimension.get("pricePerUnit", {}).get("USD")
                if name and usd is not None and float(usd) > 0:
                    prices[str(name)] = float(usd)
    return prices


def spot_from_history(entries: Iterable[dict[str, Any]]) -> dict[tuple[str, str], float]:
    """{(type, zone): the latest spot price} from DescribeSpotPriceHistory entries."""
    latest: dict[tuple[str, str], tuple[datetime, float]] = {}
    for entry in entries:
        key = (str(entry["InstanceType"]), str(entry["AvailabilityZone"]))
        stamp = entry["Timestamp"]
        price = float(entry["SpotPrice"])
        if key not in latest or stamp > latest[key][0]:
            latest[key] = (stamp, price)
    return {key: price for key, (_, price) in latest.items()}


@dataclass
class _Fetched:
    at: datetime | None = None
    prices: dict[Any, float] = field(default_factory=dict)


class PriceBook:
    """Current prices per offering; `live=False` uses only the catalog (no price API is called)."""

    def __init__(
        self,
        clients: AwsClients,
        types: dict[str, InstanceType],
        clock: SupportsNow,
        *,
        refresh: timedelta,
        live: bool = True,
    ) -> None:
        self._clients = clients
        self._types = types
        self._clock = clock
        self._refresh = refresh
        self._live = live
        self._on_demand = _Fetched()
        self._spot = _Fetched()
        self._lock = threading.Lock()

    def price(self, key: OfferingKey) -> float:
        it = self._types[key.instanceType]
        if self._live:
            with self._lock:
                if key.capacityType is CapacityType.SPOT:
                    found = self._current(self._spot, self._read_spot).get((key.instanceType, key.zone))
                else:
                    found = self._current(self._on_demand, self._read_on_demand).get(key.instanceType)
            if found is not None:
                return found
        return offering_price(it, key.zone, key.capacityType)

    def _current(self, fetched: _Fetched, read: Any) -> dict[Any, float]:
        now = self._clock.now()
        if fetched.at is None or now - fetched.at >= self._refresh:
            fetched.at = now
            try:
                fetched.prices = read(now)
            except CloudError as exc:
                log.warning("prices from the bundled catalog: %s", exc)
                fetched.prices = {}
        return fetched.prices

    def _read_on_demand(self, _now: datetime) -> dict[str, float]:
        filters = [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": self._clients.region}]
        filters += [{"Type": "TERM_MATCH", "Field": f, "Value": v} for f, v in ON_DEMAND_FILTERS]
        items: list[str] = []
        token: str | None = None
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {"ServiceCode": "AmazonEC2", "Filters": filters, "MaxResults": 100}
            if token:
                params["NextToken"] = token
            response = self._clients.call("pricing", "GetProducts", **params)
            items += response.get("PriceList", [])
            token = response.get("NextToken")
            if not token:
                break
        return on_demand_from_price_list(items)

    def _read_spot(self, now: datetime) -> dict[tuple[str, str], float]:
        entries: list[dict[str, Any]] = []
        token: str | None = None
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {"ProductDescriptions": list(SPOT_PRODUCTS), "StartTime": now}
            if token:
                params["NextToken"] = token
            response = self._clients.call("ec2", "DescribeSpotPriceHistory", **params)
            entries += response.get("SpotPriceHistory", [])
            token = response.get("NextToken")
            if not token:
                break
        return spot_from_history(entries)
