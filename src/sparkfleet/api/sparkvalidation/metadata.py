"""Checks of an application's metadata: a name short enough for the objects named after it, and labels
in Kubernetes' syntax (they are copied onto the driver and executor pods)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sparkfleet.api.base import FieldIssue
from sparkfleet.api.meta import ObjectMeta
from sparkfleet.api.names import DNS1035_LABEL, DNS1123_SUBDOMAIN, shown_value
from sparkfleet.api.scheduledsparkapplication import RUN_SUFFIX_LENGTH

LABEL_MAX = 63
NAME_SUFFIX_LENGTH = len("-ui-svc")
"""Longest suffix the operator adds to the name for a DNS-1035 object (`-driver` has the same length)."""
MAX_APP_NAME = LABEL_MAX - NAME_SUFFIX_LENGTH
GENERATE_NAME_RANDOM = 5
"""Characters the API server appends to generateName."""
MAX_SCHEDULED_NAME = MAX_APP_NAME - RUN_SUFFIX_LENGTH
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")


def suggest_label(name: str) -> str | None:
    """A DNS-1035 label close to `name` (`Taxi_Trip` -> `taxi-trip`), or None when nothing is left."""
    text = re.sub(r"[^a-z0-9-]+", "-", name.lower())
    text = re.sub(r"-{2,}", "-", text).lstrip("-0123456789")[:MAX_APP_NAME].rstrip("-")
    return text if text and DNS1035_LABEL.match(text) else None


def object_name_issues(meta: ObjectMeta, max_len: int, what: str) -> list[FieldIssue]:
    """The object's name must be a DNS-1035 label short enough for the names derived from it."""
    if meta.name is None:
        if meta.generateName is None:
            return [FieldIssue("metadata.name", 'required field is missing; set a name such as "taxi-trip"')]
        prefix = meta.generateName
        if not re.match(r"^[a-z]([-a-z0-9]*)?$", prefix):
            return [
                FieldIssue(
                    "metadata.generateName",
                    "must start with a lower-case letter and hold only lower-case letters, digits and '-'",
                )
            ]
        limit = max_len - GENERATE_NAME_RANDOM
        if len(prefix) > limit:
            return [
                FieldIssue(
                    "metadata.generateName",
                    f"is {len(prefix)} characters; with the {GENERATE_NAME_RANDOM} random characters added, "
                    f"{what} would pass {LABEL_MAX}: shorten it to at most {limit} characters",
                )
            ]
        return []
    name = meta.name
    if len(name) > LABEL_MAX or not DNS1035_LABEL.match(name):
        fix = suggest_label(name)
        hint = f' such as "{fix}"' if fix else ""
        return [
            FieldIssue(
                "metadata.name",
                f"{shown_value(name)} is not a DNS-1035 label: use at most {LABEL_MAX} lower-case letters, "
                f"digits and '-', starting with a letter and ending with a letter or digit{hint}",
            )
        ]
    if len(name) > max_len:
        return [
            FieldIssue(
                "metadata.name",
                f"is {len(name)} characters, so {what} would pass the {LABEL_MAX}-character limit of "
                f"Kubernetes names: shorten it to at most {max_len} characters",
            )
        ]
    return []


def label_issues(labels: Mapping[str, str], path: str) -> list[FieldIssue]:
    """Label keys and values in Kubernetes' syntax (they are copied onto the driver and executor pods)."""
    issues: list[FieldIssue] = []
    for key, value in labels.items():
        prefix, _, name = key.rpartition("/")
        if (
            not name
            or len(name) > LABEL_MAX
            or not _LABEL_NAME.match(name)
            or (prefix and (len(prefix) > 253 or not DNS1123_SUBDOMAIN.match(prefix)))
        ):
            issues.append(
                FieldIssue(
                    f'{path}["{key}"]',
                    "invalid label key: use an optional DNS prefix and '/', then at most 63 letters, digits, "
                    "'-', '_' or '.', starting and ending with a letter or digit",
                )
            )
        if len(value) > LABEL_MAX or not _LABEL_VALUE.match(value):
            issues.append(
                FieldIssue(
                    f'{path}["{key}"]',
                    f"invalid label value {shown_value(value)}: use at most 63 letters, digits, '-', '_' or "
                    "'.', starting and ending with a letter or digit (or leave it empty)",
                )
            )
    return issues
