from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster

START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "cluster" / "store.db"


@pytest.fixture
def cluster(db_path: Path, clock: VirtualClock) -> Iterator[EmbeddedCluster]:
    store = EmbeddedCluster(db_path, clock)
    yield store
    store.close()
