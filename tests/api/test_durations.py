"""Go duration strings become exact seconds; `Never` means no deadline."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparkfleet.api.durations import (
    DurationError,
    format_go_duration,
    is_go_duration,
    parse_duration,
    parse_go_duration,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("720h", 2_592_000),
        ("1m", 60),
        ("30s", 30),
        ("1h30m", 5400),
        ("0s", 0),
        ("1h0m0s", 3600),
        ("90m", 5400),
    ],
)
def test_whole_unit_durations_are_exact_seconds(text: str, seconds: int) -> None:
    assert parse_go_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1.5h", Fraction(5400)),
        ("100ms", Fraction(1, 10)),
        ("2us", Fraction(2, 10**6)),
        ("3\u00b5s", Fraction(3, 10**6)),
        ("7ns", Fraction(7, 10**9)),
        (".5s", Fraction(1, 2)),
        ("1.s", Fraction(1)),
        ("-1.5s", Fraction(-3, 2)),
        ("+2m", Fraction(120)),
        ("0", Fraction(0)),
        ("-0", Fraction(0)),
    ],
)
def test_go_syntax_with_fractions_signs_and_small_units_is_exact(text: str, seconds: Fraction) -> None:
    assert parse_go_duration(text) == seconds


def test_never_means_no_deadline() -> None:
    assert parse_duration("Never") is None
    assert parse_duration("720h") == 2_592_000


def test_never_is_not_a_go_duration() -> None:
    with pytest.raises(DurationError, match="invalid duration"):
        parse_go_duration("Never")


@pytest.mark.parametrize("text", ["", "1d", "h", "1", "1.5", "1 h", "--1s", "1h 30m", "1H", "+", "s30", "1w"])
def test_strings_go_would_refuse_are_refused(text: str) -> None:
    assert not is_go_duration(text)
    with pytest.raises(DurationError, match="invalid duration"):
        parse_go_duration(text)


def test_durations_beyond_int64_nanoseconds_are_refused() -> None:
    assert parse_go_duration("2562047h") == 2562047 * 3600
    with pytest.raises(DurationError, match="larger than Go can hold"):
        parse_go_duration("2562048h")


def test_non_strings_are_not_durations() -> None:
    assert not is_go_duration(30)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (5400, "1h30m0s"),
        (60, "1m0s"),
        (0, "0s"),
        (Fraction(3, 2), "1.5s"),
        (Fraction(1, 10), "100ms"),
        (Fraction(3, 2_000_000), "1.5\u00b5s"),
        (Fraction(1, 10**9), "1ns"),
        (-90, "-1m30s"),
        (2_592_000, "720h0m0s"),
    ],
)
def test_formatting_matches_go_duration_string(seconds: Fraction | int, text: str) -> None:
    assert format_go_duration(seconds) == text


def test_formatting_refuses_fractions_of_a_nanosecond() -> None:
    with pytest.raises(DurationError, match="nanoseconds"):
        format_go_duration(Fraction(1, 3))


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(2**62), max_value=2**62))
def test_formatted_durations_parse_back_to_the_same_nanoseconds(nanos: int) -> None:
    seconds = Fraction(nanos, 10**9)
    assert parse_go_duration(format_go_duration(seconds)) == seconds
