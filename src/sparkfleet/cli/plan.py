"""`sparkfleet plan`: run the dry run on the simulated cloud and show it as tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.cli.objects import CommandError
from sparkfleet.clock import VirtualClock
from sparkfleet.cloud import load_catalog
from sparkfleet.cloud.sim import SimulatedEC2
from sparkfleet.config import PlatformConfig
from sparkfleet.engine.submission import SubmissionError
from sparkfleet.sim import DryRun, dry_run

# A fixed instant: a dry run gives the same plan whenever it is asked.
PLAN_TIME = datetime(2026, 1, 1, tzinfo=UTC)


def plan_application(doc: dict[str, Any], config: PlatformConfig) -> DryRun:
    """The dry run of one application; CommandError naming it when it cannot be submitted."""
    app = SparkApplication.model_validate(doc)
    clock = VirtualClock(PLAN_TIME)
    cloud = SimulatedEC2(load_catalog(), config.scenario, clock)
    try:
        return dry_run(app, config, cloud, clock.now())
    except SubmissionError as exc:
        meta = app.metadata
        raise CommandError(
            f"SparkApplication {meta.namespace or 'default'}/{meta.name}: the submission would fail: {exc}"
        ) from None


def render_plan(console: Console, report: DryRun) -> None:
    console.print(f"[bold]{report.application}[/bold]  queue {report.queue or '<none>'}")
    if report.task_groups:
        groups = Table("TASK GROUP", "MIN MEMBER", "CPU", "MEMORY", box=None, header_style="bold")
        for g in report.task_groups:
            res = g["minResource"]
            groups.add_row(
                g["name"], str(g["minMember"]), str(res.get("cpu", "")), str(res.get("memory", ""))
            )
        console.print(groups)
    claims = Table(
        "NODEPOOL", "INSTANCE TYPE", "CAPACITY", "ZONE", "$/HOUR", "PODS", box=None, header_style="bold"
    )
    for c in report.node_claims:
        claims.add_row(
            c["nodePool"],
            c["instanceType"],
            c["capacityType"],
            c["zone"],
            f"{c['pricePerHour']:.4f}",
            str(len(c["pods"])),
        )
    console.print(claims if report.node_claims else "No NodeClaims.")
    for f in report.fallbacks:
        console.print(f"fallback: {f['from']} -> {f['to']}: {f['reason']}")
    for u in report.unschedulable:
        console.print(f"[yellow]unschedulable[/yellow] {u['pod']}: {u['reason']}")
    console.print(f"total ${report.total_price_per_hour:.4f}/hour")
