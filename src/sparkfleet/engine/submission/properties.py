"""spark.properties as Java's Properties.store(Writer) writes it, and read back the same way.

Spark puts the resolved conf in the driver's ConfigMap with `Properties.store`: a comment line naming the
ConfigMap, a date line, then `key=value` lines with `\\`, `=`, `:`, `#`, `!` and control characters
escaped (a space is escaped everywhere in a key and at the start of a value). Java writes the entries in
hash-table order; here they are sorted, so equal confs give equal text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

from sparkfleet.api.escapes import find_unescaped

# (character, escape) in the order they must be applied: the backslash first.
_ESCAPES = (
    ("\\", "\\\\"),
    ("=", "\\="),
    (":", "\\:"),
    ("#", "\\#"),
    ("!", "\\!"),
    ("\t", "\\t"),
    ("\n", "\\n"),
    ("\r", "\\r"),
    ("\f", "\\f"),
)
_SPECIAL = re.compile(r"[\\=:#!\t\n\r\f ]")


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _escape(text: str) -> str:
    for char, escape in _ESCAPES:
        if char in text:
            text = text.replace(char, escape)
    return text


def _escape_key(key: str) -> str:
    if _SPECIAL.search(key) is None:
        return key
    return _escape(key).replace(" ", "\\ ")


def _escape_value(value: str) -> str:
    if _SPECIAL.search(value) is None:
        return value
    escaped = _escape(value)
    return "\\" + escaped if escaped.startswith(" ") else escaped


def java_date(moment: datetime) -> str:
    """`Mon Nov 23 23:31:38 UTC 2026`: java.util.Date.toString in UTC."""
    t = moment.astimezone(UTC)
    return f"{_DAYS[t.weekday()]} {_MONTHS[t.month - 1]} {t.day:02d} {t:%H:%M:%S} UTC {t.year}"


def render_properties(config_map_name: str, props: Mapping[str, str], written_at: datetime | None) -> str:
    """The spark.properties text; without a time the date comment line is left out."""
    lines = [f"#Java properties built from Kubernetes config map with name: {config_map_name}"]
    if written_at is not None:
        lines.append("#" + java_date(written_at))
    lines.extend(f"{_escape_key(k)}={_escape_value(props[k])}" for k in sorted(props))
    lines.append("")
    return "\n".join(lines)


_UNESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(_UNESCAPES.get(nxt, nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


_BLANK = " \t\f"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def parse_properties(text: str) -> dict[str, str]:
    """The entries of a properties file as `render_properties` (or Java) writes them: one entry per line
    (no continuation lines), comments skipped, `=` or `:` separating key and value."""
    props: dict[str, str] = {}
    for raw in _LINE_BREAK.split(text):
        line = raw.lstrip(_BLANK)
        if not line or line[0] in "#!":
            continue
        separator = find_unescaped(line, ("=", ":"))
        if separator is None:
            props[_unescape(line)] = ""
        else:
            at = separator[0]
            props[_unescape(line[:at])] = _unescape(line[at + 1 :].lstrip(_BLANK))
    return props
