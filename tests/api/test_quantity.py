"""Kubernetes quantities and Spark memory strings are parsed exactly and never confused."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sparkfleet.api.quantity import (
    QuantityError,
    cpu_millis,
    format_bytes,
    format_cpu,
    format_mebibytes,
    memory_bytes,
    parse_quantity,
    spark_memory_bytes,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1200m", Fraction(6, 5)),
        ("4Gi", 4 * 2**30),
        ("100G", 100 * 10**9),
        ("1e3", 1000),
        ("1E3", 1000),
        ("0.5", Fraction(1, 2)),
        (".5", Fraction(1, 2)),
        ("512Mi", 512 * 2**20),
        ("1k", 1000),
        ("1Ki", 1024),
        (3, 3),
        (1.5, Fraction(3, 2)),
    ],
)
def test_kubernetes_quantities_parse_exactly(text: str | int | float, expected: Fraction | int) -> None:
    assert parse_quantity(text) == expected


@pytest.mark.parametrize("text", ["1x", "", "Gi", "1 Gi", "1gi", "1.2.3", "--1"])
def test_invalid_quantities_are_refused_with_the_accepted_suffixes(text: str) -> None:
    with pytest.raises(QuantityError, match="suffix"):
        parse_quantity(text)


def test_cpu_rounds_up_to_whole_millicores() -> None:
    assert cpu_millis("1200m") == 1200
    assert cpu_millis(1) == 1000
    assert cpu_millis("0.0001") == 1


def test_memory_in_bytes() -> None:
    assert memory_bytes("896Mi") == 896 * 2**20
    assert memory_bytes("1e3") == 1000


@pytest.mark.parametrize(
    ("text", "expected"),
    [("512m", 512 * 2**20), ("4g", 4 * 2**30), ("4G", 4 * 2**30), ("1024", 1024 * 2**20), ("2gb", 2 * 2**30)],
)
def test_spark_memory_strings_use_binary_jvm_units(text: str, expected: int) -> None:
    assert spark_memory_bytes(text) == expected


def test_spark_and_kubernetes_read_512m_differently() -> None:
    assert spark_memory_bytes("512m") == 512 * 2**20
    assert parse_quantity("512m") == Fraction(512, 1000)


@pytest.mark.parametrize("text", ["4Gi", "1.5g", "g", "4 x"])
def test_invalid_spark_memory_names_the_units(text: str) -> None:
    with pytest.raises(QuantityError):
        spark_memory_bytes(text)


def test_formatting() -> None:
    assert format_mebibytes(896 * 2**20) == "896Mi"
    assert format_mebibytes(896 * 2**20 + 1) == "897Mi"
    assert format_cpu(1200) == "1200m"
    assert format_cpu(2000) == "2"
    assert format_bytes(4 * 2**30) == "4Gi"
    assert format_bytes(1536 * 2**20) == "1536Mi"
    assert format_bytes(100) == "100"


@given(st.integers(min_value=0, max_value=2**62))
def test_formatted_bytes_parse_back_to_the_same_number(n: int) -> None:
    assert memory_bytes(format_bytes(n)) == n


@given(st.integers(min_value=0, max_value=10**9))
def test_formatted_cpu_parses_back(millis: int) -> None:
    assert cpu_millis(format_cpu(millis)) == millis


@pytest.mark.parametrize("text", ["1e9999999", "1e-9999999", "5e65"])
def test_an_exponent_past_any_usable_amount_is_refused_before_it_is_computed(text: str) -> None:
    with pytest.raises(QuantityError, match=r"the exponent must be within -64\.\.64"):
        parse_quantity(text)


def test_a_quantity_or_spark_memory_string_over_64_characters_is_refused_and_cut_in_the_message() -> None:
    long_number = "1" * 5000
    for parse in (parse_quantity, spark_memory_bytes):
        with pytest.raises(QuantityError, match="longer than 64 characters") as caught:
            parse(long_number)
        assert len(str(caught.value)) < 200
