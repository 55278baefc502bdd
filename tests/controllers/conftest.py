"""Fixtures the controller tests share."""

from .karpenter_builders import build

__all__ = ["build"]
