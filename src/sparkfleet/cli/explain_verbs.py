"""`sparkfleet explain APP`: an application's timeline and, in one sentence, what it waits for now
(registered by cli/main.py; `describe sparkapplication` shows the same timeline via `timeline_lines`).

The timeline is the one the timeline controller keeps in the `sparkfleet.io/timeline` annotation,
advanced by what the application's objects say at this moment, so the sentence is current even between
the controller's writes (and on a home whose controllers are not running).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from sparkfleet.cli.options import DEFAULT_CLUSTER, ClusterOpt, NamespaceOpt, user_errors

if TYPE_CHECKING:
    from sparkfleet.api.appinsight import Phase
    from sparkfleet.cluster import Cluster

__all__ = ["explain", "explain_text", "timeline_lines"]

_HEADER = ("PHASE", "SINCE", "DURATION", "REASON", "MESSAGE")


def explain(
    name: Annotated[str, typer.Argument(help="The SparkApplication.")],
    namespace: NamespaceOpt = None,
    cluster: ClusterOpt = DEFAULT_CLUSTER,
) -> None:
    """Show an application's timeline (phase, start, duration, reason) and its current blocker."""
    from sparkfleet.cli.context import open_cluster
    from sparkfleet.clock import SystemClock

    with user_errors():
        store = open_cluster(cluster)
        typer.echo(explain_text(store, namespace or "default", name, SystemClock().now()))


def explain_text(store: Cluster, namespace: str, name: str, now: datetime) -> str:
    """The timeline table and, last, the current blocker in one sentence."""
    from sparkfleet.cli.objects import CommandError
    from sparkfleet.cluster import NotFound
    from sparkfleet.controllers import explain_now

    try:
        app = store.get("SparkApplication", namespace, name)
    except NotFound:
        raise CommandError(
            f'SparkApplication "{name}" not found in namespace "{namespace}" (give its namespace with -n)'
        ) from None
    entries = explain_now(store, app, now).entries
    return "\n".join(timeline_lines(entries, now, blocker_label=f"{namespace}/{name}"))


def timeline_lines(entries: Sequence[Phase], now: datetime, *, blocker_label: str = "Now") -> list[str]:
    """The timeline as aligned columns, then `<label>: <blocker sentence>` (nothing when empty)."""
    from sparkfleet.api.appinsight import current_phase
    from sparkfleet.api.timefmt import format_rfc3339
    from sparkfleet.engine.explain import blocker_sentence, short_duration

    if not entries:
        return [f"{blocker_label}: no timeline yet"]
    rows = [_HEADER]
    for entry in entries:
        lasted = short_duration(entry.seconds(now)) + ("" if entry.until is not None else "+")
        rows.append((entry.phase, format_rfc3339(entry.since), lasted, entry.reason, entry.message))
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADER) - 1)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1]
        for row in rows
    ]
    current = current_phase(tuple(entries))
    if current is not None:
        lines.append("")
        lines.append(f"{blocker_label}: {blocker_sentence(current, now)}")
    return lines
