"""Fixtures the command tests share: the controller tests' platforms, for support.fleetscenarios."""

from controllers.karpenter_builders import build

__all__ = ["build"]
