"""The scheduled world of support.schedulerworld in the test cluster, served by the API app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster import Obj
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import create_app, streams_of
from support.schedulerworld import seed_world

from ..builders import TOKEN


@pytest.fixture
def world(cluster: EmbeddedCluster) -> dict[str, Obj]:
    return seed_world(cluster)


@pytest.fixture
def app(cluster: EmbeddedCluster, clock: VirtualClock, world: dict[str, Obj]) -> Iterator[Starlette]:
    application = create_app(cluster, TOKEN, clock=clock)
    yield application
    streams_of(application).close_all()
