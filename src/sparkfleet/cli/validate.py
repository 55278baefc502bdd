"""`sparkfleet validate`: one line per problem, `FILE: KIND/NAME: field.path: message`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sparkfleet.api.manifests import check_text


@dataclass(frozen=True)
class ValidationReport:
    problems: list[str]
    valid: int
    skipped: list[str]
    warnings: list[str]


def manifest_files(paths: list[Path]) -> list[Path]:
    """Files as given; directories expand to their YAML and JSON files, recursively and sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".json") and p.is_file())
            )
        else:
            files.append(path)
    return files


def validate_files(paths: list[Path]) -> ValidationReport:
    problems: list[str] = []
    skipped: list[str] = []
    warnings: list[str] = []
    valid = 0
    for path in manifest_files(paths):
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            problems.append(f"{path}: cannot read: {exc.strerror or exc}")
            continue
        result = check_text(text)
        warnings.extend(f"{path}: warning: {w}" for w in result.warnings)
        checked_all = result.objects
        if not checked_all:
            problems.append(f"{path}: no manifests found")
        for checked in checked_all:
            if checked.skipped:
                skipped.append(f"{path}: {checked.kind}/{checked.name}: skipped: {checked.skipped}")
                continue
            if checked.ok:
                valid += 1
            for issue in checked.issues:
                where = f"{issue.path}: " if issue.path else ""
                problems.append(f"{path}: {checked.kind}/{checked.name}: {where}{issue.message}")
    return ValidationReport(problems, valid, skipped, warnings)
