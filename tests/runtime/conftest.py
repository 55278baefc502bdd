"""Fixtures for the runtime tests: a store on a virtual clock, a cluster home, a runtime, a stand-in Spark."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.runtime.local import LocalRuntime, SparkInstall

from .builders import START, install_fake_spark


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def store(tmp_path: Path, clock: VirtualClock) -> Iterator[EmbeddedCluster]:
    embedded = EmbeddedCluster(tmp_path / "store.db", clock)
    yield embedded
    embedded.close()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def runtime(home: Path, clock: VirtualClock) -> Iterator[LocalRuntime]:
    local = LocalRuntime(home, clock, grace_seconds=2.0)
    yield local
    local.close()


@pytest.fixture
def fake_spark(tmp_path: Path) -> SparkInstall:
    return install_fake_spark(tmp_path)
