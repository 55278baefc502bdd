"""A cluster's settings: defaults when absent, and every bad value named with its path."""

from __future__ import annotations

import pytest

from sparkfleet.api.base import ManifestError
from sparkfleet.api.settings import (
    DEFAULT_MAX_EXECUTORS,
    DEFAULT_MAX_OBJECTS_PER_NAMESPACE,
    SparkMode,
    parse_settings,
)


def test_an_empty_document_keeps_every_default() -> None:
    settings = parse_settings("")
    assert settings.limits.maxExecutors == DEFAULT_MAX_EXECUTORS == 10_000
    assert (settings.logs.retentionDays, settings.logs.maxArchivedPods, settings.runs.keep) == (7.0, 1000, 5)


def test_a_cluster_may_lower_the_executor_maximum() -> None:
    assert parse_settings("limits:\n  maxExecutors: 200\n").limits.maxExecutors == 200


@pytest.mark.parametrize("value", ["0", "-1", "10001", "1000000000000000000", "lots"])
def test_an_executor_maximum_outside_1_to_10000_is_refused_with_its_path(value: str) -> None:
    with pytest.raises(ManifestError) as caught:
        parse_settings(f"limits:\n  maxExecutors: {value}\n", "settings.yaml")
    assert [i.path for i in caught.value.issues] == ["settings.yaml: limits.maxExecutors"]


def test_the_object_quota_per_namespace_defaults_to_10000_and_may_be_set() -> None:
    assert parse_settings("").limits.maxObjectsPerNamespace == DEFAULT_MAX_OBJECTS_PER_NAMESPACE == 10_000
    assert parse_settings("limits:\n  maxObjectsPerNamespace: 50\n").limits.maxObjectsPerNamespace == 50
    with pytest.raises(ManifestError) as caught:
        parse_settings("limits:\n  maxObjectsPerNamespace: 0\n", "settings.yaml")
    assert [i.path for i in caught.value.issues] == ["settings.yaml: limits.maxObjectsPerNamespace"]


def test_a_settings_file_beyond_the_decoding_limits_is_refused_with_its_name() -> None:
    with pytest.raises(ManifestError, match=r"settings.yaml: not valid YAML: .*nested more than 100"):
        parse_settings("limits: " + "[" * 500 + "]" * 500 + "\n", "settings.yaml")


def test_history_defaults_to_kube_apiservers_event_ttl_and_keeps_finished_applications() -> None:
    history = parse_settings("").history
    assert (history.event_ttl_seconds, history.housekeeping_interval_seconds) == (3600.0, 60.0)
    assert history.defaultTimeToLiveSeconds is None


def test_history_takes_go_durations_and_a_default_ttl() -> None:
    text = "history:\n  eventTTL: 1h30m\n  housekeepingInterval: 30s\n  defaultTimeToLiveSeconds: 86400\n"
    history = parse_settings(text).history
    assert (history.event_ttl_seconds, history.housekeeping_interval_seconds) == (5400.0, 30.0)
    assert history.defaultTimeToLiveSeconds == 86400


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ("eventTTL: 0s", "history.eventTTL"),
        ("eventTTL: an hour", "history.eventTTL"),
        ("housekeepingInterval: -1m", "history.housekeepingInterval"),
        ("defaultTimeToLiveSeconds: -5", "history.defaultTimeToLiveSeconds"),
    ],
)
def test_a_bad_history_value_is_refused_with_its_path(line: str, path: str) -> None:
    with pytest.raises(ManifestError) as caught:
        parse_settings(f"history:\n  {line}\n", "settings.yaml")
    assert [i.path for i in caught.value.issues] == [f"settings.yaml: {path}"]


def test_spark_runs_on_kubernetes_unless_the_settings_say_local() -> None:
    assert parse_settings("").runtime.sparkMode == SparkMode.KUBERNETES
    runtime = parse_settings("runtime:\n  sparkMode: local\n  memoryBudget: 12Gi\n").runtime
    assert runtime.sparkMode == SparkMode.LOCAL
    assert runtime.memory_budget_bytes(64 * 2**30) == 12 * 2**30
    assert parse_settings("").runtime.memory_budget_bytes(64 * 2**30) == 32 * 2**30  # half the machine


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("runtime: {sparkMode: k8s}", r"runtime\.sparkMode: Input should be 'local' or 'kubernetes'"),
        ("runtime: {memoryBudget: lots}", r"runtime\.memoryBudget: .*write a quantity such as"),
        ("runtime: {memoryBudget: '0'}", r"runtime\.memoryBudget: .*must be above zero"),
    ],
)
def test_a_bad_runtime_setting_is_refused_with_its_path(text: str, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        parse_settings(text)
