"""The texts the cost engine's results are kept in: an application's `sparkfleet.io/cost` annotation, and
the fleet ledger (ConfigMap data) that holds what no application annotation can (idle nodes, queues and
NodePools over time, applications since deleted).

Ledger format 1: the ConfigMap key `ledger.json` holds
`{"version": 1, "currency": "USD", "asOf": RFC3339, "fleet": [[kind, namespace, queue, nodePool,
capacityType, dollars], ...], "hourly": [[hourRFC3339, kind, namespace, queue, nodePool, capacityType,
dollars], ...]}`; kind is one of `pod`, `placeholder`, `idle_node`. A reader skips rows it cannot read.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sparkfleet.api.appinsight import AppCost
from sparkfleet.api.timefmt import TimestampError, format_rfc3339, parse_rfc3339
from sparkfleet.engine.cost.model import CURRENCY, AppAccount, CostKind, FleetKey, Ledger

__all__ = ["LEDGER_KEY", "account_of", "cost_annotation", "decode_ledger", "encode_ledger"]

LEDGER_KEY = "ledger.json"
_VERSION = 1
_ROUND = 6
"""Dollars are kept to a millionth: far below a cent, and stable text for unchanged amounts."""


def cost_annotation(account: AppAccount, as_of: datetime) -> str:
    """The `sparkfleet.io/cost` value of an application (the shape `api.wire.ANNOTATION_COST` documents)."""
    return json.dumps(
        {
            "currency": CURRENCY,
            "total": round(account.total, _ROUND),
            "spot": round(account.spot, _ROUND),
            "onDemand": round(account.on_demand, _ROUND),
            "placeholderWaste": round(account.placeholder_waste, _ROUND),
            "asOf": format_rfc3339(as_of),
        },
        sort_keys=True,
    )


def account_of(cost: AppCost, queue: str = "") -> AppAccount:
    """An application's account from its annotation (what a restarted controller goes on from)."""
    return AppAccount(cost.spot, cost.on_demand, cost.placeholder_waste, queue)


def _row(key: FleetKey) -> list[Any]:
    return [key.kind.value, key.namespace, key.queue, key.node_pool, key.capacity_type]


def encode_ledger(ledger: Ledger) -> dict[str, str]:
    body = {
        "version": _VERSION,
        "currency": CURRENCY,
        "asOf": format_rfc3339(ledger.as_of) if ledger.as_of else None,
        "fleet": sorted([*_row(k), round(v, _ROUND)] for k, v in ledger.fleet.items()),
        "hourly": sorted(
            [format_rfc3339(h), *_row(k), round(v, _ROUND)] for (h, k), v in ledger.hourly.items()
        ),
    }
    return {LEDGER_KEY: json.dumps(body, sort_keys=True, separators=(",", ":"))}


def _key(raw: list[Any]) -> FleetKey | None:
    if len(raw) != 5 or not all(isinstance(v, str) for v in raw):
        return None
    try:
        return FleetKey(CostKind(raw[0]), raw[1], raw[2], raw[3], raw[4])
    except ValueError:
        return None


def _dollars(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def decode_ledger(data: Mapping[str, str]) -> Ledger:
    """The ledger kept in ConfigMap data; an empty one when there is none or it is not ours."""
    try:
        body = json.loads(data.get(LEDGER_KEY) or "{}")
    except ValueError:
        return Ledger()
    if not isinstance(body, dict) or body.get("version") != _VERSION:
        return Ledger()
    try:
        as_of = parse_rfc3339(body["asOf"], field="asOf") if isinstance(body.get("asOf"), str) else None
    except TimestampError:
        as_of = None
    fleet: dict[FleetKey, float] = {}
    for row in body.get("fleet") or []:
        if isinstance(row, list) and len(row) == 6:
            key, dollars = _key(row[:5]), _dollars(row[5])
            if key is not None and dollars is not None:
                fleet[key] = dollars
    hourly: dict[tuple[datetime, FleetKey], float] = {}
    for row in body.get("hourly") or []:
        if isinstance(row, list) and len(row) == 7 and isinstance(row[0], str):
            key, dollars = _key(row[1:6]), _dollars(row[6])
            try:
                hour = parse_rfc3339(row[0], field="hourly")
            except TimestampError:
                continue
            if key is not None and dollars is not None:
                hourly[(hour, key)] = dollars
    return Ledger(as_of=as_of, fleet=fleet, hourly=hourly)
