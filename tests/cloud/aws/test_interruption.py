"""EventBridge messages of the interruption queue, read as notices."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sparkfleet.cloud import CloudEventKind, InstanceState
from sparkfleet.cloud.aws import parse_message

RECEIVED = datetime(2026, 1, 5, 9, 5, tzinfo=UTC)


def message(detail_type: str, detail: dict[str, object], source: str = "aws.ec2") -> str:
    return json.dumps(
        {
            "version": "0",
            "detail-type": detail_type,
            "source": source,
            "time": "2026-01-05T09:00:00Z",
            "detail": detail,
        }
    )


def test_a_spot_warning_gives_the_two_minute_deadline():
    notice = parse_message(
        message(
            "EC2 Spot Instance Interruption Warning", {"instance-id": "i-0a", "instance-action": "terminate"}
        ),
        RECEIVED,
    )
    assert notice is not None
    assert (notice.kind, notice.instance_ids) == (CloudEventKind.SPOT_INTERRUPTION_WARNING, ("i-0a",))
    assert notice.time == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert notice.deadline == notice.time + timedelta(minutes=2)


def test_a_rebalance_recommendation_has_no_deadline():
    notice = parse_message(
        message("EC2 Instance Rebalance Recommendation", {"instance-id": "i-0a"}), RECEIVED
    )
    assert notice is not None and notice.kind is CloudEventKind.REBALANCE_RECOMMENDATION
    assert notice.deadline is None


def test_a_state_change_names_the_new_state():
    notice = parse_message(
        message("EC2 Instance State-change Notification", {"instance-id": "i-0a", "state": "shutting-down"}),
        RECEIVED,
    )
    assert notice is not None and notice.state is InstanceState.SHUTTING_DOWN
    assert (
        parse_message(
            message("EC2 Instance State-change Notification", {"instance-id": "i-0a", "state": "weird"}),
            RECEIVED,
        )
        is None
    )


def test_a_scheduled_change_names_every_affected_instance_and_when_it_starts():
    detail = {
        "service": "EC2",
        "eventTypeCategory": "scheduledChange",
        "eventTypeCode": "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED",
        "startTime": "Wed, 07 Jan 2026 10:00:00 GMT",
        "affectedEntities": [{"entityValue": "i-0a"}, {"entityValue": "i-0b"}, {"entityValue": "vol-0c"}],
    }
    notice = parse_message(message("AWS Health Event", detail, source="aws.health"), RECEIVED)
    assert notice is not None and notice.kind is CloudEventKind.SCHEDULED_CHANGE
    assert notice.instance_ids == ("i-0a", "i-0b")
    assert notice.deadline == datetime(2026, 1, 7, 10, 0, tzinfo=UTC)


def test_other_messages_are_not_notices():
    assert parse_message("not json", RECEIVED) is None
    assert parse_message(json.dumps([1, 2]), RECEIVED) is None
    assert parse_message(message("EC2 AMI State Change", {"ImageId": "ami-0"}), RECEIVED) is None
    health = {"service": "EC2", "eventTypeCategory": "issue", "affectedEntities": [{"entityValue": "i-0a"}]}
    assert parse_message(message("AWS Health Event", health, source="aws.health"), RECEIVED) is None


def test_a_message_without_a_time_is_stamped_when_it_was_received():
    body = json.dumps(
        {"detail-type": "EC2 Instance Rebalance Recommendation", "detail": {"instance-id": "i-0a"}}
    )
    notice = parse_message(body, RECEIVED)
    assert notice is not None and notice.time == RECEIVED
