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
runtime:
  sparkMode: kubernetes     # default: executors are real JVMs that Spark creates through the API; local:
                            #   the driver runs the whole job in local mode (quick runs, one JVM)
  memoryBudget: null        # default: half this machine's memory is shared by the executor JVMs' heaps
history:
  eventTTL: 1h              # default: Events go an hour after they last happened (kube-apiserver --event-ttl)
  defaultTimeToLiveSeconds: null  # default: finished apps are kept; 86400: removed a day after they end
  housekeepingInterval: 1m  # default: how often Events expire and the store is compacted
```
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import yaml
from pydantic import Field, ValidationError, field_validator

from sparkfleet.api.base import FieldIssue, ManifestError, Model, issues_from
from sparkfleet.api.cloudsettings import CloudSettings
from sparkfleet.api.durations import DurationError, parse_go_duration
from sparkfleet.api.quantity import QuantityError, memory_bytes, parse_quantity
from sparkfleet.api.yamlio import load_document

__all__ = [
    "DEFAULT_MAX_EXECUTORS",
    "DEFAULT_MAX_OBJECTS_PER_NAMESPACE",
    "HistorySettings",
    "LimitSettings",
    "LogSettings",
    "RunSettings",
    "RuntimeSettings",
    "Settings",
    "SparkMode",
    "parse_settings",
    "positive_duration",
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


class SparkMode(StrEnum):
    LOCAL = "local"
    """The driver runs the whole application in one local[N] JVM; executor pods hold their resources."""
    KUBERNETES = "kubernetes"
    """The driver runs as in its pod on EKS: Spark's Kubernetes backend creates its executor pods through
    the cluster's API, and each runs as a real executor JVM on the node it was bound to."""


class RuntimeSettings(Model):
    """How the embedded cluster runs Spark pods on this machine."""

    sparkMode: SparkMode = SparkMode.KUBERNETES
    memoryBudget: str | None = None
    """Memory the executor JVMs' heaps share on this machine (a Kubernetes quantity such as 12Gi); None:
    half its physical memory. Pods keep the memory they ask for in the API."""

    @field_validator("memoryBudget")
    @classmethod
    def _quantity(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                if parse_quantity(value) <= 0:
                    raise ValueError(f'memoryBudget "{value}" must be above zero, e.g. "12Gi"')
            except QuantityError as exc:
                raise ValueError(f'memoryBudget "{value}": {exc}; write a quantity such as "12Gi"') from None
        return value

    def memory_budget_bytes(self, machine_bytes: int) -> int:
        """The budget in bytes on a machine with `machine_bytes` of memory."""
        return memory_bytes(self.memoryBudget) if self.memoryBudget else machine_bytes // 2


def positive_duration(text: str) -> float:
    """Seconds of a positive Go duration (`1h`, `30m`, `1h30m`); DurationError naming the fix otherwise."""
    seconds = parse_go_duration(text)
    if seconds <= 0:
        raise DurationError(f'duration "{text}" must be positive, e.g. "1h" or "30m"')
    return float(seconds)


class HistorySettings(Model):
    """How long what finished stays: Events, and SparkApplications that set no TTL of their own."""

    eventTTL: str = "1h"
    """Go duration, as kube-apiserver's --event-ttl (whose default this is)."""
    defaultTimeToLiveSeconds: Annotated[int | None, Field(ge=0)] = None
    """TTL of finished SparkApplications without spec.timeToLiveSeconds; None keeps them (the operator's
    default)."""
    housekeepingInterval: str = "1m"

    @field_validator("eventTTL", "housekeepingInterval")
    @classmethod
    def _duration(cls, value: str) -> str:
        try:
            positive_duration(value)
        except DurationError as exc:
            raise ValueError(str(exc)) from None
        return value

    @property
    def event_ttl_seconds(self) -> float:
        return positive_duration(self.eventTTL)

    @property
    def housekeeping_interval_seconds(self) -> float:
        return positive_duration(self.housekeepingInterval)


class Settings(Model):
    logs: LogSettings = Field(default_factory=LogSettings)
    runs: RunSettings = Field(default_factory=RunSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    cloud: CloudSettings = Field(default_factory=CloudSettings)
    history: HistorySettings = Field(default_factory=HistorySettings)
    runtime: RuntimeSettings = Field(default_factory=RuntimeSettings)


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
