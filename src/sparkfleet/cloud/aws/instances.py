"""EC2's description of an instance, read as the port's `Instance`, and the cluster's instance filters."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from sparkfleet.api.instancetypes import OfferingKey
from sparkfleet.api.wire import TAG_CLIENT_TOKEN, TAG_CLUSTER_PREFIX, TAG_NODECLAIM, CapacityType
from sparkfleet.cloud.aws.clients import AwsClients
from sparkfleet.cloud.port import Instance, InstanceState

LIVE_STATES = ("pending", "running")
EVERY_STATE = ("pending", "running", "shutting-down", "stopping", "stopped", "terminated")
MAX_PAGES = 100
_STATES = {
    "pending": InstanceState.PENDING,
    "running": InstanceState.RUNNING,
    "shutting-down": InstanceState.SHUTTING_DOWN,
    "terminated": InstanceState.TERMINATED,
    # A stopped node is gone for Kubernetes; Karpenter replaces it as it does a terminated one.
    "stopping": InstanceState.SHUTTING_DOWN,
    "stopped": InstanceState.SHUTTING_DOWN,
}


def state_of(name: str) -> InstanceState:
    return _STATES.get(name, InstanceState.SHUTTING_DOWN)


def cluster_filter(cluster: str) -> dict[str, Any]:
    return {"Name": f"tag:{TAG_CLUSTER_PREFIX}{cluster}", "Values": ["owned"]}


def to_instance(raw: dict[str, Any], price: Callable[[OfferingKey], float]) -> Instance:
    tags = {str(t["Key"]): str(t["Value"]) for t in raw.get("Tags", [])}
    zone = str((raw.get("Placement") or {}).get("AvailabilityZone", ""))
    capacity_type = CapacityType.SPOT if raw.get("InstanceLifecycle") == "spot" else CapacityType.ON_DEMAND
    launched = raw.get("LaunchTime")
    if not isinstance(launched, datetime):
        launched = datetime.now(UTC)
    key = OfferingKey(str(raw["InstanceType"]), zone, capacity_type)
    return Instance(
        instance_id=str(raw["InstanceId"]),
        instance_type=key.instanceType,
        zone=zone,
        capacity_type=capacity_type,
        price=price(key),
        launch_time=launched.astimezone(UTC),
        state=state_of(str((raw.get("State") or {}).get("Name", ""))),
        node_claim_name=tags.get(TAG_NODECLAIM, ""),
        client_token=tags.get(TAG_CLIENT_TOKEN, ""),
        tags=MappingProxyType(tags),
        state_reason=str((raw.get("StateReason") or {}).get("Code", "")),
        image_id=str(raw.get("ImageId", "")),
    )


def describe(
    clients: AwsClients,
    filters: Sequence[dict[str, Any]],
    instance_ids: Sequence[str] = (),
) -> Iterator[dict[str, Any]]:
    """Every instance DescribeInstances gives for the filters, page after page."""
    token: str | None = None
    for _ in range(MAX_PAGES):
        params: dict[str, Any] = {"Filters": list(filters)}
        if instance_ids:
            params["Filters"] = [*filters, {"Name": "instance-id", "Values": list(instance_ids)}]
        if token:
            params["NextToken"] = token
        response = clients.call("ec2", "DescribeInstances", **params)
        for reservation in response.get("Reservations", []):
            yield from reservation.get("Instances", [])
        token = response.get("NextToken")
        if not token:
            return
