"""A NodeClaim's launch outcome, read back from its status: the polled error the provisioner plans from."""

from __future__ import annotations

from typing import Any

from sparkfleet.api.instancetypes import OfferingKey
from sparkfleet.api.wire import CapacityType
from sparkfleet.engine.provisioning.launches import (
    LaunchState,
    format_offerings,
    launch_outcome,
    parse_offerings,
)

REFUSED = (
    OfferingKey("r6g.2xlarge", "us-east-1a", CapacityType.SPOT),
    OfferingKey("r6g.2xlarge", "us-east-1b", CapacityType.ON_DEMAND),
)


def claim(launched: dict[str, str] | None, **meta: Any) -> dict[str, Any]:
    conditions = [] if launched is None else [{"type": "Launched", **launched}]
    return {"metadata": {"name": "c", **meta}, "status": {"conditions": conditions}}


def test_a_claim_without_a_launched_condition_is_pending() -> None:
    assert launch_outcome(claim(None)).state is LaunchState.PENDING
    assert launch_outcome({"metadata": {}}).state is LaunchState.PENDING


def test_a_launched_claim_names_its_instance_type() -> None:
    outcome = launch_outcome(
        claim(
            {"status": "True", "reason": "Launched"},
            labels={"node.kubernetes.io/instance-type": "r5d.xlarge"},
        )
    )
    assert outcome.state is LaunchState.LAUNCHED and outcome.in_flight
    assert outcome.instance_type == "r5d.xlarge"


def test_insufficient_capacity_carries_the_refused_offerings() -> None:
    annotations = {"sparkfleet.io/unavailable-offerings": format_offerings(REFUSED)}
    outcome = launch_outcome(
        claim({"status": "False", "reason": "InsufficientCapacity"}, annotations=annotations)
    )
    assert outcome.insufficient_capacity and not outcome.in_flight
    assert outcome.unavailable == REFUSED


def test_any_other_launch_failure_is_retried_by_the_nodeclaim_controller() -> None:
    outcome = launch_outcome(claim({"status": "False", "reason": "LaunchFailed", "message": "throttled"}))
    assert outcome.state is LaunchState.RETRYING and outcome.in_flight
    assert outcome.message == "throttled"


def test_offerings_round_trip_through_the_annotation_and_malformed_entries_are_skipped() -> None:
    assert parse_offerings(format_offerings(REFUSED)) == REFUSED
    assert parse_offerings("r6g.large/us-east-1a,bad,x/y/reserved") == ()
    assert parse_offerings("") == ()
