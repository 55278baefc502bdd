"""sparkfleet's cost gauges and phase histogram, read back from a real scrape with prometheus-client's
parser: the latest figures replace the previous ones as a whole, and every series has its labels."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from sparkfleet.controllers.support.insightmetrics import (
    APPLICATION_COST,
    APPLICATION_PHASE_SECONDS,
    QUEUE_COST,
    WASTE_COST,
    InsightMetrics,
)


def scrape(registry: CollectorRegistry) -> dict[str, dict[frozenset[tuple[str, str]], float]]:
    """Family name -> labels -> value (histograms by their samples' names)."""
    out: dict[str, dict[frozenset[tuple[str, str]], float]] = {}
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        out.setdefault(family.name, {})
        for sample in family.samples:
            out.setdefault(sample.name, {})[frozenset(sample.labels.items())] = sample.value
    return out


def test_the_cost_families_are_exposed_before_any_figure_is_known() -> None:
    registry = CollectorRegistry()
    InsightMetrics(registry)
    families = scrape(registry)
    assert families[APPLICATION_COST] == {}
    assert families[QUEUE_COST] == {}
    assert families[WASTE_COST] == {}
    assert f"{APPLICATION_PHASE_SECONDS}_count" in families


def test_each_step_replaces_the_figures_as_a_whole() -> None:
    registry = CollectorRegistry()
    metrics = InsightMetrics(registry)
    metrics.set_costs(
        {("ns", "etl", "root.prod", "spot"): 1.25, ("ns", "old", "root.dev", "on-demand"): 0.5},
        {("root.prod", "spot"): 1.25, ("root.dev", "on-demand"): 0.5},
        {"placeholder": 0.25, "idle_node": 2.0},
    )
    families = scrape(registry)
    etl = frozenset(
        {"namespace": "ns", "application": "etl", "queue": "root.prod", "capacity_type": "spot"}.items()
    )
    assert families[APPLICATION_COST][etl] == 1.25
    assert families[QUEUE_COST][frozenset({"queue": "root.dev", "capacity_type": "on-demand"}.items())] == 0.5
    assert families[WASTE_COST] == {
        frozenset({("kind", "placeholder")}): 0.25,
        frozenset({("kind", "idle_node")}): 2.0,
    }

    metrics.set_costs({("ns", "etl", "root.prod", "spot"): 1.5}, {("root.prod", "spot"): 2.0}, {})
    families = scrape(registry)
    assert families[APPLICATION_COST] == {etl: 1.5}, "a deleted application's series goes"
    assert list(families[QUEUE_COST].values()) == [2.0]
    assert families[WASTE_COST] == {}


def test_phase_times_are_observed_by_phase_and_never_negative() -> None:
    registry = CollectorRegistry()
    metrics = InsightMetrics(registry)
    metrics.observe_phase("Submitted", 12.0)
    metrics.observe_phase("Submitted", -3.0)
    families = scrape(registry)
    submitted = frozenset({("phase", "Submitted")})
    assert families[f"{APPLICATION_PHASE_SECONDS}_count"][submitted] == 2
    assert families[f"{APPLICATION_PHASE_SECONDS}_sum"][submitted] == 12.0


def test_every_timeline_phase_is_exposed_at_zero_before_any_ended() -> None:
    from sparkfleet.engine.explain import TimelinePhase

    registry = CollectorRegistry()
    InsightMetrics(registry)
    counts = scrape(registry)[f"{APPLICATION_PHASE_SECONDS}_count"]
    assert counts == {frozenset({("phase", p.value)}): 0.0 for p in TimelinePhase}
