"""Which cluster a command talks to: the background cluster's API when `sparkfleet up` runs it, else the
embedded store under the cluster's home directory.

Only the one chosen is imported: the API client (with the server package) or the cluster's store
(sparkfleet.home), never the platform's controllers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sparkfleet.cli.home import read_server
from sparkfleet.cli.options import DEFAULT_CLUSTER

if TYPE_CHECKING:
    from sparkfleet.cluster import Cluster
    from sparkfleet.server import RemoteCluster

_opened: list[RemoteCluster | Cluster] = []


def open_cluster(cluster: str = DEFAULT_CLUSTER) -> Cluster:
    """The cluster; `close_clusters()` (called when a command ends) closes it."""
    from sparkfleet.home import cluster_home

    home = cluster_home(cluster)
    server = read_server(home)
    opened: RemoteCluster | Cluster
    if server is not None:
        from sparkfleet.server import RemoteCluster

        opened = RemoteCluster(server.url, server.token, ca_file=server.ca_file)
    else:
        from sparkfleet.clock import SystemClock
        from sparkfleet.home import open_embedded_store

        opened = open_embedded_store(home, SystemClock())
    _opened.append(opened)
    return opened


def close_clusters() -> None:
    while _opened:
        _opened.pop().close()
