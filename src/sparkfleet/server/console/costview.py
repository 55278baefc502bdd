"""The console's cost view: totals by application, queue and NodePool, and a plot of spend over time.

An application's cost annotation gives what it had accrued at `asOf`; the plot spreads each one
evenly over its run (from its first timeline entry, or its creation, to `asOf`) and adds them up, so the
curve ends at the exact sum, and is drawn as inline SVG (no script, no external asset).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from markupsafe import Markup, escape

from sparkfleet.server.console.views import AppRow, NodeRow

__all__ = ["CostSummary", "Series", "cost_series", "cost_summary", "plot_svg"]

_WIDTH, _HEIGHT, _PAD = 720, 240, 48


@dataclass(frozen=True, slots=True)
class Series:
    """Points (epoch seconds, accrued amount) of the total, spot and on-demand spend."""

    times: tuple[float, ...]
    total: tuple[float, ...]
    spot: tuple[float, ...]
    on_demand: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class CostSummary:
    currency: str
    total: float
    spot: float
    on_demand: float
    waste: float
    known: int
    unknown: int
    by_queue: tuple[tuple[str, float], ...]
    fleet_per_hour: float
    by_pool: tuple[tuple[str, str, float], ...]
    """(NodePool, capacity type, $/h now)."""


def _run(app: AppRow) -> tuple[float, float] | None:
    if app.cost is None or app.cost.as_of is None:
        return None
    end = app.cost.as_of.timestamp()
    start_at = app.timeline[0].since if app.timeline else app.submitted
    start = min(start_at.timestamp(), end) if start_at else end
    return start, end


def cost_series(apps: Sequence[AppRow]) -> Series:
    runs = [(app, run) for app in apps if (run := _run(app)) is not None]
    times = sorted({t for _, (start, end) in runs for t in (start, end)})

    def at(t: float) -> tuple[float, float, float]:
        total = spot = on_demand = 0.0
        for app, (start, end) in runs:
            assert app.cost is not None
            share = 1.0 if end <= start or t >= end else max(0.0, (t - start) / (end - start))
            total += app.cost.total * share
            spot += app.cost.spot * share
            on_demand += app.cost.on_demand * share
        return total, spot, on_demand

    values = [at(t) for t in times]
    return Series(
        tuple(times),
        tuple(v[0] for v in values),
        tuple(v[1] for v in values),
        tuple(v[2] for v in values),
    )


def cost_summary(apps: Sequence[AppRow], nodes: Sequence[NodeRow]) -> CostSummary:
    known = [a for a in apps if a.cost is not None]
    by_queue: dict[str, float] = {}
    for app in known:
        assert app.cost is not None
        by_queue[app.queue or "(none)"] = by_queue.get(app.queue or "(none)", 0.0) + app.cost.total
    pools: dict[tuple[str, str], float] = {}
    for node in nodes:
        if node.price is not None:
            key = (node.pool or "(none)", node.capacity_type or "-")
            pools[key] = pools.get(key, 0.0) + node.price
    currencies = {a.cost.currency for a in known if a.cost is not None}
    return CostSummary(
        currency=currencies.pop() if len(currencies) == 1 else "USD",
        total=sum(a.cost.total for a in known if a.cost is not None),
        spot=sum(a.cost.spot for a in known if a.cost is not None),
        on_demand=sum(a.cost.on_demand for a in known if a.cost is not None),
        waste=sum(a.cost.placeholder_waste for a in known if a.cost is not None),
        known=len(known),
        unknown=len(apps) - len(known),
        by_queue=tuple(sorted(by_queue.items())),
        fleet_per_hour=sum(pools.values()),
        by_pool=tuple((pool, capacity, price) for (pool, capacity), price in sorted(pools.items())),
    )


def _clock(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%H:%M:%S")


def plot_svg(series: Series, currency: str) -> Markup:
    """A line chart of the series; a short note in place of it when there is nothing to draw."""
    if len(series.times) < 2:
        return Markup('<p class="muted">not yet known: no application has reported a cost over time</p>')
    t0, t1 = series.times[0], series.times[-1]
    top = max(max(series.total), 1e-9)
    width, height = _WIDTH - 2 * _PAD, _HEIGHT - 2 * _PAD

    def point(t: float, v: float) -> str:
        x = _PAD + (t - t0) / (t1 - t0) * width
        y = _PAD + height - v / top * height
        return f"{x:.1f},{y:.1f}"

    lines = []
    for values, colour, name in (
        (series.total, "#1f4e9c", "total"),
        (series.spot, "#2e8b57", "spot"),
        (series.on_demand, "#c0392b", "on-demand"),
    ):
        pts = " ".join(point(t, v) for t, v in zip(series.times, values, strict=True))
        lines.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{pts}">'
            f"<title>{escape(name)}</title></polyline>"
        )
    legend = "".join(
        f'<rect x="{_PAD + i * 110}" y="12" width="12" height="12" fill="{colour}"/>'
        f'<text x="{_PAD + i * 110 + 16}" y="22" font-size="12">{escape(name)}</text>'
        for i, (colour, name) in enumerate(
            (("#1f4e9c", "total"), ("#2e8b57", "spot"), ("#c0392b", "on-demand"))
        )
    )
    right = _PAD + width
    axes = (
        f'<line x1="{_PAD}" y1="{_PAD + height}" x2="{_PAD + width}" y2="{_PAD + height}" stroke="#888"/>'
        f'<line x1="{_PAD}" y1="{_PAD}" x2="{_PAD}" y2="{_PAD + height}" stroke="#888"/>'
        f'<text x="{_PAD}" y="{_HEIGHT - 16}" font-size="11">{_clock(t0)} UTC</text>'
        f'<text x="{right}" y="{_HEIGHT - 16}" font-size="11" text-anchor="end">{_clock(t1)} UTC</text>'
        f'<text x="{_PAD - 4}" y="{_PAD + 4}" font-size="11" text-anchor="end">{top:.4f}</text>'
        f'<text x="{_PAD - 4}" y="{_PAD + height}" font-size="11" text-anchor="end">0</text>'
    )
    return Markup(
        f'<svg class="plot" role="img" viewBox="0 0 {_WIDTH} {_HEIGHT}" width="{_WIDTH}" height="{_HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>accrued cost ({escape(currency)}) over time</title>'
        f'<rect width="{_WIDTH}" height="{_HEIGHT}" fill="#ffffff"/>{axes}{legend}{"".join(lines)}</svg>'
    )
