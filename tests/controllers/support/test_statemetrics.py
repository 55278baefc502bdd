"""A state gauge shows exactly the samples it was last given."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from sparkfleet.controllers.support.statemetrics import StateGauge


def test_a_replace_drops_the_samples_that_are_no_longer_there() -> None:
    registry = CollectorRegistry()
    gauge = StateGauge("queue_apps", "apps per queue", ["queue"], registry)
    gauge.replace({("root.a",): 2.0, ("root.b",): 1.0})
    gauge.replace({("root.b",): 3.0})
    assert registry.get_sample_value("queue_apps", {"queue": "root.a"}) is None
    assert registry.get_sample_value("queue_apps", {"queue": "root.b"}) == 3.0


def test_label_values_must_match_the_label_names() -> None:
    gauge = StateGauge("queue_apps", "apps per queue", ["queue"], CollectorRegistry())
    with pytest.raises(ValueError, match="does not match the labels"):
        gauge.replace({("root.a", "extra"): 1.0})
