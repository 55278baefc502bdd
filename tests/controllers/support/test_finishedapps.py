"""FinishedApps: which applications are finished with nothing to do before their TTL ends, from the stored
object alone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.controllers.sparkapplication import submission_id_for
from sparkfleet.controllers.support.finishedapps import FinishedApps

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
KEY = ("default", "app")


def stored(state: str = "COMPLETED", generation: int = 1, **changes: Any) -> dict[str, Any]:
    status: dict[str, Any] = {
        "applicationState": {"state": state},
        "submissionAttempts": 1,
        "submissionID": submission_id_for("u1", 1, 1),
        "terminationTime": "2026-01-05T09:00:00Z",
        "executorState": {"app-exec-1": "COMPLETED"},
    }
    status.update(changes.pop("status", {}))
    return {
        "kind": "SparkApplication",
        "metadata": {"name": "app", "namespace": "default", "uid": "u1", "generation": generation},
        "spec": changes.pop("spec", {}),
        "status": status,
    }


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


def test_a_finished_application_without_a_ttl_rests_for_good(clock: VirtualClock) -> None:
    apps = FinishedApps(clock, None, submission_id_for)
    assert not apps.note(KEY, stored())
    assert apps.rest(KEY) == float("inf")
    assert apps.settled(KEY)


def test_one_with_a_ttl_is_handled_once_to_schedule_its_end(clock: VirtualClock) -> None:
    apps = FinishedApps(clock, None, submission_id_for)
    app = stored(spec={"timeToLiveSeconds": 60})
    assert apps.note(KEY, app), "newly settled: the reconcile schedules the end"
    assert not apps.note(KEY, app), "seen again (a resync): already scheduled"
    clock.advance(20)
    assert apps.rest(KEY) == 40
    clock.advance(40)
    assert apps.rest(KEY) is None, "due: reconcile it"


def test_the_cluster_default_ttl_stands_in_for_a_missing_one(clock: VirtualClock) -> None:
    apps = FinishedApps(clock, 120, submission_id_for)
    apps.note(KEY, stored())
    assert apps.rest(KEY) == 120
    apps.note(KEY, stored(spec={"timeToLiveSeconds": 10}))
    assert apps.rest(KEY) == 10


@pytest.mark.parametrize(
    "app",
    [
        stored("RUNNING"),
        stored("SUBMISSION_FAILED"),
        stored(status={"executorState": {"app-exec-1": "RUNNING"}}),
        stored(generation=2),  # its spec changed since it ran
        stored(status={"submissionID": None}),
        stored(spec={"timeToLiveSeconds": 60}, status={"terminationTime": "2026-01-05T09:00:00"}),
    ],
    ids=["running", "retrying", "executor-running", "spec-changed", "never-submitted", "zoneless-end"],
)
def test_applications_with_something_left_to_do_are_live(clock: VirtualClock, app: dict[str, Any]) -> None:
    apps = FinishedApps(clock, None, submission_id_for)
    assert apps.note(KEY, app)
    assert apps.rest(KEY) is None
    assert apps.known(KEY)
    assert not apps.settled(KEY)


def test_a_change_back_to_live_and_forgetting_are_seen(clock: VirtualClock) -> None:
    apps = FinishedApps(clock, None, submission_id_for)
    apps.note(KEY, stored())
    assert apps.note(KEY, stored(generation=2))
    assert not apps.settled(KEY)
    apps.forget(KEY)
    assert not apps.known(KEY)
    assert len(apps) == 0
