"""Scenario documents: defaults, and errors that name the field and the fix."""

from __future__ import annotations

import pytest

from sparkfleet.api.base import ManifestError
from sparkfleet.api.scenario import parse_scenario, scenario_from_dict
from sparkfleet.api.wire import CapacityType


def issues(text: str) -> list[str]:
    with pytest.raises(ManifestError) as excinfo:
        parse_scenario(text)
    return [str(issue) for issue in excinfo.value.issues]


def test_an_empty_document_is_the_default_scenario():
    scenario = parse_scenario("")
    assert scenario.zones == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert scenario.launchLatencySeconds == 1.0
    assert scenario.unavailableOfferings == []
    assert scenario.spotInterruptions == []
    assert scenario.capacity == {}


def test_a_full_scenario_parses_into_typed_fields():
    scenario = parse_scenario(
        """
zones: [us-east-1a, us-east-1b]
launchLatencySeconds: 40
unavailableOfferings:
  - instanceFamily: r6g
    capacityType: spot
    zone: us-east-1a
capacity: {r5d.4xlarge: 2}
spotInterruptions:
  - at: 600
    instanceType: r5d.4xlarge
  - afterLaunch: 300
    count: 1
"""
    )
    assert scenario.unavailableOfferings[0].capacityType is CapacityType.SPOT
    assert scenario.unavailableOfferings[0].matches("r6g.4xlarge", "r6g", "us-east-1a", CapacityType.SPOT)
    assert not scenario.unavailableOfferings[0].matches(
        "r6g.4xlarge", "r6g", "us-east-1a", CapacityType.ON_DEMAND
    )
    assert scenario.spotInterruptions[0].at == 600
    assert scenario.spotInterruptions[1].count == 1
    assert scenario.capacity == {"r5d.4xlarge": 2}


def test_an_unknown_key_is_an_error_with_a_did_you_mean_hint():
    assert issues("unavailableOfferings: [{instanceType: m5.large, capacityTyp: spot}]") == [
        'unavailableOfferings[0].capacityTyp: unknown field (did you mean "capacityType"?)'
    ]
    assert issues("spotInteruptions: []") == [
        'spotInteruptions: unknown field (did you mean "spotInterruptions"?)'
    ]


def test_an_unavailable_offering_needs_exactly_one_of_type_or_family():
    [neither] = issues("unavailableOfferings: [{zone: us-east-1a}]")
    assert neither.startswith("unavailableOfferings[0]: set exactly one of instanceType or instanceFamily")
    [both] = issues("unavailableOfferings: [{instanceType: m5.large, instanceFamily: m5}]")
    assert both.startswith("unavailableOfferings[0]:")


def test_a_spot_interruption_needs_exactly_one_time():
    [issue] = issues("spotInterruptions: [{at: 10, afterLaunch: 20}]")
    assert issue.startswith("spotInterruptions[0]: set exactly one of at")
    [issue] = issues("spotInterruptions: [{instanceType: m5.large}]")
    assert issue.startswith("spotInterruptions[0]:")


def test_bad_values_name_their_field():
    assert issues("launchLatencySeconds: -1")[0].startswith("launchLatencySeconds:")
    assert issues("capacity: {m5.large: -2}")[0].startswith("capacity.m5.large:")
    assert issues("unavailableOfferings: [{instanceType: m5.large, capacityType: reserved}]")[0].startswith(
        "unavailableOfferings[0].capacityType:"
    )
    assert issues("spotInterruptions: [{at: 5, count: 0}]")[0].startswith("spotInterruptions[0].count:")
    assert issues("zones: []")[0].startswith("zones:")
    assert issues("zones: [us-east-1a, us-east-1a]")[0] == "zones must not repeat"


def test_a_document_that_is_not_a_mapping_or_not_yaml_is_refused():
    assert "expected a mapping" in issues("- a\n- b")[0]
    assert "not valid YAML" in issues("zones: [")[0]
    with pytest.raises(ManifestError):
        scenario_from_dict(["zones"])
