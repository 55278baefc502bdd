"""The composition root: where a cluster's adapters are chosen and wired.

Only this module, the command line, the HTTP server and tests pick adapters; the controllers see ports.
"""

from __future__ import annotations

import os
from pathlib import Path

from sparkfleet.clock import Clock
from sparkfleet.cluster import Cluster
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.errors import NotFound

DEFAULT_CLUSTER = "default"
DEFAULT_NAMESPACES = ("default", "spark-team-a", "spark-team-b", "spark-team-c")
STORE_FILE = "store.db"


def cluster_home(cluster: str = DEFAULT_CLUSTER) -> Path:
    """`$SPARKFLEET_HOME`, else `~/.local/share/sparkfleet/<cluster>` (XDG data home honoured)."""
    explicit = os.environ.get("SPARKFLEET_HOME")
    if explicit:
        return Path(explicit).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "sparkfleet" / cluster


def open_embedded_store(home: Path, clock: Clock) -> EmbeddedCluster:
    """The cluster's durable store, with its default namespaces on first use."""
    store = EmbeddedCluster(home / STORE_FILE, clock)
    ensure_namespaces(store, DEFAULT_NAMESPACES)
    return store


def ensure_namespaces(cluster: Cluster, names: tuple[str, ...]) -> None:
    for name in names:
        try:
            cluster.get("Namespace", None, name)
        except NotFound:
            cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
