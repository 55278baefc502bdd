"""The application state table: every edge has a reason, anything else is refused."""

from __future__ import annotations

import pytest

from sparkfleet.engine.scheduling import AppState, AppStatus
from sparkfleet.engine.scheduling.states import HISTORY_LIMIT, TRANSITIONS, IllegalTransition, transition


def test_every_edge_explains_itself_and_every_state_is_reachable() -> None:
    assert all(reason for reason in TRANSITIONS.values())
    reached = {AppState.NEW} | {to for _, to in TRANSITIONS}
    assert reached == set(AppState)


def test_an_edge_records_history_and_a_missing_edge_is_refused() -> None:
    status = AppStatus("app", AppState.NEW, submitted_at=0.0, state_since=0.0)
    moved = transition(status, AppState.SUBMITTED, 5.0, "Submitted", "seen")
    assert (moved.state, moved.state_since, moved.message) == (AppState.SUBMITTED, 5.0, "seen")
    assert [(t.from_state, t.to_state, t.at) for t in moved.history] == [
        (AppState.NEW, AppState.SUBMITTED, 5.0)
    ]
    with pytest.raises(IllegalTransition, match="Submitted -> Completed"):
        transition(moved, AppState.COMPLETED, 6.0, "x", "y")


def test_history_keeps_the_latest_edges() -> None:
    status = AppStatus("app", AppState.RUNNING, submitted_at=0.0, state_since=0.0)
    for i in range(HISTORY_LIMIT + 5):
        status = transition(status, AppState.COMPLETED, float(i), "Completed", "done")
        status = transition(status, AppState.SUBMITTED, float(i), "Resubmitted", "again")
        status = transition(status, AppState.ACCEPTED, float(i), "Accepted", "ok")
        status = transition(status, AppState.RUNNING, float(i), "Running", "run")
    assert len(status.history) == HISTORY_LIMIT
    assert status.history[-1].at == float(HISTORY_LIMIT + 4)
