"""Durations as the operator writes them in messages."""

from __future__ import annotations

import pytest

from sparkfleet.engine.lifecycle.timefmt import go_duration


@pytest.mark.parametrize(
    ("seconds", "text"), [(10, "10s"), (2.5, "2.5s"), (90, "1m30s"), (600, "10m0s"), (7200, "2h0m0s")]
)
def test_durations_print_like_go(seconds: float, text: str) -> None:
    assert go_duration(seconds) == text
