"""`sparkfleet crds`: the CustomResourceDefinitions of the custom kinds, for a real cluster's API server
(registered by cli/main.py)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

__all__ = ["crds"]


class CrdFormat(StrEnum):
    YAML = "yaml"
    JSON = "json"


def crds(
    output: Annotated[
        CrdFormat, typer.Option("-o", "--output", help="yaml (one document per CRD) or json (a List).")
    ] = CrdFormat.YAML,
) -> None:
    """Print the CRDs of every custom kind sparkfleet serves, generated from its models (apply them with
    `kubectl apply --server-side -f -`: the SparkApplication CRD is too large for client-side apply)."""
    from sparkfleet.server import crds_yaml, custom_resource_definitions

    if output is CrdFormat.JSON:
        import json

        listed = {"apiVersion": "v1", "kind": "List", "items": list(custom_resource_definitions())}
        typer.echo(json.dumps(listed, indent=2))
    else:
        typer.echo(crds_yaml(), nl=False)
