"""Which cluster a command talks to: the background cluster's API when `sparkfleet up` runs it, else the
embedded store under the cluster's home directory."""

from __future__ import annotations

from sparkfleet.cli.daemon import read_server
from sparkfleet.clock import SystemClock
from sparkfleet.cluster import Cluster
from sparkfleet.platform import DEFAULT_CLUSTER, cluster_home, open_embedded_store
from sparkfleet.server import RemoteCluster

_opened: list[RemoteCluster | Cluster] = []


def open_cluster(cluster: str = DEFAULT_CLUSTER) -> Cluster:
    """The cluster; `close_clusters()` (called when a command ends) closes it."""
    home = cluster_home(cluster)
    server = read_server(home)
    opened: RemoteCluster | Cluster
    if server is not None:
        opened = RemoteCluster(server.url, server.token, ca_file=server.ca_file)
    else:
        opened = open_embedded_store(home, SystemClock())
    _opened.append(opened)
    return opened


def close_clusters() -> None:
    while _opened:
        _opened.pop().close()
