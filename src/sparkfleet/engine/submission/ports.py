"""The driver's ports as Spark names them and their defaults (`Constants` of Spark's Kubernetes
resource manager): the driver pod's container ports, its headless service and the UI service all use
them, and the local runtime finds the UI by them."""

from __future__ import annotations

__all__ = [
    "BLOCK_MANAGER_PORT_NAME",
    "DEFAULT_BLOCK_MANAGER_PORT",
    "DEFAULT_DRIVER_PORT",
    "DEFAULT_UI_PORT",
    "DRIVER_PORT_NAME",
    "UI_PORT_NAME",
]

DEFAULT_DRIVER_PORT = 7078
DEFAULT_BLOCK_MANAGER_PORT = 7079
DEFAULT_UI_PORT = 4040
DRIVER_PORT_NAME = "driver-rpc-port"
BLOCK_MANAGER_PORT_NAME = "blockmanager"
UI_PORT_NAME = "spark-ui"
