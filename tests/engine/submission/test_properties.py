"""spark.properties written as Java's Properties.store writes it, and read back."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from sparkfleet.engine.submission import parse_properties, render_properties
from sparkfleet.engine.submission.properties import java_date


def test_separators_and_comment_characters_are_escaped() -> None:
    text = render_properties("cm", {"spark.master": "k8s://https://h:443", "a#b": "x=y!z"}, None)
    assert text.splitlines() == [
        "#Java properties built from Kubernetes config map with name: cm",
        "a\\#b=x\\=y\\!z",
        "spark.master=k8s\\://https\\://h\\:443",
    ]


def test_spaces_are_escaped_in_keys_and_at_the_start_of_values() -> None:
    text = render_properties("cm", {"a key": " lead and inner"}, None)
    assert text.splitlines()[1] == "a\\ key=\\ lead and inner"


def test_backslashes_and_line_breaks_are_escaped() -> None:
    text = render_properties("cm", {"k": "C:\\dir\nnext"}, None)
    assert text.splitlines()[1] == "k=C\\:\\\\dir\\nnext"


def test_the_date_line_is_java_date_to_string_in_utc() -> None:
    moment = datetime(2026, 11, 23, 23, 31, 38, tzinfo=UTC)
    assert java_date(moment) == "Mon Nov 23 23:31:38 UTC 2026"
    assert render_properties("cm", {}, moment).splitlines()[1] == "#Mon Nov 23 23:31:38 UTC 2026"


def test_entries_are_sorted_so_equal_confs_give_equal_text() -> None:
    assert render_properties("cm", {"b": "1", "a": "2"}, None) == render_properties(
        "cm", {"a": "2", "b": "1"}, None
    )


@given(st.dictionaries(st.text(min_size=1), st.text()))
def test_what_is_written_reads_back_the_same(props: dict[str, str]) -> None:
    assert parse_properties(render_properties("cm", props, None)) == props
