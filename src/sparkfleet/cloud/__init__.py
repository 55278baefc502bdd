"""The Cloud port: what the controllers need from EC2 (or from the simulated EC2)."""

from sparkfleet.cloud.catalog import load_catalog
from sparkfleet.cloud.port import (
    INSUFFICIENT_CAPACITY,
    SPOT_TERMINATION_REASON,
    USER_TERMINATION_REASON,
    Cloud,
    CloudError,
    CloudEvent,
    CloudEventKind,
    IdempotentParameterMismatch,
    Instance,
    InstanceNotFound,
    InstanceState,
    InsufficientCapacityError,
    InvalidLaunchRequest,
    LaunchFailure,
    LaunchRequest,
    LaunchResult,
)

__all__ = [
    "INSUFFICIENT_CAPACITY",
    "SPOT_TERMINATION_REASON",
    "USER_TERMINATION_REASON",
    "Cloud",
    "CloudError",
    "CloudEvent",
    "CloudEventKind",
    "IdempotentParameterMismatch",
    "Instance",
    "InstanceNotFound",
    "InstanceState",
    "InsufficientCapacityError",
    "InvalidLaunchRequest",
    "LaunchFailure",
    "LaunchRequest",
    "LaunchResult",
    "load_catalog",
]
