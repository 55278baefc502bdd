"""A cluster's settings: how long it keeps what its jobs leave behind, and how much one job may ask.

```yaml
logs:
  retentionDays: 7          # default: archived container logs are removed a week after their pod ended
  maxArchivedPods: 1000     # default: and only the newest 1000 pods' logs are kept
runs:
  keep: 5                   # default: `sparkfleet run` keeps the directories of its last 5 runs
limits:
  maxExecutors: 10000       # default and most: executors one application may ask for
  maxObjectsPerNamespace: 10000  # default: objects of one kind a namespace may hold (Events exempt)
cloud:
  provider: sim             # default; `aws` launches EC2 (see api/cloudsettings.py for its fields)
```
"""

from __future__ import annotations

from typing import Annotated, Any

import yaml
from pydantic import Field, ValidationError

from sparkfleet.api.base import FieldIssue, ManifestError, Model, issues_from
from sparkfleet.api.cloudsettings import CloudSettings
from sparkfleet.api.yamlio import load_document

__all__ = [
    "DEFAULT_MAX_EXECUTORS",
    "DEFAULT_MAX_OBJECTS_PER_NAMESPACE",
    "LimitSettings",
    "LogSettings",
    "RunSettings",
    "Settings",
    "parse_settings",
]

DEFAULT_LOG_RETENTION_DAYS = 7.0
DEFAULT_MAX_ARCHIVED_PODS = 1000
DEFAULT_KEPT_RUNS = 5
DEFAULT_MAX_EXECUTORS = 10_000
DEFAULT_MAX_OBJECTS_PER_NAMESPACE = 10_000
"""Executors one application may ask for (instances, or dynamic allocation's bounds); also the most a
cluster may set, as `validate` and the API check against it before any cluster setting is known."""


class LogSettings(Model):
    """Container logs are archived in the cluster home when a pod ends or its node goes."""

    retentionDays: Annotated[float, Field(gt=0)] = DEFAULT_LOG_RETENTION_DAYS
    maxArchivedPods: Annotated[int, Field(ge=1)] = DEFAULT_MAX_ARCHIVED_PODS


class RunSettings(Model):
    keep: Annotated[int, Field(ge=1)] = DEFAULT_KEPT_RUNS


class LimitSettings(Model):
    """What one manifest may ask of the cluster. Submission and `plan` refuse an application above them,
    before a pod is made for each executor."""

    maxExecutors: Annotated[int, Field(ge=1, le=DEFAULT_MAX_EXECUTORS)] = DEFAULT_MAX_EXECUTORS
    maxObjectsPerNamespace: Annotated[int, Field(ge=1)] = DEFAULT_MAX_OBJECTS_PER_NAMESPACE
    """Objects of one kind a namespace may hold; the API refuses a create beyond it (403, exceeded quota)."""


class Settings(Model):
    logs: LogSettings = Field(default_factory=LogSettings)
    runs: RunSettings = Field(default_factory=RunSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    cloud: CloudSettings = Field(default_factory=CloudSettings)


def settings_from_dict(data: Any, source: str = "settings") -> Settings:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ManifestError([FieldIssue("", f"{source}: expected a mapping, got {type(data).__name__}")])
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        issues = issues_from(exc, Settings)
        raise ManifestError([FieldIssue(f"{source}: {i.path}", i.message) for i in issues]) from None


def parse_settings(text: str, source: str = "settings") -> Settings:
    """Parse settings YAML text (an empty document keeps every default)."""
    try:
        data = load_document(text)
    except yaml.YAMLError as exc:
        raise ManifestError([FieldIssue("", f"{source}: not valid YAML: {exc}")]) from None
    return settings_from_dict(data, source)
