"""Which cluster a command talks to: the embedded store under the cluster's home directory."""

from __future__ import annotations

from sparkfleet.clock import SystemClock
from sparkfleet.cluster import Cluster
from sparkfleet.platform import DEFAULT_CLUSTER, cluster_home, open_embedded_store


def open_cluster(cluster: str = DEFAULT_CLUSTER) -> Cluster:
    return open_embedded_store(cluster_home(cluster), SystemClock())
