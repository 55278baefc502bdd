"""The long chaos form runs only when asked for (`-m chaos_long`): it takes several minutes, so a plain
`pytest` (CI) deselects it, and says so in its summary."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "chaos_long" in str(config.getoption("markexpr") or ""):
        return
    long_form = [item for item in items if item.get_closest_marker("chaos_long") is not None]
    if long_form:
        config.hook.pytest_deselected(items=long_form)
        items[:] = [item for item in items if item.get_closest_marker("chaos_long") is None]
