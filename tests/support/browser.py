"""The browser the e2e tests drive: Debian's Chromium through Playwright, headless (no browser can be
downloaded here, so Playwright is pointed at the system one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")


def launch(playwright: Any) -> Any:
    """A headless Chromium that reaches loopback directly (no proxy of the environment's)."""
    require_chromium()
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=["--no-proxy-server"]
    )
