"""YAML input refuses what Kubernetes refuses and keeps documents in order; no document costs more than
its size."""

import tracemalloc
from pathlib import Path

import pytest
import yaml

from sparkfleet.api.yamlio import (
    MAX_DEPTH,
    DocumentRefused,
    dump_yaml,
    load_all,
    load_all_noting,
    load_document,
    load_json,
    load_one,
    read_text,
)


def test_multi_document_streams_skip_empty_documents() -> None:
    assert load_all("---\na: 1\n---\n---\nb: 2\n") == [{"a": 1}, {"b": 2}]


def test_duplicate_keys_are_noted_and_the_last_value_wins_as_in_kubectl() -> None:
    docs, warnings = load_all_noting("driver:\n  cores: 1\n  cores: 2\n")
    assert docs == [{"driver": {"cores": 2}}]
    assert warnings == ["line 3: duplicate key 'cores' (first at line 2): the last value '2' wins"]


def test_load_one_reads_the_first_document() -> None:
    assert load_one("a: 1\n---\nb: 2\n") == {"a": 1}


def test_dump_keeps_key_order() -> None:
    assert dump_yaml({"kind": "Pod", "apiVersion": "v1"}) == "kind: Pod\napiVersion: v1\n"


def test_multi_line_strings_are_written_as_blocks_and_read_back() -> None:
    text = dump_yaml({"data": {"queues.yaml": "partitions:\n- name: default\n"}})
    assert text == "data:\n  queues.yaml: |\n    partitions:\n    - name: default\n"
    assert load_one(text) == {"data": {"queues.yaml": "partitions:\n- name: default\n"}}


# --- limits: what a hostile document may cost ------------------------------------------------------

LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)
BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + LAUGHS


def test_a_billion_laughs_document_is_refused_before_it_is_expanded() -> None:
    assert len(BILLION_LAUGHS) < 600
    tracemalloc.start()
    try:
        with pytest.raises(
            DocumentRefused, match=r"aliases expand it to 490,329,064 nodes from 28: more than"
        ):
            load_all(BILLION_LAUGHS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024  # bytes: the composed nodes, never the expansion


def test_a_few_aliases_are_expanded_as_yaml_means_them() -> None:
    docs = load_all("defaults: &d {cores: 1, memory: 512m}\ndriver: *d\nexecutor:\n  <<: *d\n  cores: 2\n")
    assert docs == [
        {
            "defaults": {"cores": 1, "memory": "512m"},
            "driver": {"cores": 1, "memory": "512m"},
            "executor": {"cores": 2, "memory": "512m"},
        }
    ]


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    with pytest.raises(DocumentRefused, match="line 1: an alias refers to the node that holds it"):
        load_all("a: &loop [1, *loop]\n")


@pytest.mark.parametrize(
    "text", ["[" * 10_000 + "]" * 10_000, "a:\n" + "".join(" " * i + "- \n" for i in range(200))]
)
def test_yaml_nested_deeper_than_the_limit_is_refused_without_exhausting_the_stack(text: str) -> None:
    with pytest.raises(DocumentRefused, match=f"nested more than {MAX_DEPTH} levels deep"):
        load_all(text)


def test_yaml_as_deep_as_the_limit_loads() -> None:
    depth = MAX_DEPTH - 1
    assert load_one("[" * depth + "1" + "]" * depth) is not None


@pytest.mark.parametrize("text", ["[" * 10_000 + "]" * 10_000, '{"a":' * 150 + "1" + "}" * 150])
def test_json_nested_deeper_than_the_limit_is_refused(text: str) -> None:
    with pytest.raises(DocumentRefused, match=f"nested more than {MAX_DEPTH} levels deep"):
        load_json(text)


def test_json_loads_as_json_does() -> None:
    assert load_json(b'{"kind": "Pod", "spec": {"containers": [{"name": "main"}]}}') == {
        "kind": "Pod",
        "spec": {"containers": [{"name": "main"}]},
    }
    with pytest.raises(ValueError, match="Expecting property name"):
        load_json("{")


def test_text_that_is_not_utf8_is_refused_naming_the_byte() -> None:
    with pytest.raises(DocumentRefused, match="not UTF-8 text: byte 0xff at offset 7; save it as UTF-8"):
        load_all(b"kind: P\xffd\n")


def test_a_scalar_its_constructor_refuses_is_a_yaml_error_with_its_line() -> None:
    with pytest.raises(yaml.YAMLError, match=r"line 2: .*4300"):
        load_all("a: 1\nb: " + "9" * 5000 + "\n")


def test_load_document_takes_one_document_only() -> None:
    assert load_document("a: 1\n") == {"a": 1}
    assert load_document("") is None
    with pytest.raises(yaml.YAMLError, match="expected a single document"):
        load_document("a: 1\n---\nb: 2\n")


def test_read_text_refuses_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text("kind: Pod\n", encoding="utf-8")
    bad.write_bytes(b"kind: \xc3\x28\n")
    assert read_text(good) == "kind: Pod\n"
    with pytest.raises(DocumentRefused, match="byte 0xc3 at offset 6"):
        read_text(bad)


def test_escaped_surrogates_in_yaml_are_read_as_go_reads_them() -> None:
    doc = load_document('pair: "\\ud83d\\ude00"\nlone: "a\\udb45b"\n')
    assert doc == {"pair": "\U0001f600", "lone": "a\ufffdb"}
