"""Scenario files and their check against the catalog and the region."""

from __future__ import annotations

from pathlib import Path

import pytest

from sparkfleet.api.base import ManifestError
from sparkfleet.api.scenario import parse_scenario
from sparkfleet.cloud.catalog import load_catalog
from sparkfleet.cloud.sim import check_scenario, load_scenario


def problems(text: str, region: str = "us-east-1") -> list[str]:
    with pytest.raises(ManifestError) as excinfo:
        check_scenario(parse_scenario(text), load_catalog(), region)
    return [str(issue) for issue in excinfo.value.issues]


def test_a_scenario_file_is_read_and_validated(tmp_path: Path):
    path = tmp_path / "ice.yaml"
    path.write_text("unavailableOfferings:\n  - instanceFamily: r6g\n    capacityType: spot\n")
    scenario = load_scenario(path)
    assert scenario.unavailableOfferings[0].instanceFamily == "r6g"
    check_scenario(scenario, load_catalog(), "us-east-1")


def test_unknown_types_and_families_are_named_with_a_hint():
    assert problems(
        "unavailableOfferings: [{instanceFamily: r6gdd}, {instanceType: r5d.4xlarg}]\ncapacity: {m5.larg: 1}"
    ) == [
        "unavailableOfferings[0].instanceFamily: unknown instance family 'r6gdd' (did you mean \"r6gd\"?)",
        "unavailableOfferings[1].instanceType: unknown instance type 'r5d.4xlarg'"
        ' (did you mean "r5d.4xlarge"?)',
        "capacity.m5.larg: unknown instance type 'm5.larg' (did you mean \"m5.large\"?)",
    ]


def test_selectors_may_only_name_the_scenarios_zones():
    assert problems("zones: [us-east-1a]\nspotInterruptions: [{at: 1, zone: us-east-1b}]") == [
        "spotInterruptions[0].zone: zone 'us-east-1b' is not one of zones ['us-east-1a']"
    ]


def test_zones_must_belong_to_the_region():
    assert problems("zones: [us-east-1a, eu-west-1a]") == [
        "zones[1]: 'eu-west-1a' is not a zone of us-east-1"
    ]
