"""Resource sets and vectors in the engine's integer units, and how amounts are written for people."""

from __future__ import annotations

from sparkfleet.engine.scheduling.resources import (
    LimitSet,
    ResourceIndex,
    Resources,
    format_amount,
    format_resources,
)


def test_resources_are_canonical_hashable_and_add_up() -> None:
    a = Resources({"cpu": 1000, "memory": 0, "pods": 1})
    assert a == Resources([("pods", 1), ("cpu", 1000)])
    assert hash(a) == hash(Resources({"pods": 1, "cpu": 1000}))
    assert (a + a).as_dict() == {"cpu": 2000, "pods": 2}
    assert (a - a) == Resources()
    assert a.times(3).get("cpu") == 3000
    assert a.fits_in(Resources({"cpu": 1000, "pods": 1, "memory": 5}))
    assert not a.fits_in(Resources({"cpu": 999, "pods": 1}))
    assert Resources({"cpu": 5}).over(Resources({"cpu": 4, "memory": 1})) == ["cpu"]


def test_amounts_are_written_the_way_people_write_them() -> None:
    assert format_amount("cpu", 1500) == "1500m"
    assert format_amount("cpu", 20_000) == "20"
    assert format_amount("memory", 100 * 10**9) == "100G"
    assert format_amount("memory", 15 * 2**30) == "15Gi"
    assert format_amount("pods", 3) == "3"
    res = Resources({"cpu": 21_000, "memory": 44 * 2**30})
    assert format_resources(res, yunikorn=True) == "{memory: 44Gi, vcore: 21}"
    assert format_resources(res) == "{cpu: 21, memory: 44Gi}"


def test_vectors_follow_a_fixed_column_order_and_max_vectors_leave_the_rest_unlimited() -> None:
    index = ResourceIndex(["nvidia.com/gpu", "cpu"])
    assert index.names == ("cpu", "memory", "pods", "ephemeral-storage", "nvidia.com/gpu")
    assert index.vector(Resources({"nvidia.com/gpu": 2, "cpu": 500})).tolist() == [500, 0, 0, 0, 2]
    limit = LimitSet({"cpu": 0}).vector(index)
    assert limit[0] == 0 and limit[1] > 2**61
    assert LimitSet({"cpu": 10_000, "memory": 10**11}).format() == "{memory: 100G, vcore: 10}"
