"""sparkfleet's Grafana dashboards (deploy/grafana/), built with grafana-foundation-sdk: the `dashboards`
extra. Nothing else of the package imports this one."""

from sparkfleet.dashboards.boards import DASHBOARDS, write
from sparkfleet.dashboards.builder import Board, Query, Tile, panel_queries, render

__all__ = ["DASHBOARDS", "Board", "Query", "Tile", "panel_queries", "render", "write"]
