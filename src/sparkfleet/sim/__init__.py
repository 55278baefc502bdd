"""sim."""

from sparkfleet.sim.dryrun import DryRun, dry_run

__all__ = ["DryRun", "dry_run"]
