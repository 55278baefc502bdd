"""YAML and JSON in and out: multi-document files, duplicate keys refused, manifests dumped in key order."""

from __future__ import annotations

import json
from typing import Any

import yaml


class _NoticingLoader(yaml.SafeLoader):
    """SafeLoader that notes duplicate mapping keys, which PyYAML would otherwise drop without a word.

    kubectl accepts them too (the last value wins), and real manifests carry them, so they are warnings:
    a user should still hear that one of the two values is ignored.
    """

    duplicates: list[str]


def _construct_mapping(loader: _NoticingLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            value = getattr(value_node, "value", "")
            loader.duplicates.append(
                f"line {key_node.start_mark.line + 1}: duplicate key {key!r} "
                f"(first at line {seen[key].start_mark.line + 1}): the last value {value!r} wins"
            )
        seen[key] = key_node
    return loader.construct_mapping(node, deep=deep)


_NoticingLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_all_noting(text: str) -> tuple[list[Any], list[str]]:
    """Every document of a YAML (or JSON) stream, without empty ones, and warnings about duplicate keys."""
    loader = _NoticingLoader(text)
    loader.duplicates = []
    try:
        docs: list[Any] = []
        while loader.check_data():  # type: ignore[no-untyped-call]
            doc = loader.get_data()
            if doc is not None:
                docs.append(doc)
        return docs, loader.duplicates
    finally:
        loader.dispose()


def load_all(text: str) -> list[Any]:
    """Every document of a YAML (or JSON) stream; empty documents (a lone `---`) are dropped."""
    return load_all_noting(text)[0]


def load_one(text: str) -> Any:
    docs = load_all(text)
    return docs[0] if docs else None


class _Dumper(yaml.SafeDumper):
    """SafeDumper writing multi-line strings (a queues.yaml inside a ConfigMap, a script) as `|` blocks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value and not any(c in value for c in "\t\r") and not value.endswith(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(obj: Any) -> str:
    return yaml.dump(obj, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True)


def dump_yaml_all(objs: list[Any]) -> str:
    return yaml.dump_all(objs, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True)


def dump_json(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=False)
