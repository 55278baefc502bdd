"""`sparkfleet cost`: what applications, queues and NodePools have cost (registered by cli/main.py).

By application the figures are the applications' `sparkfleet.io/cost` annotations; by queue and by
NodePool they are the cost controller's fleet ledger (ConfigMap `yunikorn/sparkfleet-cost`), which also
holds applications since deleted and, by NodePool, the idle room of the nodes. Both are read from the
store, so the command works against the embedded home and a running `up` alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sparkfleet.cli.options import DEFAULT_CLUSTER, AllNamespaces, ClusterOpt, NamespaceOpt, out, user_errors

if TYPE_CHECKING:
    from sparkfleet.cluster import Cluster
    from sparkfleet.engine.cost import CostGrouping, CostRow

__all__ = ["cost", "cost_rows", "render_cost", "since_option"]

By = Annotated[str, typer.Option("--by", help="Group by queue, app or nodepool.")]
Since = Annotated[
    str | None,
    typer.Option(
        "--since", help="Only what accrued in the last DURATION (e.g. 30m, 2h, 24h; at most 7 days)."
    ),
]
_COLUMNS = {
    "app": ("NAMESPACE", "APPLICATION", "QUEUE"),
    "queue": ("QUEUE",),
    "nodepool": ("NODEPOOL", "CAPACITY"),
}


def cost(
    namespace: NamespaceOpt = None,
    all_namespaces: AllNamespaces = False,
    by: By = "queue",
    since: Since = None,
    cluster: ClusterOpt = DEFAULT_CLUSTER,
) -> None:
    """What applications cost, spot and on-demand apart, with placeholder and idle-node waste."""
    from sparkfleet.cli.context import open_cluster
    from sparkfleet.cli.objects import CommandError
    from sparkfleet.clock import SystemClock
    from sparkfleet.engine.cost import CostGrouping

    with user_errors():
        try:
            grouping = CostGrouping(by.lower())
        except ValueError:
            raise CommandError(f'--by "{by}": give queue, app or nodepool') from None
        if namespace is not None and all_namespaces:
            raise CommandError("-n and -A: give one namespace (-n NS) or every namespace (-A), not both")
        window = since_option(since)
        store = open_cluster(cluster)
        now = SystemClock().now()
        render_cost(store, grouping, None if all_namespaces else (namespace or "default"), window, now)


def since_option(text: str | None) -> timedelta | None:
    """`--since` as a window; a one-line CommandError naming the flag for anything else."""
    from sparkfleet.api.durations import DurationError, parse_go_duration
    from sparkfleet.cli.objects import CommandError
    from sparkfleet.engine.cost import HOURLY_RETENTION

    if text is None:
        return None
    try:
        seconds = parse_go_duration(text)
    except DurationError as exc:
        raise CommandError(f"--since: {exc}") from None
    if seconds <= 0:
        raise CommandError(f'--since "{text}": give a positive duration such as "30m" or "2h"')
    window = timedelta(seconds=float(seconds))
    if window > HOURLY_RETENTION:
        kept = f"{int(HOURLY_RETENTION.total_seconds()) // 3600}h"
        raise CommandError(f'--since "{text}": the cost ledger keeps {kept} of history; give at most {kept}')
    return window


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _app_queue(app: Mapping[str, Any]) -> str:
    """The queue an application asks for, by the submission's rule (batchSchedulerOptions, then label)."""
    from sparkfleet.api.wire import LABEL_QUEUE

    options = (app.get("spec") or {}).get("batchSchedulerOptions") or {}
    queue = options.get("queue") if isinstance(options, dict) else None
    return str(queue or (_meta(app).get("labels") or {}).get(LABEL_QUEUE) or "-")


def _started(app: Mapping[str, Any]) -> datetime | None:
    from sparkfleet.api.timefmt import TimestampError, parse_rfc3339

    for field, value in (
        ("status.lastSubmissionAttemptTime", (app.get("status") or {}).get("lastSubmissionAttemptTime")),
        ("metadata.creationTimestamp", _meta(app).get("creationTimestamp")),
    ):
        if isinstance(value, str) and value:
            try:
                return parse_rfc3339(value, field=field)
            except TimestampError:
                continue
    return None


def cost_rows(
    store: Cluster, grouping: CostGrouping, namespace: str | None, since: timedelta | None, now: datetime
) -> tuple[list[CostRow], datetime | None]:
    """The table's rows, and the time its figures were last brought up to date (None: never)."""
    from sparkfleet.api.appinsight import cost_of
    from sparkfleet.controllers import read_ledger
    from sparkfleet.engine.cost import (
        AppCostView,
        app_rows,
        fleet_lines,
        nodepool_rows,
        queue_rows,
    )

    start = now - since if since is not None else None
    if grouping == "app":
        views = []
        for app in store.list("SparkApplication", namespace).items:
            spent = cost_of(app)
            if spent is None:
                continue
            meta = _meta(app)
            views.append(
                AppCostView(
                    str(meta.get("namespace") or "default"),
                    str(meta.get("name") or ""),
                    _app_queue(app),
                    spent,
                    _started(app),
                )
            )
        stamps = [v.cost.as_of for v in views if v.cost.as_of is not None]
        # No annotation yet: the ledger, written with every annotation, says when the controller looked.
        return app_rows(views, start), max(stamps, default=None) or read_ledger(store).as_of
    ledger = read_ledger(store)
    lines = fleet_lines(ledger, start)
    rows = queue_rows(lines, namespace) if grouping == "queue" else nodepool_rows(lines, namespace)
    return rows, ledger.as_of


def _dollars(amount: float) -> str:
    return f"${amount:,.4f}"


def render_cost(
    store: Cluster, grouping: CostGrouping, namespace: str | None, since: timedelta | None, now: datetime
) -> None:
    """Print the cost table of `grouping` for `namespace` (None: every namespace)."""
    from sparkfleet.api.timefmt import format_rfc3339
    from sparkfleet.cli.printers import print_table

    rows, as_of = cost_rows(store, grouping, namespace, since, now)
    console = out()
    stamp = format_rfc3339(as_of) if as_of is not None else None
    if not rows:
        # The stamp tells a figure not yet written (pods bound since the last pass) from no cost at all.
        where = "any namespace" if namespace is None else f"namespace {namespace}"
        console.print(
            f"No cost recorded in {where}"
            + (" in that window" if since is not None else "")
            + (f" as of {stamp}" if stamp else "")
            + ": the cost controller records it while pods run on priced nodes."
        )
        return
    names: Sequence[str] = _COLUMNS[grouping.value]
    idle = grouping == "nodepool"
    titles = [*names, "SPOT", "ON-DEMAND", "PLACEHOLDER-WASTE", *(("IDLE-WASTE",) if idle else ()), "TOTAL"]
    cells = []
    for row in rows:
        figures = [
            row.spot,
            row.on_demand,
            row.placeholder_waste,
            *((row.idle_waste,) if idle else ()),
            row.total,
        ]
        cells.append([*row.group[: len(names)], *(_dollars(f) for f in figures)])
    print_table(console, titles, cells)
    total = sum(row.total for row in rows)
    window = f" since {format_rfc3339(now - since)}" if since is not None else ""
    console.print(f"Total {_dollars(total)} USD{window}" + (f", as of {stamp}" if stamp else "") + ".")
