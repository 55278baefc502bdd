"""Fixtures the controller tests share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .karpenter_builders import Platforms


@pytest.fixture
def build(tmp_path: Path) -> Iterator[Platforms]:
    """Platforms on the simulated EC2, each built on demand (`build(scenario=..., pools=...)`), closed at
    the end of the test."""
    platforms = Platforms(tmp_path)
    yield platforms
    platforms.close()
