"""The cron descriptors robfig/cron's standard parser accepts besides `@every <duration>`, shared by
Karpenter's disruption budgets and ScheduledSparkApplication."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = ["CRON_DESCRIPTORS"]

CRON_DESCRIPTORS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "@yearly": "0 0 1 1 *",
        "@annually": "0 0 1 1 *",
        "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *",
        "@hourly": "0 * * * *",
    }
)
"""Each descriptor and the five-field expression it stands for."""
