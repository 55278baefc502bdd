"""The verbs on manifests: `validate`, `apply` and `plan` (registered by cli/main.py).

Their options are defined here with typer alone; each command imports what it runs (cli/options.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sparkfleet.cli.options import DEFAULT_CLUSTER, ClusterOpt, FilesOption, NamespaceOpt, out, user_errors

__all__ = ["apply", "plan", "validate"]


def validate(
    filename: FilesOption,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Print problems only.")] = False,
) -> None:
    """Check manifests (SparkApplication, NodePool, EC2NodeClass, queues.yaml, ...) without applying them."""
    from sparkfleet.cli.validate import validate_files

    with user_errors():
        report = validate_files(filename)
    for line in report.problems:
        typer.echo(line)
    for line in report.warnings:
        typer.echo(line, err=True)
    if not quiet:
        for line in report.skipped:
            typer.echo(line, err=True)
        verdict = "invalid" if report.problems else "valid"
        typer.echo(
            f"{report.valid} object(s) valid, {len(report.problems)} problem(s), "
            f"{len(report.skipped)} skipped: {verdict}",
            err=True,
        )
    raise typer.Exit(1 if report.problems else 0)


def apply(
    filename: FilesOption, namespace: NamespaceOpt = None, cluster: ClusterOpt = DEFAULT_CLUSTER
) -> None:
    """Create or update the objects in the manifests (all are validated before anything is stored)."""
    from sparkfleet.cli.context import open_cluster
    from sparkfleet.cli.objects import apply_documents, load_documents

    with user_errors():
        docs = load_documents(filename)
        store = open_cluster(cluster)
        for applied in apply_documents(store, docs, namespace):
            typer.echo(str(applied))


def plan(
    filename: FilesOption,
    nodepools: Annotated[
        Path | None,
        typer.Option("--nodepools", help="NodePools and EC2NodeClasses (default: the blueprint's)."),
    ] = None,
    queues: Annotated[
        Path | None, typer.Option("--queues", help="YuniKorn queues.yaml (default: the blueprint's).")
    ] = None,
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="Cloud scenario (zones, unavailable offerings).")
    ] = None,
    output: Annotated[
        str | None, typer.Option("-o", "--output", help="json for the machine-readable plan.")
    ] = None,
) -> None:
    """Dry-run submission, scheduling and provisioning for an application on an empty simulated cluster."""
    import json

    from sparkfleet.api.karpenter import NodeOverlay
    from sparkfleet.cli.objects import CommandError, load_documents
    from sparkfleet.cli.plan import plan_application, render_plan
    from sparkfleet.config import load_config

    with user_errors():
        docs = load_documents(filename)
        apps = [d for d in docs if d.get("kind") == "SparkApplication"]
        if not apps:
            raise CommandError("no SparkApplication in the given files")
        config = load_config(nodepools=nodepools, queues=queues, scenario=scenario)
        # NodeOverlays beside the application model the user's prices (a Savings Plan, say).
        config.nodeoverlays += [NodeOverlay.model_validate(d) for d in docs if d.get("kind") == "NodeOverlay"]
        reports = [plan_application(doc, config) for doc in apps]
        if output == "json":
            body = [r.to_json() for r in reports]
            typer.echo(json.dumps(body[0] if len(body) == 1 else body, indent=2))
        elif output is None:
            for report in reports:
                render_plan(out(), report)
        else:
            raise CommandError(f'unknown output format "{output}"; use json')
