"""A Lease is checked as the API server checks it, each problem at its field: a duration above zero,
transitions not negative, the one strategy there is, RFC 3339 times, and a preferred holder only with a
strategy. What leader election writes passes."""

from __future__ import annotations

from typing import Any

from sparkfleet.api.manifests import check_document
from sparkfleet.api.timefmt import format_micro_time
from sparkfleet.clock import SystemClock


def problems(**spec: Any) -> list[str]:
    doc = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "sparkfleet-controller", "namespace": "default"},
        "spec": spec,
    }
    (checked,) = check_document(doc)
    return [str(i) for i in checked.issues]


def test_the_lease_leader_election_writes_is_valid() -> None:
    now = format_micro_time(SystemClock().now())
    written = {"holderIdentity": "host_1234", "leaseDurationSeconds": 15, "leaseTransitions": 3}
    assert problems(**written, acquireTime=now, renewTime=now) == []
    assert problems() == []


def test_a_duration_must_be_above_zero_and_transitions_not_negative() -> None:
    found = problems(leaseDurationSeconds=0, leaseTransitions=-1)
    assert any("spec.leaseDurationSeconds" in p and "greater than 0" in p for p in found), found
    assert any("spec.leaseTransitions" in p for p in found), found


def test_a_time_that_is_not_rfc3339_is_named_with_how_to_write_it() -> None:
    (found,) = problems(renewTime="yesterday")
    assert "spec.renewTime" in found and "RFC 3339" in found


def test_only_the_oldest_emulation_version_strategy_exists() -> None:
    assert problems(strategy="OldestEmulationVersion", preferredHolder="a") == []
    (found,) = problems(strategy="Newest")
    assert "spec.strategy" in found and "OldestEmulationVersion" in found


def test_a_preferred_holder_without_a_strategy_is_refused_with_the_fix() -> None:
    (found,) = problems(preferredHolder="a")
    assert "add strategy: OldestEmulationVersion" in found
