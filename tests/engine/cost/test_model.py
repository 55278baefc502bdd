"""What the cost engine keeps: an application's account totals spot and on-demand, waste included."""

from __future__ import annotations

from sparkfleet.engine.cost import AppAccount, Ledger


def test_an_accounts_total_is_spot_plus_on_demand_with_placeholder_waste_inside_it() -> None:
    account = AppAccount(spot=0.75, on_demand=0.25, placeholder_waste=0.5)
    assert account.total == 1.0


def test_a_new_ledger_has_no_time_rates_or_lines() -> None:
    ledger = Ledger()
    assert (ledger.as_of, dict(ledger.rates), dict(ledger.apps), dict(ledger.fleet)) == (None, {}, {}, {})
