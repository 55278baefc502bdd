"""Loading a scenario file and checking it against the catalog and the region."""

from __future__ import annotations

import re
from pathlib import Path

from sparkfleet.api.base import FieldIssue, ManifestError, did_you_mean
from sparkfleet.api.scenario import Scenario, parse_scenario
from sparkfleet.cloud.catalog import Catalog


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file."""
    path = Path(path)
    return parse_scenario(path.read_text(encoding="utf-8"), source=str(path))


def check_scenario(scenario: Scenario, catalog: Catalog, region: str) -> None:
    """Raise ManifestError if the scenario names types, families or zones the simulator does not have."""
    issues: list[FieldIssue] = []
    zone_pattern = re.compile(rf"^{re.escape(region)}[a-z]$")
    for i, zone in enumerate(scenario.zones):
        if not zone_pattern.match(zone):
            issues.append(FieldIssue(f"zones[{i}]", f"{zone!r} is not a zone of {region}"))
    names = list(catalog.names)
    families = list(catalog.families)

    def check_type(path: str, name: str | None) -> None:
        if name is not None and name not in catalog:
            issues.append(FieldIssue(path, f"unknown instance type {name!r}{did_you_mean(name, names)}"))

    def check_family(path: str, family: str | None) -> None:
        if family is not None and family not in families:
            hint = did_you_mean(family, families)
            issues.append(FieldIssue(path, f"unknown instance family {family!r}{hint}"))

    def check_zone(path: str, zone: str | None) -> None:
        if zone is not None and zone not in scenario.zones:
            issues.append(FieldIssue(path, f"zone {zone!r} is not one of zones {scenario.zones}"))

    for i, rule in enumerate(scenario.unavailableOfferings):
        check_type(f"unavailableOfferings[{i}].instanceType", rule.instanceType)
        check_family(f"unavailableOfferings[{i}].instanceFamily", rule.instanceFamily)
        check_zone(f"unavailableOfferings[{i}].zone", rule.zone)
    for i, spec in enumerate(scenario.spotInterruptions):
        check_type(f"spotInterruptions[{i}].instanceType", spec.instanceType)
        check_family(f"spotInterruptions[{i}].instanceFamily", spec.instanceFamily)
        check_zone(f"spotInterruptions[{i}].zone", spec.zone)
    for name in scenario.capacity:
        check_type(f"capacity.{name}", name)
    if issues:
        raise ManifestError(issues)
