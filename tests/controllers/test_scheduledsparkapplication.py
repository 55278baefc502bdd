"""The ScheduledSparkApplication controller on the embedded store, stepped on a virtual clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.events import events_for
from sparkfleet.controllers.scheduledsparkapplication import (
    ScheduledSparkApplicationReconciler,
    system_local_zone,
)
from sparkfleet.engine.lifecycle import ScheduleConfig
from sparkfleet.reconcile import Controller

START = datetime(2026, 1, 5, 8, 58, tzinfo=UTC)
SCHEDULE = "*/10 * * * *"


def scheduled(**spec: Any) -> dict[str, Any]:
    template = {
        "type": "Python",
        "sparkVersion": "4.0.1",
        "image": "apache/spark:4.0.1",
        "mainApplicationFile": "local:///opt/spark/examples/src/main/python/pi.py",
        "driver": {"cores": 1, "memory": "512m"},
        "executor": {"cores": 1, "instances": 1, "memory": "512m"},
    }
    return {
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "kind": "ScheduledSparkApplication",
        "metadata": {"name": "nightly", "namespace": "default"},
        "spec": {"schedule": SCHEDULE, "timeZone": "Local", "template": template, **spec},
    }


class Harness:
    def __init__(self, store: EmbeddedCluster, clock: VirtualClock) -> None:
        self.store = store
        self.clock = clock
        reconciler = ScheduledSparkApplicationReconciler(store, clock, config=ScheduleConfig(local_zone=UTC))
        self.controller = Controller(reconciler, store, clock)

    def settle(self) -> None:
        self.controller.enqueue_all()
        self.controller.run_until_idle()

    def advance_to(self, hour: int, minute: int) -> None:
        self.clock.advance_to(datetime(2026, 1, 5, hour, minute, tzinfo=UTC))
        self.controller.run_until_idle()
        self.settle()

    def status(self) -> dict[str, Any]:
        status: dict[str, Any] = self.store.get("ScheduledSparkApplication", "default", "nightly").get(
            "status", {}
        )
        return status

    def runs(self) -> list[str]:
        items = self.store.list("SparkApplication", "default").items
        return sorted(item["metadata"]["name"] for item in items)

    def finish(self, name: str, state: str) -> None:
        run = self.store.get("SparkApplication", "default", name)
        self.store.update_status({**run, "status": {"applicationState": {"state": state}}})

    def reasons(self) -> list[str]:
        return [
            e["reason"] for e in events_for(self.store, "ScheduledSparkApplication", "default", "nightly")
        ]


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    clock = VirtualClock(START)
    store = EmbeddedCluster(tmp_path / "store.db", clock)
    yield Harness(store, clock)
    store.close()


RUN_0900 = "nightly-1767603600000000000"
RUN_0910 = "nightly-1767604200000000000"
RUN_0920 = "nightly-1767604800000000000"


def test_a_schedule_starts_runs_owned_by_it_when_due(harness: Harness) -> None:
    sched = harness.store.create(scheduled())
    harness.settle()
    assert harness.status()["scheduleState"] == "Scheduled"
    assert harness.status()["nextRun"] == "2026-01-05T09:00:00Z"
    assert harness.runs() == []
    harness.advance_to(9, 0)
    assert harness.runs() == [RUN_0900]
    run = harness.store.get("SparkApplication", "default", RUN_0900)
    assert run["metadata"]["labels"] == {"sparkoperator.k8s.io/scheduled-app-name": "nightly"}
    assert run["metadata"]["ownerReferences"][0]["uid"] == sched["metadata"]["uid"]
    assert run["spec"]["mainApplicationFile"].endswith("pi.py")
    status = harness.status()
    assert (status["lastRunName"], status["lastRun"], status["nextRun"]) == (
        RUN_0900,
        "2026-01-05T09:00:00Z",
        "2026-01-05T09:10:00Z",
    )
    assert "ScheduledRunStarted" in harness.reasons()


def test_the_requeue_alone_starts_the_next_run_on_time(harness: Harness) -> None:
    harness.store.create(scheduled())
    harness.settle()
    harness.clock.advance_to(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    harness.controller.run_until_idle()
    assert harness.runs() == [RUN_0900]


def test_forbid_skips_while_the_last_run_is_unfinished(harness: Harness) -> None:
    harness.store.create(scheduled(concurrencyPolicy="Forbid"))
    harness.settle()
    harness.advance_to(9, 0)
    harness.advance_to(9, 10)
    assert harness.runs() == [RUN_0900]
    assert harness.status()["nextRun"] == "2026-01-05T09:20:00Z"
    assert "ScheduledRunSkipped" in harness.reasons()
    harness.finish(RUN_0900, "COMPLETED")
    harness.advance_to(9, 20)
    assert harness.runs() == [RUN_0900, RUN_0920]


def test_replace_deletes_the_unfinished_run(harness: Harness) -> None:
    harness.store.create(scheduled(concurrencyPolicy="Replace"))
    harness.settle()
    harness.advance_to(9, 0)
    harness.advance_to(9, 10)
    assert harness.runs() == [RUN_0910]


def test_finished_runs_beyond_the_history_limits_are_deleted(harness: Harness) -> None:
    harness.store.create(scheduled(successfulRunHistoryLimit=1, failedRunHistoryLimit=1))
    harness.settle()
    harness.advance_to(9, 0)
    harness.finish(RUN_0900, "COMPLETED")
    harness.advance_to(9, 10)
    harness.finish(RUN_0910, "COMPLETED")
    harness.settle()
    assert harness.runs() == [RUN_0910]
    assert harness.status()["pastSuccessfulRunNames"] == [RUN_0910]


def test_an_invalid_schedule_fails_validation(harness: Harness) -> None:
    harness.store.create(scheduled(schedule="every night at nine"))
    harness.settle()
    status = harness.status()
    assert status["scheduleState"] == "FailedValidation"
    assert "invalid cron schedule 'every night at nine'" in status["reason"]
    assert harness.reasons() == ["FailedValidation"]


def test_deleting_the_schedule_deletes_its_runs(harness: Harness) -> None:
    harness.store.create(scheduled())
    harness.settle()
    harness.advance_to(9, 0)
    harness.store.delete("ScheduledSparkApplication", "default", "nightly")
    assert harness.runs() == []


def test_the_local_zone_follows_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert system_local_zone() == ZoneInfo("Asia/Tokyo")
    monkeypatch.setenv("TZ", "")
    assert datetime(2026, 7, 1, tzinfo=system_local_zone()).utcoffset() is not None
