"""The texts cost is kept in: the `sparkfleet.io/cost` annotation and the fleet ledger's ConfigMap data."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sparkfleet.api.appinsight import cost_of
from sparkfleet.api.wire import ANNOTATION_COST
from sparkfleet.engine.cost import (
    LEDGER_KEY,
    AppAccount,
    CostKind,
    FleetKey,
    Ledger,
    account_of,
    cost_annotation,
    decode_ledger,
    encode_ledger,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
POD_LINE = FleetKey(CostKind.POD, "ns", "root.q", "pool-a", "spot")
IDLE_LINE = FleetKey(CostKind.IDLE, "", "", "pool-a", "on-demand")


def test_the_annotation_holds_the_documented_fields_and_reads_back_into_an_account() -> None:
    account = AppAccount(spot=0.5, on_demand=0.1234567891, placeholder_waste=0.25, queue="root.q")
    text = cost_annotation(account, T0)
    assert json.loads(text) == {
        "currency": "USD",
        "total": 0.623457,
        "spot": 0.5,
        "onDemand": 0.123457,
        "placeholderWaste": 0.25,
        "asOf": "2026-01-05T09:00:00Z",
    }
    cost = cost_of({"metadata": {"annotations": {ANNOTATION_COST: text}}})
    assert cost is not None and cost.as_of == T0
    assert account_of(cost, "root.q") == AppAccount(0.5, 0.123457, 0.25, "root.q")


def test_the_ledger_round_trips_its_lines_and_time_but_not_its_rates() -> None:
    ledger = Ledger(
        as_of=T0,
        fleet={POD_LINE: 1.5, IDLE_LINE: 0.25},
        hourly={(T0, POD_LINE): 1.5, (T0, IDLE_LINE): 0.25},
    )
    data = encode_ledger(ledger)
    assert list(data) == [LEDGER_KEY]
    assert decode_ledger(data) == ledger
    assert json.loads(data[LEDGER_KEY])["fleet"][0] == ["idle_node", "", "", "pool-a", "on-demand", 0.25]
    assert encode_ledger(decode_ledger(data)) == data, "the same ledger is the same text"


def test_a_missing_foreign_or_broken_ledger_reads_as_empty_and_bad_rows_are_skipped() -> None:
    assert decode_ledger({}) == Ledger()
    assert decode_ledger({LEDGER_KEY: "not json"}) == Ledger()
    assert decode_ledger({LEDGER_KEY: json.dumps({"version": 2, "fleet": []})}) == Ledger()
    body = {
        "version": 1,
        "asOf": "yesterday",
        "fleet": [
            ["pod", "ns", "root.q", "pool-a", "spot", 2.0],
            ["lunch", "ns", "root.q", "pool-a", "spot", 1.0],
            ["pod", "ns", "root.q", "pool-a", "spot", "NaN"],
            ["pod", "ns", "root.q", "pool-a", True],
        ],
        "hourly": [["not a time", "pod", "ns", "root.q", "pool-a", "spot", 1.0]],
    }
    assert decode_ledger({LEDGER_KEY: json.dumps(body)}) == Ledger(fleet={POD_LINE: 2.0})
