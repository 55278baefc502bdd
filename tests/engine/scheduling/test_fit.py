"""Batch placement gives exactly the result of placing the pods one by one (binpacking and fair)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sparkfleet.engine.scheduling.fit import NodeSortPolicy, capacity, place
from sparkfleet.engine.scheduling.nodes import NodeTable
from sparkfleet.engine.scheduling.resources import ResourceIndex, Resources

from .builders import node

INDEX_NAMES = ("cpu", "memory", "pods")


def table(shapes: list[tuple[int, int, int]], used: list[tuple[int, int]]) -> NodeTable:
    """Nodes with power-of-two sizes (so score arithmetic is exact) and some usage already."""
    nodes = [node(f"n{i:02d}", cpu / 1000, mem / 2**30, pods) for i, (cpu, mem, pods) in enumerate(shapes)]
    t = NodeTable(nodes, ResourceIndex(INDEX_NAMES), {"cpu": 1.0, "memory": 1.0})
    for row, (cpu, mem) in enumerate(used):
        t.use_one(row, t.index.vector(Resources({"cpu": cpu, "memory": mem})))
    return t


shape = st.tuples(st.sampled_from([8192, 16384, 32768]), st.sampled_from([2**33, 2**34, 2**35]), st.just(110))
usage = st.tuples(st.sampled_from([0, 1024, 4096, 8192]), st.sampled_from([0, 2**30, 2**32]))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(shape, usage), min_size=1, max_size=12),
    st.sampled_from([1024, 2048, 4096]),
    st.sampled_from([2**30, 2**31]),
    st.integers(1, 60),
    st.sampled_from(list(NodeSortPolicy)),
)
def test_placing_n_pods_at_once_equals_placing_them_one_by_one(
    nodes: list[tuple[tuple[int, int, int], tuple[int, int]]],
    cpu: int,
    mem: int,
    n: int,
    policy: NodeSortPolicy,
) -> None:
    shapes = [s for s, _ in nodes]
    used = [u for _, u in nodes]
    batch, single = table(shapes, used), table(shapes, used)
    request = batch.index.vector(Resources({"cpu": cpu, "memory": mem, "pods": 1}))
    rows = np.arange(len(nodes))
    chosen, counts = place(batch, rows, request, n, policy)
    one_by_one = np.zeros(len(nodes), dtype=np.int64)
    for _ in range(n):
        r, c = place(single, rows, request, 1, policy)
        if not c.size:
            break
        one_by_one[r] += c
    at_once = np.zeros(len(nodes), dtype=np.int64)
    at_once[chosen] = counts
    assert at_once.tolist() == one_by_one.tolist()
    assert (batch.free == single.free).all()


def test_capacity_is_the_tightest_resource() -> None:
    t = table([(16384, 2**34, 3)], [(0, 0)])
    request = t.index.vector(Resources({"cpu": 1024, "memory": 2**30, "pods": 1}))
    assert capacity(t, np.arange(1), request).tolist() == [3]  # pods: 3 per node


def test_binpacking_fills_the_most_used_node_first() -> None:
    t = table([(16384, 2**34, 110), (16384, 2**34, 110)], [(0, 0), (8192, 2**33)])
    request = t.index.vector(Resources({"cpu": 1024, "memory": 2**30, "pods": 1}))
    chosen, counts = place(t, np.arange(2), request, 3, NodeSortPolicy.BINPACKING)
    assert (chosen.tolist(), counts.tolist()) == ([1], [3])


def test_fair_spreads_to_the_least_used_nodes() -> None:
    t = table([(16384, 2**34, 110), (16384, 2**34, 110)], [(0, 0), (4096, 2**32)])
    request = t.index.vector(Resources({"cpu": 1024, "memory": 2**30, "pods": 1}))
    chosen, counts = place(t, np.arange(2), request, 6, NodeSortPolicy.FAIR)
    # node 0 takes 4 pods to reach node 1's usage, then they alternate (ties go to the first name)
    assert dict(zip(chosen.tolist(), counts.tolist(), strict=True)) == {0: 5, 1: 1}
