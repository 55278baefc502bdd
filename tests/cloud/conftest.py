"""Fixtures shared by the cloud tests: a virtual clock and the Cloud adapters the contract runs against.

Every adapter in `ADAPTERS` builds a cloud for a scenario (zones, offerings without capacity, launch
latency, spot interruptions) and hands back the clock that drives it:
- `simulator`: the simulated EC2 on a virtual clock;
- `aws_on_moto`: the AWS adapter against moto, in an account with one subnet per scenario zone and an
  interruption queue. What moto does not model is played through botocore event hooks on the adapter's
  own session (tests/support/awsmoto.py): offerings without capacity fail in CreateFleet, and EventBridge's
  EC2 events (running after the launch latency, interruption warnings, reclaims) reach the queue when the
  virtual clock says they are due. Prices are the catalog's (`livePrices: false`), as moto's spot price
  history is a placeholder; the price readers have their own tests in tests/cloud/aws. The public SSM
  parameters of the `al2023@latest` alias name the account's AMIs (moto does not publish AWS's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from moto import mock_aws

from sparkfleet.api.scenario import Scenario
from sparkfleet.clock import VirtualClock
from sparkfleet.cloud import Cloud
from sparkfleet.cloud.aws import AwsEC2
from sparkfleet.cloud.aws.amis import alias_parameters
from sparkfleet.cloud.catalog import load_catalog
from sparkfleet.cloud.sim import SimulatedEC2
from support.awsmoto import (
    IMAGES,
    CapacityInjector,
    EventBridge,
    MotoWorld,
    OneNodeClass,
    answer_public_parameters,
    aws_settings,
    fresh_session,
)

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass
class CloudUnderTest:
    cloud: Cloud
    clock: VirtualClock


CloudFactory = Callable[[Scenario], CloudUnderTest]


def simulator(scenario: Scenario) -> CloudUnderTest:
    clock = VirtualClock(START)
    return CloudUnderTest(SimulatedEC2(load_catalog(), scenario, clock), clock)


def aws_on_moto(scenario: Scenario) -> CloudUnderTest:
    """The AWS adapter on moto (inside `mock_aws`, which `make_cloud` holds open)."""
    if scenario.capacity:
        raise ValueError("the moto account models unavailableOfferings, not per-type capacity caps")
    clock = VirtualClock(START)
    catalog = load_catalog()
    world = MotoWorld(tuple(scenario.zones))
    session = fresh_session()
    CapacityInjector(session, scenario, catalog)
    EventBridge(session, world, scenario, clock, catalog)
    version = aws_settings().kubernetesVersion or ""
    paths = alias_parameters("al2023@latest", version)
    answer_public_parameters(session, {path: IMAGES[arch] for arch, path in paths.items()})
    cloud = AwsEC2(aws_settings(), catalog, clock, OneNodeClass(world.node_class()), session=session)
    return CloudUnderTest(cloud, clock)


ADAPTERS = [pytest.param(simulator, id="simulator"), pytest.param(aws_on_moto, id="aws-on-moto")]


@pytest.fixture(params=ADAPTERS)
def make_cloud(request: pytest.FixtureRequest) -> Iterator[CloudFactory]:
    factory: CloudFactory = request.param
    with mock_aws():
        yield factory


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)
