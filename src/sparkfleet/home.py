"""A cluster's home on this machine: where it is, and its durable store, opened and seeded.

The platform runs a cluster from here; the command line opens the same store for a verb such as `get`
without loading the controllers, the runtime or the simulated cloud, which only the platform needs.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sparkfleet.api.blueprint import manifest_dict
from sparkfleet.api.yunikorn import to_configmap
from sparkfleet.clock import Clock
from sparkfleet.cluster import AlreadyExists, Cluster, NotFound, Obj
from sparkfleet.cluster.embedded import EmbeddedCluster, os_storage_error
from sparkfleet.config import PlatformConfig
from sparkfleet.privatefiles import private_dir, private_file

__all__ = [
    "DEFAULT_CLUSTER",
    "STORE_FILE",
    "YUNIKORN_NAMESPACE",
    "cluster_home",
    "open_embedded_store",
    "seed",
]

DEFAULT_CLUSTER = "default"
STORE_FILE = "store.db"
YUNIKORN_NAMESPACE = "yunikorn"


def cluster_home(cluster: str = DEFAULT_CLUSTER) -> Path:
    """`~/.local/share/sparkfleet/<cluster>` (XDG data home honoured). `$SPARKFLEET_HOME` is the default
    cluster's home instead, and every other cluster's is `$SPARKFLEET_HOME/clusters/<cluster>`."""
    explicit = os.environ.get("SPARKFLEET_HOME")
    if explicit:
        root = Path(explicit).expanduser()
        return root if cluster == DEFAULT_CLUSTER else root / "clusters" / cluster
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "sparkfleet" / cluster


def open_embedded_store(home: Path, clock: Clock, config: PlatformConfig | None = None) -> EmbeddedCluster:
    """The cluster's durable store, seeded with its configuration on first use. The home and the store
    are private to their owner (0700, 0600): they hold every object, Secrets included. A home that is
    read-only or full raises StorageError naming it. Seeding runs under the store's setup lock, so
    processes opening one new home at once seed it once."""
    try:
        private_dir(home)
        # Made before SQLite opens it, as SQLite gives its -wal and -shm files the database's mode.
        private_file(home / STORE_FILE)
        for side in (home / f"{STORE_FILE}-wal", home / f"{STORE_FILE}-shm"):
            if side.exists():
                private_file(side)
    except OSError as exc:
        raise os_storage_error(exc, home / STORE_FILE, "cannot be opened") from None
    store = EmbeddedCluster(home / STORE_FILE, clock)
    try:
        with store.first_use():
            seed(store, config or PlatformConfig())
    except BaseException:
        store.close()
        raise
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
        with contextlib.suppress(AlreadyExists):  # made meanwhile by another writer: as good
            cluster.create(obj)
