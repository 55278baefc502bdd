from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(datetime(2026, 1, 1, tzinfo=UTC))


@pytest.fixture
def store(tmp_path: Path, clock: VirtualClock) -> Iterator[EmbeddedCluster]:
    cluster = EmbeddedCluster(tmp_path / "store.db", clock)
    yield cluster
    cluster.close()
