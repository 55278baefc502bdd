"""Accrual: each application pays its nodes' price by its pods' dominant resource share, idle room is the
NodePool's waste, and the ledger charges the last step's rates over the time since."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sparkfleet.engine.cost import (
    HOURLY_RETENTION,
    AppKey,
    CostKind,
    CostNode,
    CostPod,
    CostSnapshot,
    FleetKey,
    Ledger,
    RateKey,
    accrue,
    dominant_share,
    forget_apps,
    rates,
)
from sparkfleet.engine.cost.accrual import hour_of

GIB = 1024**3
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NODE = CostNode("n1", 1.0, "on-demand", "pool-a", {"cpu": 4000, "memory": 16 * GIB})


def pod(name: str, cpu: int, memory_gib: int, app: str = "etl", *, placeholder: bool = False) -> CostPod:
    return CostPod("ns", name, "n1", {"cpu": cpu, "memory": memory_gib * GIB}, app, "root.q", placeholder)


def test_the_dominant_share_is_the_largest_fraction_of_any_resource_the_node_has() -> None:
    allocatable = {"cpu": 16000, "memory": 32 * GIB}
    assert dominant_share({"cpu": 4000, "memory": 8 * GIB}, allocatable) == 0.25
    assert dominant_share({"cpu": 1000, "memory": 16 * GIB}, allocatable) == 0.5
    assert dominant_share({"cpu": 1000, "nvidia.com/gpu": 1}, allocatable) == 1000 / 16000, "no such resource"
    assert dominant_share({}, allocatable) == 0.0


def test_pods_pay_their_share_and_the_room_left_is_idle_waste_of_the_nodepool() -> None:
    snapshot = CostSnapshot((NODE,), (pod("driver", 1000, 2), pod("ph", 1000, 1, placeholder=True)))
    assert rates(snapshot) == {
        RateKey(CostKind.POD, "ns", "etl", "root.q", "pool-a", "on-demand"): 0.25,
        RateKey(CostKind.PLACEHOLDER, "ns", "etl", "root.q", "pool-a", "on-demand"): 0.25,
        RateKey(CostKind.IDLE, "", "", "", "pool-a", "on-demand"): 0.5,
    }


def test_shares_over_one_are_scaled_down_so_a_node_is_never_charged_twice() -> None:
    cpu_heavy, memory_heavy = pod("a", 3000, 1, app="a"), pod("b", 1000, 12, app="b")  # 3/4 + 3/4
    got = rates(CostSnapshot((NODE,), (cpu_heavy, memory_heavy)))
    assert got == {
        RateKey(CostKind.POD, "ns", "a", "root.q", "pool-a", "on-demand"): 0.5,
        RateKey(CostKind.POD, "ns", "b", "root.q", "pool-a", "on-demand"): 0.5,
    }


@given(st.lists(st.tuples(st.integers(0, 8000), st.integers(0, 32)), max_size=8), st.floats(0.01, 50.0))
def test_for_every_node_the_pods_and_its_idle_room_add_up_to_its_price(
    requests: list[tuple[int, int]], price: float
) -> None:
    node = CostNode("n1", price, "spot", "p", {"cpu": 4000, "memory": 16 * GIB})
    pods = tuple(pod(f"p{i}", cpu, mem, app=f"a{i}") for i, (cpu, mem) in enumerate(requests))
    assert sum(rates(CostSnapshot((node,), pods)).values()) == pytest.approx(price)


def test_pods_on_nodes_the_snapshot_does_not_price_pay_nothing() -> None:
    stray = CostPod("ns", "x", "unpriced-node", {"cpu": 1000}, "etl")
    assert rates(CostSnapshot((), (stray,))) == {}


def test_the_first_step_charges_nothing_and_each_next_step_charges_the_rates_seen_before() -> None:
    before = CostSnapshot((NODE,), (pod("driver", 1000, 2),))
    first = accrue(Ledger(), before, T0)
    assert first.as_of == T0 and first.apps == {} and first.fleet == {}

    after = accrue(first, CostSnapshot((NODE,), ()), T0 + timedelta(minutes=30))
    assert after.apps[AppKey("ns", "etl")].on_demand == pytest.approx(0.25 * 0.5)
    assert after.apps[AppKey("ns", "etl")].queue == "root.q"
    assert after.fleet[FleetKey(CostKind.IDLE, "", "", "pool-a", "on-demand")] == pytest.approx(0.75 * 0.5)
    assert after.rates == {RateKey(CostKind.IDLE, "", "", "", "pool-a", "on-demand"): 1.0}, "the pod ended"


def test_spot_and_placeholder_time_are_kept_apart_in_the_account() -> None:
    spot = CostNode("n1", 2.0, "spot", "pool-s", {"cpu": 4000})
    snapshot = CostSnapshot((spot,), (pod("exec", 1000, 0), pod("ph", 1000, 0, placeholder=True)))
    ledger = accrue(accrue(Ledger(), snapshot, T0), snapshot, T0 + timedelta(hours=1))
    account = ledger.apps[AppKey("ns", "etl")]
    assert (account.spot, account.on_demand, account.placeholder_waste) == (1.0, 0.0, 0.5)
    assert account.total == 1.0


def test_a_clock_that_went_back_charges_nothing() -> None:
    ledger = accrue(Ledger(), CostSnapshot((NODE,), ()), T0)
    back = accrue(ledger, CostSnapshot((NODE,), ()), T0 - timedelta(minutes=5))
    assert back.fleet == {}


def test_hourly_lines_split_a_step_at_the_hour_and_age_out_after_the_retention() -> None:
    idle = FleetKey(CostKind.IDLE, "", "", "pool-a", "on-demand")
    empty = CostSnapshot((NODE,), ())
    start = T0 + timedelta(minutes=45)
    ledger = accrue(accrue(Ledger(), empty, start), empty, start + timedelta(minutes=30))
    assert ledger.hourly == {
        (T0, idle): pytest.approx(0.25),
        (T0 + timedelta(hours=1), idle): pytest.approx(0.25),
    }
    later = accrue(ledger, empty, start + HOURLY_RETENTION + timedelta(hours=2))
    assert later.as_of is not None
    assert min(hour for hour, _ in later.hourly) >= hour_of(later.as_of - HOURLY_RETENTION)
    away = (HOURLY_RETENTION + timedelta(hours=1, minutes=30)) / timedelta(hours=1)
    assert later.fleet[idle] == pytest.approx(0.5 + away), "the all-time lines keep everything"


def test_forgetting_deleted_applications_keeps_their_dollars_in_the_fleet_lines() -> None:
    snapshot = CostSnapshot((NODE,), (pod("driver", 1000, 2),))
    ledger = accrue(accrue(Ledger(), snapshot, T0), snapshot, T0 + timedelta(hours=1))
    gone = forget_apps(ledger, set())
    assert gone.apps == {} and gone.fleet == ledger.fleet
