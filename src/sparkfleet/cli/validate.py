"""`sparkfleet validate`: one line per problem, `FILE: KIND/NAME: field.path: message`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sparkfleet.api.manifests import Checked, check_text
from sparkfleet.api.yamlio import DocumentRefused, read_text


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
            text = read_text(path)
        except OSError as exc:
            problems.append(f"{path}: cannot read: {exc.strerror or exc}")
            continue
        except DocumentRefused as exc:
            problems.append(f"{path}: {exc}")
            continue
        result = check_text(text)
        warnings.extend(f"{path}: warning: {w}" for w in result.warnings)
        warnings.extend(
            f"{path}: warning: {c.kind}/{c.name}: {w}"
            for c in result.objects
            if c.ok
            for w in image_warnings(c)
        )
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


_SPEC_OF = {"SparkApplication": ("spec",), "ScheduledSparkApplication": ("spec", "template")}
"""Where an application kind keeps its SparkApplicationSpec."""


def image_warnings(checked: Checked) -> list[str]:
    """An application whose driver or executors have no image: Spark refuses to submit it on Kubernetes
    (the operator fails the submission), while the embedded cluster runs it with its local image."""
    path = _SPEC_OF.get(checked.kind)
    spec: Any = checked.doc
    for key in path or ():
        spec = spec.get(key) if isinstance(spec, dict) else None
    if path is None or not isinstance(spec, dict):
        return []
    where = ".".join(path)
    missing = [
        role
        for role in ("driver", "executor")
        if not spec.get("image") and not (isinstance(spec.get(role), dict) and spec[role].get("image"))
    ]
    if not missing:
        return []
    roles = " or ".join(f"{where}.{role}.image" for role in missing)
    return [
        f"{where}.image: not set (nor {roles}): a Kubernetes cluster fails the submission "
        f'("Must specify the {missing[0]} container image"); the embedded cluster runs it with its local '
        f"image. Set {where}.image to run it on both"
    ]
