"""The cost and timeline annotations, read one way for every view; anything else is "not yet known"."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from sparkfleet.api.appinsight import AppCost, cost_of, current_phase, parse_cost, parse_timeline, timeline_of
from sparkfleet.api.wire import ANNOTATION_COST, ANNOTATION_TIMELINE

T = datetime(2026, 1, 2, 3, 0, 0, tzinfo=UTC)


def test_a_cost_annotation_reads_as_its_amounts() -> None:
    text = json.dumps(
        {
            "currency": "USD",
            "total": 0.5,
            "spot": 0.2,
            "onDemand": 0.3,
            "placeholderWaste": 0.05,
            "asOf": "2026-01-02T03:00:00Z",
        }
    )
    assert parse_cost(text) == AppCost("USD", 0.5, 0.2, 0.3, 0.05, T)


def test_missing_parts_of_a_cost_default_to_zero_and_usd() -> None:
    cost = parse_cost('{"total": 2}')
    assert cost == AppCost("USD", 2.0, 0.0, 0.0, 0.0, None)


@pytest.mark.parametrize(
    "text",
    [None, "", "not json", "[]", '{"spot": 1}', '{"total": "1"}', '{"total": true}', '{"total": NaN}'],
)
def test_anything_else_is_not_yet_known(text: str | None) -> None:
    assert parse_cost(text) is None


def test_a_timeline_lists_phases_and_the_open_one_is_where_the_app_is() -> None:
    text = json.dumps(
        [
            {"phase": "Submitted", "since": "2026-01-02T03:00:00Z", "until": "2026-01-02T03:00:05Z"},
            {
                "phase": "Queued",
                "since": "2026-01-02T03:00:05Z",
                "reason": "QueueMax",
                "message": "queue full",
            },
            {"phase": 7, "since": "2026-01-02T03:00:05Z"},
            {"phase": "NoTime"},
        ]
    )
    phases = parse_timeline(text)
    assert phases is not None
    assert [p.phase for p in phases] == ["Submitted", "Queued"]
    assert phases[0].seconds(T) == 5.0 and not phases[0].open
    now = datetime(2026, 1, 2, 3, 1, 5, tzinfo=UTC)
    blocker = current_phase(phases)
    assert blocker is not None and blocker.message == "queue full" and blocker.reason == "QueueMax"
    assert blocker.seconds(now) == 60.0


def test_a_finished_timeline_has_no_current_phase() -> None:
    phases = parse_timeline(
        '[{"phase": "Done", "since": "2026-01-02T03:00:00Z", "until": "2026-01-02T03:01:00Z"}]'
    )
    assert phases is not None and current_phase(phases) is None


@pytest.mark.parametrize("text", [None, "", "{}", "nope"])
def test_a_timeline_that_is_not_a_list_is_not_yet_known(text: str | None) -> None:
    assert parse_timeline(text) is None


def test_read_from_the_object() -> None:
    app = {"metadata": {"annotations": {ANNOTATION_COST: '{"total": 1}', ANNOTATION_TIMELINE: "[]"}}}
    cost = cost_of(app)
    assert cost is not None and cost.total == 1.0
    assert timeline_of(app) == ()
    assert cost_of({"metadata": {}}) is None and timeline_of({}) is None
