"""What the API server checks on every object regardless of kind: names, namespace, labels, owners."""

from __future__ import annotations

import re
from typing import Any

from sparkfleet.cluster.errors import Invalid
from sparkfleet.cluster.kinds import KindInfo
from sparkfleet.cluster.selectors import is_label_value, is_qualified_name

_SUBDOMAIN = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1035 = r"[a-z]([-a-z0-9]*[a-z0-9])?"

_SUBDOMAIN_RULE = (
    re.compile(_SUBDOMAIN),
    253,
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    f"validation is '{_SUBDOMAIN}')",
)
_LABEL_RULE = (
    re.compile(_LABEL),
    63,
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
    "start and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for "
    f"validation is '{_LABEL}')",
)
_DNS1035_RULE = (
    re.compile(_DNS1035),
    63,
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    f"character, and end with an alphanumeric character (e.g. 'my-name', or 'abc-123', regex used for "
    f"validation is '{_DNS1035}')",
)
# Kubernetes names most objects as DNS subdomains; these kinds are stricter.
_NAME_RULES = {"Namespace": _LABEL_RULE, "Service": _DNS1035_RULE}


def check_name(info: KindInfo, name: object, path: str = "metadata.name") -> str:
    pattern, limit, explanation = _NAME_RULES.get(info.kind, _SUBDOMAIN_RULE)
    if not isinstance(name, str) or not name:
        raise Invalid.field(info.kind, str(name or ""), path, name, "name or generateName is required")
    if len(name) > limit:
        raise Invalid.field(info.kind, name, path, name, f"must be no more than {limit} characters")
    if not pattern.fullmatch(name):
        raise Invalid.field(info.kind, name, path, name, explanation)
    return name


def check_namespace(info: KindInfo, name: str, namespace: object) -> str:
    if (
        not isinstance(namespace, str)
        or not namespace
        or len(namespace) > 63
        or not _LABEL_RULE[0].fullmatch(namespace)
    ):
        raise Invalid.field(info.kind, name, "metadata.namespace", namespace, _LABEL_RULE[2])
    return namespace


def check_metadata(info: KindInfo, name: str, metadata: dict[str, Any]) -> None:
    """Labels and annotations are string maps with qualified keys; ownerReferences name a uid."""
    labels = metadata.get("labels")
    if labels is not None:
        if not isinstance(labels, dict):
            raise Invalid.field(info.kind, name, "metadata.labels", labels, "must be a map of strings")
        for key, value in labels.items():
            if not is_qualified_name(key):
                raise Invalid.field(
                    info.kind,
                    name,
                    "metadata.labels",
                    key,
                    "a label key must be a qualified name (prefix/name)",
                )
            if not isinstance(value, str) or not is_label_value(value):
                raise Invalid.field(
                    info.kind,
                    name,
                    f"metadata.labels[{key}]",
                    value,
                    "a valid label value must be 63 characters or less and must be empty or begin and "
                    "end with an alphanumeric character ([a-z0-9A-Z]) with dashes (-), underscores (_), "
                    "dots (.), and alphanumerics between",
                )
    annotations = metadata.get("annotations")
    if annotations is not None:
        if not isinstance(annotations, dict):
            raise Invalid.field(
                info.kind, name, "metadata.annotations", annotations, "must be a map of strings"
            )
        for key, value in annotations.items():
            if not is_qualified_name(key):
                raise Invalid.field(
                    info.kind, name, "metadata.annotations", key, "an annotation key must be a qualified name"
                )
            if not isinstance(value, str):
                raise Invalid.field(
                    info.kind, name, f"metadata.annotations[{key}]", value, "must be a string"
                )
    owners = metadata.get("ownerReferences")
    if owners is not None:
        if not isinstance(owners, list):
            raise Invalid.field(info.kind, name, "metadata.ownerReferences", owners, "must be a list")
        for i, ref in enumerate(owners):
            if not isinstance(ref, dict) or not isinstance(ref.get("uid"), str) or not ref["uid"]:
                raise Invalid.field(
                    info.kind,
                    name,
                    f"metadata.ownerReferences[{i}].uid",
                    ref,
                    "an owner reference needs a uid",
                )
