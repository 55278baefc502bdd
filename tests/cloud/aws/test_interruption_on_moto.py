"""Interruption messages in EventBridge's shapes, through the SQS queue on moto and the AWS adapter, to the
NodeClaim controller, handled as Karpenter's interruption controller handles them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sparkfleet.api.wire import ANNOTATION_SCHEDULED_CHANGE_AT, ANNOTATION_SPOT_INTERRUPTED_AT
from sparkfleet.cloud.aws import AwsEC2
from sparkfleet.cloud.catalog import load_catalog
from sparkfleet.config import PlatformConfig
from sparkfleet.controllers.nodeclaim import CLOUD_KEY, NodeClaimReconciler
from sparkfleet.controllers.support import OfferingCache
from sparkfleet.home import open_embedded_store
from sparkfleet.platform import StoredNodeClasses
from support.awsmoto import REGION, aws_settings

POOL = "spark-memory-optimized"
NAME = "spark-memory-optimized-x1"


def envelope(detail_type: str, source: str, detail: dict[str, Any], resources: list[str]) -> str:
    """An EventBridge event as the rule delivers it to the queue."""
    return json.dumps(
        {
            "version": "0",
            "id": "7bf73129-1428-4cd3-a780-95db273d1602",
            "detail-type": detail_type,
            "source": source,
            "account": "123456789012",
            "time": "2026-01-05T09:00:00Z",
            "region": REGION,
            "resources": resources,
            "detail": detail,
        }
    )


def scheduled_change(instance_id: str) -> str:
    return envelope(
        "AWS Health Event",
        "aws.health",
        {
            "eventArn": f"arn:aws:health:{REGION}::event/EC2/AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED/x1",
            "service": "EC2",
            "eventTypeCode": "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED",
            "eventTypeCategory": "scheduledChange",
            "startTime": "Wed, 07 Jan 2026 10:00:00 GMT",
            "endTime": "Wed, 07 Jan 2026 12:00:00 GMT",
            "eventDescription": [{"language": "en_US", "latestDescription": "retirement"}],
            "affectedEntities": [{"entityValue": instance_id}],
        },
        [instance_id],
    )


def rebalance(instance_id: str) -> str:
    arn = f"arn:aws:ec2:{REGION}:123456789012:instance/{instance_id}"
    return envelope("EC2 Instance Rebalance Recommendation", "aws.ec2", {"instance-id": instance_id}, [arn])


@pytest.fixture
def launched(tmp_path: Path, world, session, clock):
    config = PlatformConfig()
    config.nodeclasses = [
        world.node_class().model_copy(update={"metadata": c.metadata}) for c in config.nodeclasses
    ]
    store = open_embedded_store(tmp_path / "home", clock, config)
    cloud = AwsEC2(aws_settings(), load_catalog(), clock, StoredNodeClasses(store), session=session)
    offerings = OfferingCache()
    reconciler = NodeClaimReconciler(store, clock, cloud, offerings)
    store.create(
        {
            "apiVersion": "karpenter.sh/v1",
            "kind": "NodeClaim",
            "metadata": {"name": NAME, "labels": {"karpenter.sh/nodepool": POOL}},
            "spec": {
                "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": POOL},
                "requirements": [
                    {"key": "node.kubernetes.io/instance-type", "operator": "In", "values": ["r5d.4xlarge"]},
                    {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]},
                ],
            },
        }
    )
    reconciler.reconcile(NAME)
    reconciler.reconcile(CLOUD_KEY)  # the launch's own events
    [instance] = cloud.list_instances()
    return store, reconciler, offerings, instance


def events(store) -> list[tuple[str, str, str]]:
    return [(e["type"], e["reason"], e["message"]) for e in store.list("Event").items]


def test_a_scheduled_change_marks_the_node_for_draining_ahead_and_keeps_its_offering(launched, world, clock):
    store, reconciler, offerings, instance = launched
    world.session.client("sqs").send_message(
        QueueUrl=world.queue_url, MessageBody=scheduled_change(instance.instance_id)
    )
    reconciler.reconcile(CLOUD_KEY)
    claim = store.get("NodeClaim", None, NAME)
    assert claim["metadata"]["annotations"][ANNOTATION_SCHEDULED_CHANGE_AT] == "2026-01-05T09:00:00Z"
    assert ANNOTATION_SPOT_INTERRUPTED_AT not in claim["metadata"]["annotations"]
    assert (
        "Warning",
        "InstanceUnhealthy",
        f"scheduled change (AWS Health) of {instance.instance_id} (r5d.4xlarge, {instance.zone}) starts at "
        "2026-01-07T10:00:00Z: draining the node ahead",
    ) in events(store)
    assert offerings.active(clock.now()) == set(), "a scheduled change is no capacity signal"
    assert world.session.client("sqs").receive_message(QueueUrl=world.queue_url).get("Messages") is None


def test_a_rebalance_recommendation_is_only_recorded(launched, world, clock):
    store, reconciler, offerings, instance = launched
    world.session.client("sqs").send_message(
        QueueUrl=world.queue_url, MessageBody=rebalance(instance.instance_id)
    )
    reconciler.reconcile(CLOUD_KEY)
    claim = store.get("NodeClaim", None, NAME)
    assert not {ANNOTATION_SCHEDULED_CHANGE_AT, ANNOTATION_SPOT_INTERRUPTED_AT} & set(
        claim["metadata"].get("annotations") or {}
    )
    recorded = [
        (e["type"], e["involvedObject"]["kind"])
        for e in store.list("Event").items
        if e["reason"] == "SpotRebalanceRecommendation"
    ]
    assert sorted(recorded) == [("Normal", "Node"), ("Normal", "NodeClaim")], "on the claim and its Node"
    assert offerings.active(clock.now()) == set()
