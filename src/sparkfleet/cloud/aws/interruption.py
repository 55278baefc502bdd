"""The interruption queue: EventBridge's EC2 and AWS Health messages in SQS, read as Karpenter reads them.

The queue receives (through EventBridge rules, see docs/aws.md) four kinds of message:
- `EC2 Spot Instance Interruption Warning`: the instance is reclaimed two minutes after the message;
- `EC2 Instance Rebalance Recommendation`: the instance is at higher risk of interruption;
- `AWS Health Event` of category `scheduledChange` for EC2: maintenance of the instances it names;
- `EC2 Instance State-change Notification`: the instance's new state.
Each message is deleted once read, also one that is not understood (logged by its id, never its body).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from sparkfleet.api.timefmt import parse_rfc3339
from sparkfleet.cloud.aws.clients import AwsClients
from sparkfleet.cloud.port import CloudEventKind, InstanceState

log = logging.getLogger("sparkfleet.cloud.aws")

SPOT_NOTICE = timedelta(minutes=2)
SPOT_WARNING = "EC2 Spot Instance Interruption Warning"
REBALANCE = "EC2 Instance Rebalance Recommendation"
STATE_CHANGE = "EC2 Instance State-change Notification"
HEALTH = "AWS Health Event"
MAX_BATCHES = 10
"""Receives per poll (10 messages each): a poll never runs unbounded behind a flooded queue."""
_STATES = {s.value: s for s in InstanceState}


@dataclass(frozen=True)
class Notice:
    """What one message says about some instances."""

    kind: CloudEventKind
    instance_ids: tuple[str, ...]
    time: datetime
    state: InstanceState | None = None
    deadline: datetime | None = None


def _time(value: Any, fallback: datetime) -> datetime:
    if not isinstance(value, str) or not value:
        return fallback
    try:
        return parse_rfc3339(value)
    except ValueError:
        try:
            stamp = parsedate_to_datetime(value)  # AWS Health's "Wed, 05 Jan 2026 09:00:00 GMT"
        except (TypeError, ValueError):
            return fallback
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def parse_message(body: str, received: datetime) -> Notice | None:
    """The notice in an EventBridge message body, or None for a message of another kind."""
    try:
        message = json.loads(body)
    except json.JSONDecodeError:
        return None
    if not isinstance(message, dict):
        return None
    kind = message.get("detail-type")
    detail = message.get("detail") or {}
    if not isinstance(detail, dict):
        return None
    when = _time(message.get("time"), received)
    instance = detail.get("instance-id")
    if kind == SPOT_WARNING and instance:
        return Notice(
            CloudEventKind.SPOT_INTERRUPTION_WARNING, (instance,), when, deadline=when + SPOT_NOTICE
        )
    if kind == REBALANCE and instance:
        return Notice(CloudEventKind.REBALANCE_RECOMMENDATION, (instance,), when)
    if kind == STATE_CHANGE and instance and detail.get("state") in _STATES:
        return Notice(CloudEventKind.STATE_CHANGE, (instance,), when, state=_STATES[detail["state"]])
    if (
        kind == HEALTH
        and detail.get("service") == "EC2"
        and detail.get("eventTypeCategory") == "scheduledChange"
    ):
        ids = tuple(
            str(e["entityValue"])
            for e in detail.get("affectedEntities", [])
            if isinstance(e, dict) and str(e.get("entityValue", "")).startswith("i-")
        )
        start = _time(detail.get("startTime"), when)
        return Notice(CloudEventKind.SCHEDULED_CHANGE, ids, when, deadline=start) if ids else None
    return None


class InterruptionQueue:
    """Reads and deletes the queue's messages."""

    def __init__(self, clients: AwsClients, queue_name: str) -> None:
        self._clients = clients
        self._name = queue_name
        self._url: str | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            self._url = str(self._clients.call("sqs", "GetQueueUrl", QueueName=self._name)["QueueUrl"])
        return self._url

    def receive(self, now: datetime) -> list[Notice]:
        notices: list[Notice] = []
        for _ in range(MAX_BATCHES):
            response = self._clients.call(
                "sqs", "ReceiveMessage", QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            )
            messages = response.get("Messages", [])
            for message in messages:
                notice = parse_message(str(message.get("Body", "")), now)
                if notice is None:
                    log.info(
                        "interruption queue: message %s is not an EC2 event; deleted",
                        message.get("MessageId"),
                    )
                else:
                    notices.append(notice)
                self._clients.call(
                    "sqs", "DeleteMessage", QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"]
                )
            if len(messages) < 10:
                break
        return notices
