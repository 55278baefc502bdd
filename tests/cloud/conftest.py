"""Fixtures shared by the cloud tests: a virtual clock and the Cloud adapters the contract runs against.

Every adapter in `ADAPTERS` builds a cloud for a scenario (zones, offerings without capacity, launch
latency) and hands back the clock that drives it. An AWS adapter joins by adding a factory that maps the
scenario onto its backend, or skips the scenarios its backend cannot express.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from sparkfleet.api.scenario import Scenario
from sparkfleet.clock import VirtualClock
from sparkfleet.cloud import Cloud
from sparkfleet.cloud.catalog import load_catalog
from sparkfleet.cloud.sim import SimulatedEC2

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass
class CloudUnderTest:
    cloud: Cloud
    clock: VirtualClock


CloudFactory = Callable[[Scenario], CloudUnderTest]


def simulator(scenario: Scenario) -> CloudUnderTest:
    clock = VirtualClock(START)
    return CloudUnderTest(SimulatedEC2(load_catalog(), scenario, clock), clock)


ADAPTERS = [pytest.param(simulator, id="simulator")]


@pytest.fixture(params=ADAPTERS)
def make_cloud(request: pytest.FixtureRequest) -> CloudFactory:
    factory: CloudFactory = request.param
    return factory


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)
