"""Dashboards as data (`Board`: rows of `Tile`s of PromQL `Query`s), rendered to Grafana's JSON, and the
small PromQL helpers the boards share.

Rendering uses grafana-foundation-sdk: Grafana Labs' own builders, generated from Grafana's dashboard
schema for each Grafana release (the pinned build targets Grafana 11.6) and fully typed, so the JSON is
what that Grafana loads and a renamed field fails at type-check time, not in a browser. grafanalib was the
alternative: hand-written against an older schema, untyped, and without a release since January 2024.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grafana_foundation_sdk.builders import dashboard, prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef, VariableRefresh

__all__ = [
    "NAMESPACE",
    "NODEPOOL",
    "QUEUE",
    "RATE",
    "Board",
    "Query",
    "Tile",
    "build",
    "by",
    "mean",
    "over",
    "panel_queries",
    "q",
    "quantile",
    "render",
]

DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
RATE = "$__rate_interval"
TAG = "sparkfleet"
# The dashboards' variables as label matchers.
QUEUE = 'queue=~"$queue"'
NAMESPACE = 'namespace=~"$namespace"'
NODEPOOL = 'nodepool=~"$nodepool"'


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""


@dataclass(frozen=True)
class Tile:
    """One panel: a time series (or a single figure, `single=True`) of its queries."""

    title: str
    queries: tuple[Query, ...]
    unit: str = "short"
    single: bool = False
    width: int = 12
    description: str = ""


@dataclass(frozen=True)
class Board:
    uid: str
    title: str
    description: str
    rows: tuple[tuple[str, tuple[Tile, ...]], ...]
    variables: tuple[tuple[str, str], ...] = field(default=())
    """(name, label_values(...) query) for each template variable after the data source."""


def q(expr: str, legend: str = "") -> Query:
    return Query(expr, legend)


def _panel(tile: Tile, panel_id: int) -> timeseries.Panel | stat.Panel:
    built: timeseries.Panel | stat.Panel = stat.Panel() if tile.single else timeseries.Panel()
    built.id(panel_id).title(tile.title).datasource(DATASOURCE).unit(tile.unit)
    built.height(4 if tile.single else 8).span(tile.width)
    if tile.description:
        built.description(tile.description)
    for i, query in enumerate(tile.queries):
        target = prometheus.Dataquery().expr(query.expr).ref_id(chr(ord("A") + i))
        if query.legend:
            target.legend_format(query.legend)
        built.with_target(target)
    return built


def build(board: Board) -> dashboard.Dashboard:
    """The dashboard builder of `board` (panel ids in order, rows as Grafana rows)."""
    built = (
        dashboard.Dashboard(board.title)
        .uid(board.uid)
        .description(board.description)
        .tags([TAG])
        .refresh("30s")
        .time("now-6h", "now")
        .with_variable(dashboard.DatasourceVariable("datasource").label("Data source").type("prometheus"))
    )
    for name, query in board.variables:
        built.with_variable(
            dashboard.QueryVariable(name)
            .label(name)
            .datasource(DATASOURCE)
            .query(query)
            .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
            .multi(True)
            .include_all(True)
        )
    panel_id = 0
    for title, tiles in board.rows:
        panel_id += 1
        built.with_row(dashboard.Row(title).id(panel_id))
        for tile in tiles:
            panel_id += 1
            built.with_panel(_panel(tile, panel_id))
    return built


def render(board: Board) -> str:
    """The dashboard's JSON, as committed (sorted keys, two-space indent, a final newline)."""
    return JSONEncoder(sort_keys=True, indent=2).encode(build(board).build()) + "\n"


def by(labels: str, expr: str) -> str:
    return f"sum by ({labels}) ({expr})"


def over(fn: str, metric: str, selector: str = "") -> str:
    """`fn(metric{selector}[$__rate_interval])`, e.g. increase or rate."""
    matchers = f"{{{selector}}}" if selector else ""
    return f"{fn}({metric}{matchers}[{RATE}])"


def quantile(quantile: float, metric: str, by: str = "") -> str:
    group = f"le, {by}" if by else "le"
    return f"histogram_quantile({quantile}, sum by ({group}) (rate({metric}_bucket[{RATE}])))"


def mean(metric: str, by: str = "") -> str:
    grouping = f" by ({by})" if by else ""
    return f"sum{grouping} (rate({metric}_sum[{RATE}])) / sum{grouping} (rate({metric}_count[{RATE}]))"


def panel_queries(document: dict[str, object]) -> list[tuple[str, str]]:
    """(panel title, PromQL) of every target of a dashboard's JSON."""
    out = []
    panels = document.get("panels")
    for panel in panels if isinstance(panels, list) else []:
        for target in panel.get("targets") or []:
            out.append((str(panel.get("title")), str(target.get("expr"))))
    return out
