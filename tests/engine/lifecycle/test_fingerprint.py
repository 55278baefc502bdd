"""The spec fingerprint changes with what a run depends on, and only with that."""

from __future__ import annotations

from sparkfleet.api.sparkapplication import SparkApplicationSpec
from sparkfleet.engine.lifecycle import spec_fingerprint

from .builders import spec


def fingerprint(**overrides: object) -> str:
    return spec_fingerprint(SparkApplicationSpec.model_validate(spec(**overrides)))


def test_suspend_and_ttl_do_not_count() -> None:
    assert fingerprint() == fingerprint(suspend=True) == fingerprint(timeToLiveSeconds=60)


def test_a_real_change_counts() -> None:
    assert fingerprint() != fingerprint(arguments=["1000"])


def test_writing_a_default_explicitly_is_no_change() -> None:
    assert fingerprint() == fingerprint(mode="cluster")
