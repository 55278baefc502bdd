"""Which settings hold secrets, and how they are shown: Spark's own redaction rule, in one place.

Spark redacts a property (or environment variable) whose key or value matches `spark.redaction.regex`;
the default here is the one of the Spark that the local runtime runs (PySpark 4.3:
`(?i)secret|password|token|access[.]?key|credential`; Spark 4.0 had the same without `credential`).
An application's own `spark.redaction.regex` is applied as well, never instead: it can add keys to hide,
not reveal the default ones. The shown value is Spark's own replacement text.

Every human view sparkfleet prints (describe, events, error messages) goes through these functions;
objects read with `get -o yaml` or through the API are shown as stored, as Kubernetes does.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "REDACTED",
    "REDACTION_REGEX_KEY",
    "SPARK_REDACTION_REGEX",
    "RedactionRule",
    "redact_conf",
    "redact_env",
    "redact_message",
    "redact_properties",
    "redacted_object",
    "shown_setting",
]

SPARK_REDACTION_REGEX = r"(?i)secret|password|token|access[.]?key|credential"
REDACTION_REGEX_KEY = "spark.redaction.regex"
REDACTED = "*********(redacted)"
"""Spark's replacement text (Utils.REDACTION_REPLACEMENT_TEXT)."""

_DEFAULT = re.compile(SPARK_REDACTION_REGEX)


class RedactionRule:
    """The default rule, plus the application's own `spark.redaction.regex` when it has a valid one."""

    def __init__(self, conf: Mapping[str, Any] | None = None) -> None:
        self._patterns = [_DEFAULT]
        own = (conf or {}).get(REDACTION_REGEX_KEY)
        if isinstance(own, str) and own and own != SPARK_REDACTION_REGEX:
            # An invalid one would stop Spark itself; the default still applies here.
            with contextlib.suppress(re.error):
                self._patterns.append(re.compile(own))

    def sensitive(self, key: object, value: object = "") -> bool:
        """Whether the setting's key or value matches, as Spark's Utils.redact decides."""
        texts = (str(key), "" if value is None else str(value))
        return any(p.search(text) for p in self._patterns for text in texts)

    def shown(self, key: object, value: object) -> object:
        return REDACTED if self.sensitive(key, value) else value


def redact_conf(conf: Mapping[str, Any], rule: RedactionRule | None = None) -> dict[str, Any]:
    """A conf mapping (sparkConf, hadoopConf, envVars) with the sensitive values replaced."""
    chosen = rule or RedactionRule(conf)
    return {key: chosen.shown(key, value) for key, value in conf.items()}


def redact_env(env: Iterable[Any], rule: RedactionRule | None = None) -> list[Any]:
    """A container's `env` list with the literal values of sensitive variables replaced (references to
    Secrets and ConfigMaps name no value and are kept)."""
    chosen = rule or RedactionRule()
    shown: list[Any] = []
    for var in env:
        if isinstance(var, Mapping) and "value" in var and chosen.sensitive(var.get("name"), var["value"]):
            shown.append({**var, "value": REDACTED})
        else:
            shown.append(var)
    return shown


def redact_properties(text: str, rule: RedactionRule | None = None) -> str:
    """A Java properties file (a Spark conf ConfigMap's `spark.properties`) with its sensitive lines'
    values replaced; comments and the layout are kept."""
    chosen = rule or RedactionRule()
    lines = []
    for line in text.splitlines(keepends=True):
        stripped = line.lstrip()
        if not stripped or stripped[0] in "#!":
            lines.append(line)
            continue
        match = re.match(r"(\s*(?:\\.|[^=:\s\\])+)(\s*[=:\s]\s*)(.*?)(\r?\n)?$", line, re.DOTALL)
        if match is None:
            lines.append(line)
            continue
        key, separator, value, end = match.group(1), match.group(2), match.group(3), match.group(4) or ""
        if chosen.sensitive(key.strip().replace("\\", ""), value):
            lines.append(f"{key}{separator}{REDACTED}{end}")
        else:
            lines.append(line)
    return "".join(lines)


def shown_setting(key: str, value: object) -> str:
    """`key='value'` for an error message, or `key=<the replacement>` when the setting is sensitive."""
    return f"{key}={REDACTED}" if RedactionRule().sensitive(key, value) else f"{key}={value!r}"


_SETTING_IN_TEXT = re.compile(r"""(?P<key>[\w.\-]+)=(?P<value>'[^']*'|"[^"]*"|[^\s,;)]+)""")


def redact_message(text: str) -> str:
    """A message (an event, an error) with the value of every `key=value` setting in it redacted when the
    setting is sensitive: a guard for messages that quote conf, on top of never writing values."""
    rule = RedactionRule()

    def hide(match: re.Match[str]) -> str:
        key, value = match.group("key"), match.group("value")
        return f"{key}={REDACTED}" if rule.sensitive(key, value.strip("'\"")) else match.group(0)

    return _SETTING_IN_TEXT.sub(hide, text)


def _redact_role(role: Any, rule: RedactionRule) -> Any:
    if not isinstance(role, Mapping):
        return role
    shown = dict(role)
    if isinstance(role.get("env"), list):
        shown["env"] = redact_env(role["env"], rule)
    if isinstance(role.get("envVars"), Mapping):
        shown["envVars"] = redact_conf(role["envVars"], rule)
    return shown


def _redact_spark_spec(spec: Any) -> Any:
    if not isinstance(spec, Mapping):
        return spec
    conf = spec.get("sparkConf") if isinstance(spec.get("sparkConf"), Mapping) else {}
    rule = RedactionRule(conf)
    shown = dict(spec)
    for field in ("sparkConf", "hadoopConf"):
        if isinstance(spec.get(field), Mapping):
            shown[field] = redact_conf(spec[field], rule)
    for role in ("driver", "executor"):
        if role in spec:
            shown[role] = _redact_role(spec[role], rule)
    return shown


def _redact_pod_spec(spec: Any) -> Any:
    if not isinstance(spec, Mapping):
        return spec
    shown = dict(spec)
    rule = RedactionRule()
    for field in ("initContainers", "containers"):
        if isinstance(spec.get(field), list):
            shown[field] = [_redact_role(c, rule) for c in spec[field]]
    return shown


def _size(value: object) -> str:
    try:
        return f"{len(base64.b64decode(str(value), validate=True))} bytes"
    except (binascii.Error, ValueError):
        return "(not base64)"


def redacted_object(obj: Mapping[str, Any]) -> dict[str, Any]:
    """An object as a human view shows it: Spark conf, conf files and environment values that hold
    secrets replaced, a Secret's data by size only (as `kubectl describe` shows it)."""
    kind = obj.get("kind")
    shown = dict(obj)
    if kind == "SparkApplication":
        shown["spec"] = _redact_spark_spec(obj.get("spec"))
    elif kind == "ScheduledSparkApplication" and isinstance(obj.get("spec"), Mapping):
        shown["spec"] = {**obj["spec"], "template": _redact_spark_spec(obj["spec"].get("template"))}
    elif kind == "Pod":
        shown["spec"] = _redact_pod_spec(obj.get("spec"))
    elif kind == "ConfigMap" and isinstance(obj.get("data"), Mapping):
        rule = RedactionRule()
        shown["data"] = {
            key: redact_properties(str(value), rule)
            if str(key).endswith(".properties")
            else rule.shown(key, value)
            for key, value in obj["data"].items()
        }
    elif kind == "Secret":
        data = obj.get("data")
        shown["data"] = {
            key: _size(value) for key, value in (data if isinstance(data, Mapping) else {}).items()
        }
        shown.pop("stringData", None)
    return shown
