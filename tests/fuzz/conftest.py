"""The fuzz's API client, and the rule that keeps the long fuzz out of an ordinary run.

Tests marked `fuzz_long` are deselected (pytest reports them as deselected, not skipped) unless the `-m`
expression names the marker: `pytest -m fuzz_long tests/fuzz` runs the long form.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import create_app

with warnings.catch_warnings():
    # This starlette warns on import that it would rather use `httpx2`; plain httpx works the same.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

LONG = "fuzz_long"
TOKEN = "fuzz-token"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if LONG in (config.getoption("markexpr") or ""):
        return
    long = [item for item in items if item.get_closest_marker(LONG)]
    if long:
        config.hook.pytest_deselected(items=long)
        items[:] = [item for item in items if not item.get_closest_marker(LONG)]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The API of a fresh embedded cluster, authenticated; one per test module (the fuzz runs thousands
    of cases against one store, deleting what it creates)."""
    store = EmbeddedCluster(
        tmp_path_factory.mktemp("api") / "store.db", VirtualClock(datetime(2026, 1, 2, tzinfo=UTC))
    )
    with TestClient(create_app(store, TOKEN), headers={"Authorization": f"Bearer {TOKEN}"}) as test_client:
        yield test_client
    store.close()
