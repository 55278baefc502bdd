"""Packing groups into node patterns: everything placed, nodes never overfull, mixes balance resources."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sparkfleet.engine.provisioning.packing import cost, fit_counts, pack, usable_allocatable

GI = 2**30
# three node types of one family shape (2 GiB per vCPU), prices linear in size
ALLOC = np.array(
    [[16_000, 32 * GI, 0, 100], [32_000, 64 * GI, 0, 200], [64_000, 128 * GI, 0, 400]], dtype=np.int64
)
PRICE = np.array([1.0, 2.0, 4.0])


def _placed(patterns: list, groups: int) -> np.ndarray:  # type: ignore[type-arg]
    total = np.zeros(groups, dtype=np.int64)
    for p in patterns:
        total += p.reps * p.counts
    return total


def test_cpu_heavy_and_memory_heavy_pods_share_nodes() -> None:
    requests = np.array([[4000, 2 * GI, 0, 1], [1000, 14 * GI, 0, 1]], dtype=np.int64)
    counts = np.array([160, 40])
    patterns = pack(requests, counts, ALLOC, PRICE)
    assert (_placed(patterns, 2) == counts).all()
    assert any(p.counts[0] and p.counts[1] for p in patterns)
    separately = cost(pack(requests[:1], counts[:1], ALLOC, PRICE), PRICE) + cost(
        pack(requests[1:], counts[1:], ALLOC, PRICE), PRICE
    )
    assert cost(patterns, PRICE) < separately


def test_bulk_goes_to_the_cheapest_type_per_unit_and_the_tail_to_the_cheapest_that_holds_it() -> None:
    volume_discount = np.array([1.0, 1.9, 3.6])
    requests = np.array([[4000, 8 * GI, 0, 1]], dtype=np.int64)
    patterns = pack(requests, np.array([17]), ALLOC, volume_discount)
    assert (_placed(patterns, 1) == [17]).all()
    assert [(p.type, int(p.counts[0]), p.reps) for p in patterns] == [(2, 16, 1), (0, 1, 1)]


def test_usable_allocatable_rounds_down_to_whole_pods() -> None:
    requests = np.array([[2000, GI, 0, 1], [4000, 2 * GI, 0, 1]], dtype=np.int64)
    alloc = np.array([[15_890, 20 * GI + 5, 0, 50]], dtype=np.int64)
    assert usable_allocatable(requests, alloc).tolist() == [[14_000, 20 * GI, 0, 50]]
    assert fit_counts(requests, alloc).tolist() == [[7], [3]]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 16), st.integers(1, 60), st.integers(1, 60)), min_size=1, max_size=6)
)
def test_every_pod_is_placed_and_no_node_is_overfull(shapes: list[tuple[int, int, int]]) -> None:
    requests = np.array([[c * 1000, m * GI, 0, 1] for c, m, _ in shapes], dtype=np.int64)
    counts = np.array([n for _, _, n in shapes], dtype=np.int64)
    patterns = pack(requests, counts, ALLOC, PRICE)
    assert (_placed(patterns, len(shapes)) == counts).all()
    for p in patterns:
        assert p.reps >= 1
        assert (p.counts @ requests <= ALLOC[p.type]).all()
