"""FleetReconciler: the provisioner and disruption are built alike and stay live objects, not values."""

from __future__ import annotations

from pathlib import Path

from sparkfleet.controllers.disruption import PASS_SECONDS, DisruptionReconciler
from sparkfleet.controllers.provisioner import ProvisionerReconciler
from sparkfleet.controllers.support.fleet import COMPONENT

from ..karpenter_builders import Platform


def test_the_fleet_reconcilers_take_the_same_ports_and_compare_by_identity(tmp_path: Path) -> None:
    platform = Platform(tmp_path)
    try:
        ports = (platform.store, platform.clock, platform.fleets, platform.offerings)
        provisioner = ProvisionerReconciler(*ports)
        disruption = DisruptionReconciler(*ports, component="other", interval=1.0)
        assert (provisioner.cluster, provisioner.clock, provisioner.fleets, provisioner.offerings) == ports
        assert (provisioner.component, provisioner.name) == (COMPONENT, "provisioner")
        assert (disruption.component, disruption.interval, disruption.name) == ("other", 1.0, "disruption")
        assert DisruptionReconciler(*ports).interval == PASS_SECONDS
        twin = ProvisionerReconciler(*ports)
        assert twin != provisioner and len({twin, provisioner}) == 2
        assert provisioner._requests is not twin._requests and provisioner._lock is not twin._lock
        assert provisioner._planned is not twin._planned
    finally:
        platform.close()
