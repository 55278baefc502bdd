"""`sparkfleet validate` on mutated manifests of every kind: it never raises, and every problem it reports
names the field it is about, in a message of a readable length (a 10,000-character value is not echoed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings

from sparkfleet.api.manifests import check_text
from sparkfleet.api.registry import KINDS
from sparkfleet.cli.validate import validate_files

from .mutations import FUZZ, Mutated, mutated
from .seeds import seed_kinds

MESSAGE_MAX = 2000
CASES = 1400
LONG_CASES = 30_000


@pytest.fixture(scope="module")
def manifest_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("validate") / "manifest.yaml"


def dump(doc: object, as_json: bool) -> str:
    return json.dumps(doc) if as_json else yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def check_reported_with_paths(case: Mutated, manifest_file: Path) -> None:
    for as_json in (False, True):
        text = dump(case.doc, as_json)
        checked = check_text(text).objects
        assert checked, "a mapping is always at least one object to report on"
        for obj in checked:
            for issue in obj.issues:
                assert issue.path, f"{obj.kind}/{obj.name}: an issue without a field path: {issue.message}"
                assert len(str(issue)) <= MESSAGE_MAX, f"an issue of {len(str(issue))} characters"
    manifest_file.write_text(dump(case.doc, as_json=False), encoding="utf-8")
    report = validate_files([manifest_file])
    assert len(report.problems) == sum(len(o.issues) for o in check_text(dump(case.doc, False)).objects)


def test_the_seeds_cover_every_kind_of_the_registry() -> None:
    assert seed_kinds() == {info.kind for info in KINDS}


@settings(FUZZ, max_examples=CASES)
@given(case=mutated())
def test_validate_reports_every_problem_of_a_mutated_manifest_with_its_field_path(
    manifest_file: Path, case: Mutated
) -> None:
    check_reported_with_paths(case, manifest_file)


@pytest.mark.fuzz_long
@settings(FUZZ, max_examples=LONG_CASES)
@given(case=mutated())
def test_validate_long_fuzz(manifest_file: Path, case: Mutated) -> None:
    check_reported_with_paths(case, manifest_file)
