"""The composition root: where a cluster's adapters are chosen and wired.

Only this package, the command line, the HTTP server and tests pick adapters; the controllers see ports.
`embedded.py` is one cluster on one home; `controllerset.py` the controllers over any `Cluster` (the
embedded store, or a Kubernetes API in `sparkfleet controller`); `cloudchoice.py` the cloud they launch in.
"""

from sparkfleet.home import (
    DEFAULT_CLUSTER,
    STORE_FILE,
    YUNIKORN_NAMESPACE,
    cluster_home,
    open_embedded_store,
    seed,
)
from sparkfleet.platform.cloudchoice import CLOUD_FILE, StoredNodeClasses, build_cloud
from sparkfleet.platform.controllerset import ControllerGroup, ControllerSet, parse_groups
from sparkfleet.platform.embedded import Platform

__all__ = [
    "CLOUD_FILE",
    "DEFAULT_CLUSTER",
    "STORE_FILE",
    "YUNIKORN_NAMESPACE",
    "ControllerGroup",
    "ControllerSet",
    "Platform",
    "StoredNodeClasses",
    "build_cloud",
    "cluster_home",
    "open_embedded_store",
    "parse_groups",
    "seed",
]
