"""Kubernetes label and field selectors: parsing, matching, and canonical text.

Label selectors: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`; a comma means AND.
Field selectors: `path=value`, `path==value`, `path!=value` over dotted paths such as `metadata.name`,
`spec.nodeName` or `status.phase`; an empty value matches a missing field. Pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sparkfleet.api.escapes import find_unescaped
from sparkfleet.cluster.errors import BadRequest

__all__ = [
    "LIVE_PODS",
    "FieldOperator",
    "FieldRequirement",
    "FieldSelector",
    "LabelSelector",
    "Operator",
    "Requirement",
    "SelectorError",
    "as_field_selector",
    "as_label_selector",
    "escape_field_value",
    "field_value",
    "is_label_value",
    "is_qualified_name",
    "parse_field_selector",
    "parse_label_selector",
    "selector_from_labels",
    "selector_from_match",
]

LIVE_PODS = "status.phase!=Succeeded,status.phase!=Failed"
"""The field selector of pods that have not ended, as kube-scheduler's pod informer lists them: what
controllers that place or count running work list, so finished history costs them nothing."""


class SelectorError(BadRequest, ValueError):
    """A selector that does not parse; the message names the offending term."""


class Operator(StrEnum):
    EQUALS = "="
    NOT_EQUALS = "!="
    IN = "in"
    NOT_IN = "notin"
    EXISTS = "exists"
    DOES_NOT_EXIST = "!"


_NAME = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_NAME_RE = re.compile(_NAME)
_VALUE_RE = re.compile(f"({_NAME})?")
_DNS_SUBDOMAIN_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
# A token is anything up to the next operator character, as in Kubernetes' selector lexer.
_TOKEN = r"[^\s!=,()<>]+"
_EXISTS_RE = re.compile(rf"\s*(?P<key>{_TOKEN})\s*")
_NOT_EXISTS_RE = re.compile(rf"\s*!\s*(?P<key>{_TOKEN})\s*")
_EQUALITY_RE = re.compile(rf"\s*(?P<key>{_TOKEN})\s*(?P<op>==|=|!=)\s*(?P<value>[^\s!=,()<>]*)\s*")
_SET_RE = re.compile(rf"\s*(?P<key>{_TOKEN})\s+(?P<op>in|notin)\s*\((?P<values>[^()]*)\)\s*")


def is_qualified_name(key: str) -> bool:
    """A label or annotation key: `name` or `prefix/name` (prefix a DNS subdomain, name at most 63)."""
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _DNS_SUBDOMAIN_RE.fullmatch(prefix)):
        return False
    return len(name) <= 63 and _NAME_RE.fullmatch(name) is not None


def is_label_value(value: str) -> bool:
    return len(value) <= 63 and _VALUE_RE.fullmatch(value) is not None


def _check_key(key: str, term: str) -> str:
    if not is_qualified_name(key):
        raise SelectorError(
            f'unable to parse requirement "{term}": key "{key}" must be a name of at most 63 alphanumeric '
            "characters, '-', '_' or '.', starting and ending with an alphanumeric, optionally prefixed by a "
            "lowercase DNS subdomain and '/'"
        )
    return key


def _check_value(value: str, term: str) -> str:
    if not is_label_value(value):
        raise SelectorError(
            f'unable to parse requirement "{term}": value "{value}" must be empty or at most 63 alphanumeric '
            "characters, '-', '_' or '.', starting and ending with an alphanumeric"
        )
    return value


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        match self.operator:
            case Operator.EXISTS:
                return present
            case Operator.DOES_NOT_EXIST:
                return not present
            case Operator.EQUALS | Operator.IN:
                return present and labels[self.key] in self.values
            case Operator.NOT_EQUALS | Operator.NOT_IN:
                return not present or labels[self.key] not in self.values
        raise AssertionError(self.operator)  # pragma: no cover - the match is exhaustive

    def __str__(self) -> str:
        match self.operator:
            case Operator.EXISTS:
                return self.key
            case Operator.DOES_NOT_EXIST:
                return f"!{self.key}"
            case Operator.EQUALS | Operator.NOT_EQUALS:
                return f"{self.key}{self.operator.value}{self.values[0]}"
            case Operator.IN | Operator.NOT_IN:
                return f"{self.key} {self.operator.value} ({','.join(self.values)})"
        raise AssertionError(self.operator)  # pragma: no cover


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """All requirements must hold (AND). The empty selector matches everything."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        labels = labels or {}
        return all(req.matches(labels) for req in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements

    def __str__(self) -> str:
        return ",".join(str(req) for req in self.requirements)


def _split_terms(text: str) -> list[str]:
    """Split at commas outside parentheses."""
    terms: list[str] = []
    depth = 0
    start = 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _parse_requirement(term: str) -> Requirement:
    if not term.strip():
        raise SelectorError(f'unable to parse requirement "{term}": empty term (stray comma?)')
    if m := _SET_RE.fullmatch(term):
        key = _check_key(m["key"], term)
        raw = [v.strip() for v in m["values"].split(",")]
        if raw == [""]:
            raise SelectorError(
                f'unable to parse requirement "{term}": '
                "for 'in', 'notin' operators, values set can't be empty"
            )
        values = tuple(sorted({_check_value(v, term) for v in raw}))
        return Requirement(key, Operator(m["op"]), values)
    if m := _EQUALITY_RE.fullmatch(term):
        key = _check_key(m["key"], term)
        op = Operator.NOT_EQUALS if m["op"] == "!=" else Operator.EQUALS
        return Requirement(key, op, (_check_value(m["value"], term),))
    if m := _NOT_EXISTS_RE.fullmatch(term):
        return Requirement(_check_key(m["key"], term), Operator.DOES_NOT_EXIST)
    if m := _EXISTS_RE.fullmatch(term):
        return Requirement(_check_key(m["key"], term), Operator.EXISTS)
    raise SelectorError(
        f'unable to parse requirement "{term}": expected one of key, !key, key=value, key==value, '
        "key!=value, key in (v1,v2), key notin (v1,v2)"
    )


def parse_label_selector(text: str) -> LabelSelector:
    """Parse a label selector string; requirements are kept sorted by key like Kubernetes does."""
    if not text.strip():
        return LabelSelector()
    if text.count("(") != text.count(")"):
        raise SelectorError(f'unable to parse requirement "{text}": unbalanced parentheses')
    requirements = [_parse_requirement(term) for term in _split_terms(text)]
    return LabelSelector(tuple(sorted(requirements, key=lambda r: r.key)))


def selector_from_labels(labels: Mapping[str, str]) -> LabelSelector:
    """A selector requiring every given label to have the given value."""
    return LabelSelector(
        tuple(Requirement(k, Operator.EQUALS, (v,)) for k, v in sorted(labels.items(), key=lambda kv: kv[0]))
    )


_EXPRESSION_OPERATORS = {
    "In": Operator.IN,
    "NotIn": Operator.NOT_IN,
    "Exists": Operator.EXISTS,
    "DoesNotExist": Operator.DOES_NOT_EXIST,
}


def selector_from_match(
    match_labels: Mapping[str, str] | None = None,
    match_expressions: Sequence[Mapping[str, Any]] | None = None,
) -> LabelSelector:
    """Convert a structured `metav1.LabelSelector` (matchLabels + matchExpressions)."""
    requirements = list(selector_from_labels(match_labels or {}).requirements)
    for expr in match_expressions or ():
        key, op_name = str(expr.get("key", "")), str(expr.get("operator", ""))
        term = f"{key} {op_name} {list(expr.get('values') or [])}"
        op = _EXPRESSION_OPERATORS.get(op_name)
        if op is None:
            raise SelectorError(
                f'unable to parse requirement "{term}": '
                f"operator must be one of {', '.join(_EXPRESSION_OPERATORS)}"
            )
        values = tuple(sorted({str(v) for v in expr.get("values") or ()}))
        if op in (Operator.IN, Operator.NOT_IN) and not values:
            raise SelectorError(f'unable to parse requirement "{term}": values set can\'t be empty')
        if op in (Operator.EXISTS, Operator.DOES_NOT_EXIST) and values:
            raise SelectorError(f'unable to parse requirement "{term}": values set must be empty')
        requirements.append(Requirement(_check_key(key, term), op, values))
    return LabelSelector(tuple(sorted(requirements, key=lambda r: r.key)))


class FieldOperator(StrEnum):
    EQUALS = "="
    NOT_EQUALS = "!="


def field_value(obj: Mapping[str, Any], path: str) -> str:
    """The string a field selector compares against; missing or null fields read as ""."""
    value: Any = obj
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return ""
        value = value.get(part)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return ""


@dataclass(frozen=True, slots=True)
class FieldRequirement:
    path: str
    operator: FieldOperator
    value: str

    def matches(self, obj: Mapping[str, Any]) -> bool:
        equal = field_value(obj, self.path) == self.value
        return equal if self.operator is FieldOperator.EQUALS else not equal

    def __str__(self) -> str:
        return f"{self.path}{self.operator.value}{escape_field_value(self.value)}"


@dataclass(frozen=True, slots=True)
class FieldSelector:
    requirements: tuple[FieldRequirement, ...] = ()

    def matches(self, obj: Mapping[str, Any]) -> bool:
        return all(req.matches(obj) for req in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements

    def __str__(self) -> str:
        return ",".join(str(req) for req in self.requirements)


_PATH_RE = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")
_ESCAPES = {"\\": "\\", ",": ",", "=": "="}


def escape_field_value(value: str) -> str:
    """Escape `\\`, `,` and `=` so any string can be a field selector value."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def _split_unescaped(text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if char == ",":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return parts


def _unescape(value: str, term: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        char = value[i]
        if char == "\\":
            nxt = value[i + 1] if i + 1 < len(value) else ""
            if nxt not in _ESCAPES:
                raise SelectorError(
                    f'invalid field selector term "{term}": invalid escape sequence "\\{nxt}"'
                )
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        if char == "=":
            raise SelectorError(f'invalid field selector term "{term}": unescaped "=" in value')
        out.append(char)
        i += 1
    return "".join(out)


def _parse_field_term(term: str) -> FieldRequirement:
    # Operator = the first unescaped "!=", "==" or "=".
    found = find_unescaped(term, ("!=", "==", "="))
    if found is None:
        raise SelectorError(
            f'invalid field selector term "{term}": expected path=value, path==value or path!=value'
        )
    i, op_text = found
    path = term[:i].strip()
    if not _PATH_RE.fullmatch(path):
        raise SelectorError(
            f'invalid field selector term "{term}": "{path}" is not a field path like spec.nodeName'
        )
    op = FieldOperator.NOT_EQUALS if op_text == "!=" else FieldOperator.EQUALS
    return FieldRequirement(path, op, _unescape(term[i + len(op_text) :].strip(), term))


def parse_field_selector(text: str) -> FieldSelector:
    if not text.strip():
        return FieldSelector()
    return FieldSelector(tuple(_parse_field_term(term) for term in _split_unescaped(text)))


def as_label_selector(selector: str | LabelSelector | Mapping[str, str] | None) -> LabelSelector | None:
    """Accept a selector as text, a parsed selector, or a label dict (all must match); None if empty."""
    if selector is None:
        return None
    if isinstance(selector, str):
        parsed = parse_label_selector(selector)
    elif isinstance(selector, LabelSelector):
        parsed = selector
    else:
        parsed = selector_from_labels(selector)
    return None if parsed.empty else parsed


def as_field_selector(selector: str | FieldSelector | None) -> FieldSelector | None:
    if selector is None:
        return None
    parsed = parse_field_selector(selector) if isinstance(selector, str) else selector
    return None if parsed.empty else parsed
