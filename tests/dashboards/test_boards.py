"""The committed dashboards are what the generator makes, and every metric their queries name is on the
platform's /metrics (scraped from a real, unstarted Platform and read with prometheus-client's parser)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import promql_parser
import pytest
from prometheus_client.parser import text_string_to_metric_families

from server.builders import TestClient
from sparkfleet.clock import VirtualClock
from sparkfleet.config import PlatformConfig
from sparkfleet.dashboards import DASHBOARDS, panel_queries, render, write
from sparkfleet.dashboards.boards import main
from sparkfleet.platform import Platform
from sparkfleet.server.app import create_app

GRAFANA = Path(__file__).resolve().parents[2] / "deploy" / "grafana"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count")}
GRAFANA_VARIABLE = re.compile(r"\$\{?(\w+)\}?")


def metric_names(expr: object) -> Iterator[str]:
    """Every metric name a parsed PromQL expression selects."""
    if not isinstance(expr, promql_parser.Expr):
        return
    if isinstance(expr, promql_parser.VectorSelector):
        if expr.name:
            yield expr.name
        return
    if isinstance(expr, promql_parser.MatrixSelector):
        yield from metric_names(expr.vector_selector)
        return
    for attr in ("expr", "lhs", "rhs", "param"):
        yield from metric_names(getattr(expr, attr, None))
    for arg in getattr(expr, "args", None) or []:
        yield from metric_names(arg)


def parse(expr: str) -> promql_parser.Expr:
    """Grafana's variables stand in for values: `[$__rate_interval]` is a range, `$queue` a label value."""
    text = expr.replace("$__rate_interval", "5m")
    return promql_parser.parse(GRAFANA_VARIABLE.sub("x", text))


@pytest.fixture(scope="module")
def scraped(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Every series name the platform's /metrics exposes (histograms by their _bucket, _sum and _count)."""
    home = tmp_path_factory.mktemp("platform") / "home"
    platform = Platform(home, PlatformConfig(), VirtualClock(datetime(2026, 1, 5, tzinfo=UTC)))
    try:
        client = TestClient(create_app(platform.store, None, registry=platform.registry))
        text = client.get("/metrics").text
    finally:
        platform.stop()
    names = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ()))
    return names


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_the_committed_dashboard_is_what_the_generator_makes(name: str) -> None:
    committed = GRAFANA / name
    assert committed.is_file(), f"{committed} is missing: run python -m sparkfleet.dashboards deploy/grafana"
    assert committed.read_text() == render(DASHBOARDS[name]), (
        f"{committed} is stale: run python -m sparkfleet.dashboards deploy/grafana"
    )


def test_the_generator_writes_every_dashboard(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(DASHBOARDS)
    assert capsys.readouterr().out.count("\n") == len(DASHBOARDS)
    assert [p.name for p in write(tmp_path)] == list(DASHBOARDS)
    assert main([]) == 2


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_every_metric_a_panel_queries_is_on_the_platforms_metrics(name: str, scraped: set[str]) -> None:
    document = json.loads((GRAFANA / name).read_text())
    queries = panel_queries(document)
    assert queries, name
    named = {(metric, title) for title, expr in queries for metric in metric_names(parse(expr))}
    assert named, name
    missing = sorted(f"{metric} (panel {title!r})" for metric, title in named if metric not in scraped)
    assert missing == [], f"{name}: metrics not on /metrics: {missing}"
