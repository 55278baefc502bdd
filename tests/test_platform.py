"""The platform package: the controllers of one cluster in the four groups `--controllers` names, each
group bringing its own reconcilers, and the cloud they launch in, opened only for the node controllers
(its state belongs to the process running them). The embedded cluster as a whole: e2e/test_platform.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.config import PlatformConfig
from sparkfleet.controllers import CostReconciler, ProvisionerReconciler, SparkApplicationReconciler
from sparkfleet.controllers.disruption import DisruptionReconciler
from sparkfleet.controllers.scheduler import SchedulerReconciler
from sparkfleet.home import open_embedded_store
from sparkfleet.platform import ControllerGroup, ControllerSet, parse_groups
from sparkfleet.platform.cloudchoice import CLOUD_FILE

Build = Callable[..., ControllerSet]


def reconciler_types(chosen: ControllerSet) -> set[type]:
    return {type(c.reconciler) for c in chosen.controllers}


@pytest.fixture
def build(tmp_path: Path) -> Iterator[Build]:
    clock = VirtualClock(datetime(2026, 1, 1, tzinfo=UTC))
    config = PlatformConfig()
    store = open_embedded_store(tmp_path / "home", clock, config)
    yield lambda *groups: ControllerSet(store, tmp_path / "home", config, clock, groups=groups)
    store.close()


def test_the_groups_are_read_from_a_comma_separated_list() -> None:
    assert parse_groups("spark, scheduler") == {ControllerGroup.SPARK, ControllerGroup.SCHEDULER}
    nodes = {ControllerGroup.PROVISIONER, ControllerGroup.DISRUPTION}
    assert parse_groups("provisioner,disruption,") == nodes


def test_an_empty_or_unknown_group_is_refused_naming_the_groups_there_are() -> None:
    with pytest.raises(ValueError, match="names no controller: give some of spark, scheduler"):
        parse_groups(" , ")
    with pytest.raises(ValueError, match="unknown controller yunikorn; the controllers are spark, scheduler"):
        parse_groups("spark,yunikorn")


def test_every_group_together_runs_every_controller_in_the_simulated_cloud(build: Build) -> None:
    chosen = build(*ControllerGroup)
    assert {
        SparkApplicationReconciler,
        SchedulerReconciler,
        ProvisionerReconciler,
        DisruptionReconciler,
        CostReconciler,
    } <= reconciler_types(chosen)
    assert chosen.cloud is not None


def test_the_scheduler_alone_opens_no_cloud_and_runs_nothing_else(build: Build, tmp_path: Path) -> None:
    chosen = build(ControllerGroup.SCHEDULER)
    assert reconciler_types(chosen) == {SchedulerReconciler}
    assert chosen.cloud is None
    assert not (tmp_path / "home" / CLOUD_FILE).exists()


def test_disruption_alone_opens_the_cloud_but_does_not_provision(build: Build) -> None:
    chosen = build(ControllerGroup.DISRUPTION)
    assert reconciler_types(chosen) == {DisruptionReconciler}
    assert chosen.cloud is not None


def test_no_group_is_a_cluster_without_controllers(build: Build) -> None:
    assert build().controllers == []
