"""The composition root: where a cluster's adapters are chosen and wired.

Only this module, the command line, the HTTP server and tests pick adapters; the controllers see ports.
"""

from __future__ import annotations

import os
from pathlib import Path

from sparkfleet.api.blueprint import manifest_dict
from sparkfleet.api.yunikorn import to_configmap
from sparkfleet.clock import Clock
from sparkfleet.cluster import Cluster, Obj
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.errors import NotFound
from sparkfleet.config import PlatformConfig

DEFAULT_CLUSTER = "default"
STORE_FILE = "store.db"
YUNIKORN_NAMESPACE = "yunikorn"


def cluster_home(cluster: str = DEFAULT_CLUSTER) -> Path:
    """`$SPARKFLEET_HOME`, else `~/.local/share/sparkfleet/<cluster>` (XDG data home honoured)."""
    explicit = os.environ.get("SPARKFLEET_HOME")
    if explicit:
        return Path(explicit).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "sparkfleet" / cluster


def open_embedded_store(home: Path, clock: Clock, config: PlatformConfig | None = None) -> EmbeddedCluster:
    """The cluster's durable store, seeded with its configuration on first use."""
    store = EmbeddedCluster(home / STORE_FILE, clock)
    seed(store, config or PlatformConfig())
    return store


def seed(cluster: Cluster, config: PlatformConfig) -> None:
    """Store the configuration's objects that are missing; objects a user has changed are left alone."""
    for name in [*config.namespaces, YUNIKORN_NAMESPACE]:
        _ensure(cluster, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    for model in [*config.nodeclasses, *config.nodepools]:
        _ensure(cluster, manifest_dict(model))
    _ensure(cluster, manifest_dict(to_configmap(config.queues, namespace=YUNIKORN_NAMESPACE)))


def _ensure(cluster: Cluster, obj: Obj) -> None:
    meta = obj["metadata"]
    try:
        cluster.get(obj["kind"], meta.get("namespace"), meta["name"])
    except NotFound:
        cluster.create(obj)
