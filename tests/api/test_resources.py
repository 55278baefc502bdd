"""YuniKorn quantities are integers in YuniKorn's units: memory bytes, vcore millicores, other counts."""

import pytest

from sparkfleet.api.resources import (
    ResourceError,
    add,
    exceeding,
    fits_in,
    fits_in_max,
    format_resources,
    from_kubernetes,
    min_of_maxes,
    parse_yunikorn_quantity,
    subtract,
    yunikorn_resources,
)


def test_memory_suffixes_are_decimal_or_binary_bytes() -> None:
    assert yunikorn_resources({"memory": "100G"}) == {"memory": 100 * 10**9}
    assert yunikorn_resources({"memory": "4Gi"}) == {"memory": 4 * 2**30}
    assert yunikorn_resources({"memory": "1k"}) == {"memory": 1000}
    assert yunikorn_resources({"memory": "2Ei"}) == {"memory": 2 * 2**60}
    assert yunikorn_resources({"memory": 1024}) == {"memory": 1024}


def test_vcore_is_counted_in_millicores() -> None:
    assert yunikorn_resources({"vcore": 10}) == {"vcore": 10_000}
    assert yunikorn_resources({"vcore": "500m"}) == {"vcore": 500}
    assert yunikorn_resources({"vcore": "2k"}) == {"vcore": 2_000_000}


def test_other_resources_are_plain_integers() -> None:
    assert yunikorn_resources({"nvidia.com/gpu": "2", "pods": 110, "ephemeral-storage": "1Ti"}) == {
        "nvidia.com/gpu": 2,
        "pods": 110,
        "ephemeral-storage": 2**40,
    }


def test_whitespace_inside_a_quantity_is_ignored_as_yunikorn_does() -> None:
    assert parse_yunikorn_quantity(" 10 G ") == 10 * 10**9


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("1.5G", "whole numbers"),
        ("10K", 'invalid suffix "K"'),
        ("500m", "only for vcore"),
        ("ten", "whole numbers"),
        ("-5", "negative"),
        ("10E", "overflows"),
        ("", "whole numbers"),
    ],
)
def test_values_yunikorn_refuses_are_refused(value: str, fragment: str) -> None:
    with pytest.raises(ResourceError, match=fragment):
        parse_yunikorn_quantity(value)


def test_booleans_are_not_quantities() -> None:
    with pytest.raises(ResourceError):
        parse_yunikorn_quantity(True)


def test_kubernetes_requests_map_to_what_the_shim_reports() -> None:
    assert from_kubernetes({"cpu": "1200m", "memory": "4Gi", "nvidia.com/gpu": 1}) == {
        "vcore": 1200,
        "memory": 4 * 2**30,
        "nvidia.com/gpu": 1,
    }
    assert from_kubernetes({"cpu": 2, "memory": "1.5Gi"}) == {"vcore": 2000, "memory": 3 * 2**29}


def test_a_missing_resource_counts_as_zero_against_a_guarantee_but_unlimited_against_a_max() -> None:
    usage = {"memory": 10, "vcore": 1000}
    assert not fits_in({"memory": 100}, usage)
    assert fits_in({"memory": 100, "vcore": 1000}, usage)
    assert fits_in_max({"memory": 100}, usage)
    assert not fits_in_max({"memory": 5}, usage)


def test_vector_arithmetic_and_limits() -> None:
    assert add({"memory": 1}, {"memory": 2, "vcore": 3}) == {"memory": 3, "vcore": 3}
    assert subtract({"memory": 5}, {"memory": 2, "vcore": 1}) == {"memory": 3, "vcore": -1}
    assert min_of_maxes({"memory": 10, "vcore": 5}, {"memory": 4, "pods": 3}) == {
        "memory": 4,
        "vcore": 5,
        "pods": 3,
    }
    assert exceeding({"memory": 4}, {"memory": 5, "vcore": 1}, missing_is_unlimited=True) == ["memory"]
    assert exceeding({"memory": 4}, {"memory": 5, "vcore": 1}, missing_is_unlimited=False) == [
        "memory",
        "vcore",
    ]


def test_formatting_uses_yunikorn_units() -> None:
    assert format_resources({"vcore": 10_000, "memory": 100 * 10**9}) == "memory=100G vcore=10"
    assert (
        format_resources({"vcore": 1500, "memory": 4 * 2**30, "pods": 7}) == "memory=4Gi pods=7 vcore=1500m"
    )
