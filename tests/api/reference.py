"""The blueprint's own manifests (tests/data/data-on-eks, from awslabs/data-on-eks), read once for the
tests that check sparkfleet accepts them as they are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "data-on-eks"


def reference_apps() -> list[tuple[str, dict[str, Any]]]:
    """Every SparkApplication of the blueprint, with those inside Argo WorkflowTemplate manifests."""
    found: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(REFERENCE.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not isinstance(doc, dict):
                continue
            name = str(path.relative_to(REFERENCE))
            if doc.get("kind") == "SparkApplication":
                found.append((name, doc))
            for template in (doc.get("spec") or {}).get("templates") or []:
                manifest = (template.get("resource") or {}).get("manifest")
                if manifest:
                    found.append((f"{name}#{template['name']}", yaml.safe_load(manifest)))
    return found


REFERENCE_APPS = reference_apps()
