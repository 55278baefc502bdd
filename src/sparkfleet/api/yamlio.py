"""YAML and JSON in and out: multi-document files, duplicate keys refused, manifests dumped in key order.

Every decoder here is bounded, so a hostile document costs no more than its size: nesting deeper than
`MAX_DEPTH` levels is refused (instead of exhausting the interpreter's stack), and so is a document whose
aliases would expand it by more than `MAX_ALIAS_EXPANSION` nodes (a "billion laughs" of a few hundred
bytes), or that refers to itself. Text must be UTF-8, as Kubernetes requires.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "MAX_ALIAS_EXPANSION",
    "MAX_DEPTH",
    "DocumentRefused",
    "decode_utf8",
    "dump_json",
    "dump_yaml",
    "dump_yaml_all",
    "load_all",
    "load_all_noting",
    "load_document",
    "load_json",
    "load_one",
    "read_text",
]

MAX_DEPTH = 100
"""Nesting levels a document may have; real manifests (CRD schemas included) stay far below."""

MAX_ALIAS_EXPANSION = 100_000
"""Nodes that aliases may add to a document once expanded (a long string counts one per 64 characters)."""


class DocumentRefused(yaml.YAMLError, ValueError):
    """A document beyond the decoding limits, or text that is not UTF-8. A YAMLError for callers of the
    YAML loaders and a ValueError for callers of the JSON one, so both catch it where they already look."""


def _weight(node: yaml.Node) -> int:
    return 1 + len(node.value) // 64 if isinstance(node, yaml.ScalarNode) else 1


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a node graph whose aliases expand it too far, or that contains itself (walked without
    recursion, each shared node once)."""
    expanded: dict[int, int] = {}
    distinct = 0
    in_progress: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            in_progress.discard(key)
            expanded[key] = _weight(node) + sum(expanded[id(c)] for c in _children(node))
            continue
        if key in expanded:
            continue
        if key in in_progress:
            raise DocumentRefused(
                f"line {node.start_mark.line + 1}: an alias refers to the node that holds it"
            )
        distinct += _weight(node)
        in_progress.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in in_progress:
                raise DocumentRefused(
                    f"line {child.start_mark.line + 1}: an alias refers to the node that holds it"
                )
            if id(child) not in expanded:
                stack.append((child, False))
    if expanded[id(root)] - distinct > MAX_ALIAS_EXPANSION:
        raise DocumentRefused(
            f"the document's aliases expand it to {expanded[id(root)]:,} nodes from {distinct:,}: more than "
            f"{MAX_ALIAS_EXPANSION:,} added nodes is refused; write the repeated parts out or use fewer "
            "aliases"
        )


class _NoticingLoader(yaml.SafeLoader):
    """SafeLoader that notes duplicate mapping keys, which PyYAML would otherwise drop without a word,
    and refuses documents beyond the limits before constructing them.

    kubectl accepts duplicate keys too (the last value wins), and real manifests carry them, so they are
    warnings: a user should still hear that one of the two values is ignored.
    """

    duplicates: list[str]
    _depth = 0
    _constructing: yaml.Node | None = None

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        self._constructing = node  # where a constructor that fails was
        return super().construct_object(node, deep)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise DocumentRefused(
                    f"line {mark.line + 1}: the document is nested more than {MAX_DEPTH} levels deep"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self) -> yaml.Node | None:
        node = super().compose_document()
        if node is not None:
            _check_expansion(node)
        return node


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


_SURROGATE = re.compile("[\ud800-\udfff]")


def mend_surrogates(text: str) -> str:
    """Text with escaped UTF-16 surrogates made whole, as Go's decoder reads them: a pair ("\\ud83d\\ude00")
    becomes the one character it encodes, a lone one U+FFFD. Python's decoders keep them as they are,
    and such a string cannot be written as UTF-8 (the store, a log, a terminal)."""
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _construct_str(loader: _NoticingLoader, node: yaml.ScalarNode) -> str:
    return mend_surrogates(str(loader.construct_scalar(node)))


_NoticingLoader.add_constructor("tag:yaml.org,2002:str", _construct_str)


def _mended(doc: Any) -> Any:
    """`doc` with every key and string mended (see mend_surrogates)."""
    if isinstance(doc, str):
        return mend_surrogates(doc)
    if isinstance(doc, dict):
        return {_mended(k): _mended(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_mended(v) for v in doc]
    return doc


def _loader(text: str | bytes) -> _NoticingLoader:
    if isinstance(text, bytes):
        text = decode_utf8(text)
    loader = _NoticingLoader(text)
    loader.duplicates = []
    return loader


def decode_utf8(data: bytes) -> str:
    """Bytes as UTF-8 text, or DocumentRefused naming the first byte that is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentRefused(
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start}; save it as UTF-8"
        ) from None


def _guarded(loader: _NoticingLoader, read: Any) -> Any:
    try:
        return read()
    except yaml.YAMLError:
        raise
    except (ValueError, OverflowError) as exc:  # a scalar its constructor refuses (int digits, a date)
        node = loader._constructing
        where = f"line {node.start_mark.line + 1}: " if node is not None else ""
        raise DocumentRefused(f"{where}{exc}") from None
    except RecursionError:
        raise DocumentRefused(f"the document is nested more than {MAX_DEPTH} levels deep") from None
    finally:
        loader.dispose()


def load_all_noting(text: str | bytes) -> tuple[list[Any], list[str]]:
    """Every document of a YAML (or JSON) stream, without empty ones, and warnings about duplicate keys."""
    loader = _loader(text)

    def read() -> list[Any]:
        docs: list[Any] = []
        while loader.check_data():  # type: ignore[no-untyped-call]
            doc = loader.get_data()
            if doc is not None:
                docs.append(doc)
        return docs

    return _guarded(loader, read), loader.duplicates


def load_all(text: str | bytes) -> list[Any]:
    """Every document of a YAML (or JSON) stream; empty documents (a lone `---`) are dropped."""
    return load_all_noting(text)[0]


def load_one(text: str | bytes) -> Any:
    docs = load_all(text)
    return docs[0] if docs else None


def load_document(text: str | bytes) -> Any:
    """The one document of a YAML text (None when empty); a second document is an error, as in a request
    body."""
    loader = _loader(text)
    return _guarded(loader, loader.get_single_data)


def _check_depth(doc: Any) -> None:
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise DocumentRefused(f"the document is nested more than {MAX_DEPTH} levels deep")
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def load_json(data: str | bytes) -> Any:
    """One JSON document within the limits; ValueError (json.JSONDecodeError or DocumentRefused)."""
    if isinstance(data, bytes):
        data = decode_utf8(data)
    try:
        doc = json.loads(data)
    except RecursionError:
        raise DocumentRefused(f"the document is nested more than {MAX_DEPTH} levels deep") from None
    _check_depth(doc)
    # A surrogate can only come from a \\u escape of the range D800-DFFF: mend only documents that have one.
    if _SURROGATE_ESCAPE.search(data):
        doc = _mended(doc)
    return doc


def read_text(path: Path) -> str:
    """A manifest file's text: OSError when it cannot be read, DocumentRefused when it is not UTF-8."""
    return decode_utf8(path.read_bytes())


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
