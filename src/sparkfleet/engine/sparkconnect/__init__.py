"""SparkConnect: the server's objects and the status the operator's SparkConnect controller gives them."""

from sparkfleet.engine.sparkconnect.server import (
    CONDITION_SERVER_POD_READY,
    CONNECT_MASTER,
    EXECUTOR_TEMPLATE_FILE,
    EXECUTOR_TEMPLATE_MOUNT,
    ConnectObjects,
    ConnectSpecError,
    connect_objects,
    connect_status,
    dropped_fields,
    executor_selector,
    server_pod_name,
    server_service_name,
)

__all__ = [
    "CONDITION_SERVER_POD_READY",
    "CONNECT_MASTER",
    "EXECUTOR_TEMPLATE_FILE",
    "EXECUTOR_TEMPLATE_MOUNT",
    "ConnectObjects",
    "ConnectSpecError",
    "connect_objects",
    "connect_status",
    "dropped_fields",
    "executor_selector",
    "server_pod_name",
    "server_service_name",
]
