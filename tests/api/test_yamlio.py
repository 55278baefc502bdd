"""YAML input refuses what Kubernetes refuses and keeps documents in order."""

from sparkfleet.api.yamlio import dump_yaml, load_all, load_all_noting, load_one


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
