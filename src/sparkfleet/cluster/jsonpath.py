"""The simple JSONPath of CRD printer columns: `.status.x.y`, escaped dots in keys
(`.metadata.labels.karpenter\\.sh/nodepool`), list indexes (`[0]`) and equality filters
(`.status.conditions[?(@.type=="Ready")].status`).

That is all `additionalPrinterColumns` use, and all the API server allows there ("simple JSONPath"), so a
small evaluator serves better than a general library. Anything else is a ValueError when the path is
compiled, which happens once, when the column table is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["JsonPath"]


@dataclass(frozen=True, slots=True)
class _Key:
    name: str


@dataclass(frozen=True, slots=True)
class _Index:
    index: int


@dataclass(frozen=True, slots=True)
class _Equals:
    """`[?(@.a.b=="value")]`: the list elements whose field at `path` equals `value`."""

    path: tuple[str, ...]
    value: str


_Step = _Key | _Index | _Equals


def _key(text: str, start: int) -> tuple[str, int]:
    """A dotted key from `start` to the next unescaped `.` or `[`; backslash escapes one character."""
    chars: list[str] = []
    i = start
    while i < len(text) and text[i] not in ".[":
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        chars.append(text[i])
        i += 1
    return "".join(chars), i


def _bracket_end(text: str, start: int) -> int:
    quote = ""
    for i in range(start, len(text)):
        char = text[i]
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "]":
            return i
    raise ValueError(f"jsonPath {text!r}: '[' at {start - 1} is not closed")


def _unquote(text: str, whole: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    raise ValueError(f"jsonPath {whole!r}: {text!r} must be a quoted string")


def _bracket(content: str, whole: str) -> _Step:
    content = content.strip()
    if content.lstrip("-").isdigit():
        return _Index(int(content))
    if content.startswith("?(") and content.endswith(")"):
        left, sep, right = content[2:-1].partition("==")
        left = left.strip()
        if not sep or not left.startswith("@."):
            raise ValueError(f'jsonPath {whole!r}: only [?(@.field=="value")] filters are supported')
        return _Equals(tuple(left[2:].split(".")), _unquote(right.strip(), whole))
    return _Key(_unquote(content, whole))


def _parse(text: str) -> tuple[_Step, ...]:
    body = text.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    steps: list[_Step] = []
    i = 0
    while i < len(body):
        if body[i] == ".":
            name, i = _key(body, i + 1)
            if not name:
                raise ValueError(f"jsonPath {text!r}: empty field name at {i}")
            steps.append(_Key(name))
        elif body[i] == "[":
            end = _bracket_end(body, i + 1)
            steps.append(_bracket(body[i + 1 : end], text))
            i = end + 1
        else:
            raise ValueError(f"jsonPath {text!r}: expected '.' or '[' at {i}, found {body[i]!r}")
    return tuple(steps)


def _field(value: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        if not isinstance(value, dict):
            return None
        value = value.get(name)
    return value


def _apply(step: _Step, value: Any) -> list[Any]:
    if isinstance(step, _Key):
        return [value[step.name]] if isinstance(value, dict) and step.name in value else []
    if not isinstance(value, list):
        return []
    if isinstance(step, _Index):
        return [value[step.index]] if -len(value) <= step.index < len(value) else []
    return [item for item in value if _text(_field(item, step.path)) == step.value]


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class JsonPath:
    """A compiled simple JSONPath; `find` gives every match, in document order."""

    text: str
    steps: tuple[_Step, ...]

    @classmethod
    def compile(cls, text: str) -> JsonPath:
        return cls(text, _parse(text))

    def find(self, obj: Any) -> list[Any]:
        found = [obj]
        for step in self.steps:
            found = [match for value in found for match in _apply(step, value)]
        return found
