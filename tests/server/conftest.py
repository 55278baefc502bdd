"""Fixtures: an embedded cluster on a virtual clock, its API app, a TestClient, and a real server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Counter
from starlette.applications import Starlette

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import RemoteCluster, ServerHandle, create_app, start_server, streams_of

from .builders import AUTH, TOKEN, TestClient

START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
# Streams still open after this many real seconds are ended, so a broken test fails instead of hanging.
STREAM_GUARD_SECONDS = 20.0


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def cluster(tmp_path: Path, clock: VirtualClock) -> Iterator[EmbeddedCluster]:
    store = EmbeddedCluster(tmp_path / "cluster" / "store.db", clock)
    yield store
    store.close()


@pytest.fixture
def metrics() -> CollectorRegistry:
    registry = CollectorRegistry()
    Counter("sparkfleet_test_jobs", "Jobs seen by the test", registry=registry).inc(3)
    return registry


def guarded(app: Starlette) -> threading.Timer:
    guard = threading.Timer(STREAM_GUARD_SECONDS, streams_of(app).close_all)
    guard.daemon = True
    guard.start()
    return guard


@pytest.fixture
def app(cluster: EmbeddedCluster, metrics: CollectorRegistry) -> Iterator[Starlette]:
    application = create_app(cluster, TOKEN, registry=metrics)
    guard = guarded(application)
    yield application
    guard.cancel()
    streams_of(application).close_all()


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, headers=AUTH) as test_client:
        yield test_client


@pytest.fixture
def anonymous(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def server(app: Starlette) -> Iterator[ServerHandle]:
    handle = start_server(app, TOKEN)
    yield handle
    handle.stop()


@pytest.fixture
def remote(server: ServerHandle) -> Iterator[RemoteCluster]:
    with RemoteCluster(server.url, server.token, timeout=10.0) as remote_cluster:
        yield remote_cluster
