"""Fixtures of the AWS adapter's tests: a moto account (`world`), the adapter's session with a recorder of
the calls it makes (`recorder`), and the adapter built on both (`aws`), on a virtual clock that starts at
the real now (moto stamps launch times with the real clock)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from sparkfleet.clock import VirtualClock
from sparkfleet.cloud.aws import AwsEC2
from sparkfleet.cloud.catalog import load_catalog
from support.awsmoto import (
    CallRecorder,
    MotoWorld,
    OneNodeClass,
    aws_settings,
    fresh_session,
)

ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")


@pytest.fixture
def world() -> Iterator[MotoWorld]:
    with mock_aws():
        yield MotoWorld(ZONES)


@pytest.fixture
def session(world: MotoWorld) -> boto3.Session:
    return fresh_session()


@pytest.fixture
def recorder(session: boto3.Session) -> CallRecorder:
    return CallRecorder(session)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def aws(world: MotoWorld, session: boto3.Session, recorder: CallRecorder, clock: VirtualClock) -> AwsEC2:
    return AwsEC2(aws_settings(), load_catalog(), clock, OneNodeClass(world.node_class()), session=session)
