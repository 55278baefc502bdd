"""The application state table: every edge has a reason, anything else is refused."""

from __future__ import annotations

import pytest

from sparkfleet.engine.scheduling import AppState, AppStatus, AppTransition
from sparkfleet.engine.scheduling.states import (
    HISTORY_LIMIT,
    NEW_RUN,
    TRANSITIONS,
    IllegalTransition,
    restart,
    transition,
)


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


def test_history_keeps_the_latest_edges_across_runs() -> None:
    status = AppStatus("app", AppState.RUNNING, submitted_at=0.0, state_since=0.0)
    for i in range(HISTORY_LIMIT + 5):
        status = transition(status, AppState.COMPLETED, float(i), "Completed", "done")
        status = restart(status, float(i), "NewRun", "again", originator=f"d{i}", submitted_at=i, user="u")
        status = transition(status, AppState.SUBMITTED, float(i), "Submitted", "seen")
        status = transition(status, AppState.ACCEPTED, float(i), "Accepted", "ok")
        status = transition(status, AppState.RUNNING, float(i), "Running", "run")
    assert len(status.history) == HISTORY_LIMIT
    assert status.history[-1].at == float(HISTORY_LIMIT + 4)


def test_a_new_run_keeps_only_the_history_of_the_last_one() -> None:
    done = AppStatus(
        "app",
        AppState.COMPLETED,
        submitted_at=1.0,
        state_since=9.0,
        queue="root.test",
        user="alice",
        first_placeholder_at=2.0,
        placeholders_created=True,
        originator="uid-driver-1",
        message="every pod ended",
    )
    again = restart(
        done, 20.0, "NewRun", "next run", originator="uid-driver-2", submitted_at=19.0, user="bob"
    )
    assert again == AppStatus(
        "app",
        AppState.NEW,
        submitted_at=19.0,
        state_since=20.0,
        user="bob",
        originator="uid-driver-2",
        message="next run",
        history=(AppTransition("app", AppState.COMPLETED, AppState.NEW, 20.0, "NewRun", "next run"),),
    )


def test_only_the_edges_into_new_start_a_new_run_and_only_restart_takes_them() -> None:
    # every state an application can be in once seen may be followed by another run of its id
    assert {source for source, _ in NEW_RUN} == set(AppState) - {AppState.NEW}
    running = AppStatus("app", AppState.RUNNING, submitted_at=0.0, state_since=0.0)
    with pytest.raises(IllegalTransition, match="starts a new run"):
        transition(running, AppState.NEW, 1.0, "NewRun", "x")
    fresh = AppStatus("app", AppState.NEW, submitted_at=0.0, state_since=0.0)
    with pytest.raises(IllegalTransition, match="New -> New is not allowed"):
        restart(fresh, 1.0, "NewRun", "x", originator="d", submitted_at=0.0, user="u")
